#include "progress/evaluation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kprogress {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // when the first sample of a series is taken (ms)
constexpr int64_t kStep = 10'000;           // the collector samples every 10 s in these tables
constexpr int64_t kHour = 3'600'000;

// Samples at kT0, kT0 + 10 s, kT0 + 20 s ...: committed[i] and hw[i]. REQUIRES: same sizes.
std::vector<Sample> series(std::vector<int64_t> committed, std::vector<int64_t> hw) {
  std::vector<Sample> out;
  for (size_t i = 0; i < committed.size(); ++i) {
    out.push_back({kT0 + static_cast<int64_t>(i) * kStep, committed[i], hw[i]});
  }
  return out;
}

// The time of the newest sample of a series of n.
int64_t newest_at(size_t n) { return kT0 + static_cast<int64_t>(n - 1) * kStep; }

// ---- Lag in seconds ----

TEST(EffectiveLag, MarkersOnlyIsNoLag) {
  struct Case {
    int64_t lag;
    bool no_data_record;
    int64_t want;
  } cases[] = {{0, false, 0}, {7, false, 7}, {1, true, 0}, {7, true, 0}, {-3, false, 0}};
  for (const auto& c : cases) {
    EXPECT_EQ(effective_lag(c.lag, c.no_data_record), c.want)
        << "lag=" << c.lag << " no_data_record=" << c.no_data_record;
  }
}

TEST(LagSeconds, AgeOfTheRecordAtTheCommittedOffset) {
  const int64_t now = 1'700'000'000'000;
  struct Case {
    const char* name;
    int64_t lag;
    std::optional<int64_t> ts;
    std::optional<double> want;
  } cases[] = {
      {"no lag is 0 s, even unread", 0, std::nullopt, 0.0},
      {"no lag is 0 s, whatever the record", 0, now - 90'000, 0.0},
      {"exact: now - timestamp", 5, now - 1'500, 1.5},
      {"record produced just now", 5, now, 0.0},
      {"clock skew: a timestamp in the future clamps to 0", 5, now + 30'000, 0.0},
      {"not read: unknown", 5, std::nullopt, std::nullopt},
      {"no timestamp (-1, old message format): unknown", 5, -1, std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(lag_seconds(now, c.lag, c.ts), c.want) << c.name;
  }
}

TEST(LagSeconds, NoDataRecordAfterTheCommitIsZero) {
  const int64_t now = 1'700'000'000'000;
  // The lag of 1 left by a transaction's commit marker (Burrow #651, librdkafka #2539).
  EXPECT_EQ(lag_seconds(now, 1, UnconsumedRecords{std::nullopt, true}), 0.0);
  EXPECT_EQ(lag_seconds(now, 3, UnconsumedRecords{now - kHour, true}), 0.0);
  EXPECT_EQ(lag_seconds(now, 3, UnconsumedRecords{now - 2'000, false}), 2.0);
  EXPECT_EQ(lag_seconds(now, 3, UnconsumedRecords{}), std::nullopt);
}

// ---- Statuses ----

TEST(Status, NamesAndBurrowsNumbering) {
  struct Case {
    Status s;
    const char* name;
    int code;
    Status group;
  } cases[] = {
      {Status::kNotFound, "NOTFOUND", 0, Status::kNotFound},
      {Status::kOk, "OK", 1, Status::kOk},
      {Status::kWarn, "WARN", 2, Status::kWarn},
      {Status::kErr, "ERR", 3, Status::kErr},
      {Status::kStop, "STOP", 4, Status::kErr},
      {Status::kStall, "STALL", 5, Status::kErr},
      {Status::kRewind, "REWIND", 6, Status::kErr},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(status_name(c.s), c.name);
    EXPECT_EQ(status_code(c.s), c.code) << c.name;
    EXPECT_EQ(group_status(c.s), c.group) << c.name;
  }
  EXPECT_EQ(worse(Status::kWarn, Status::kStall), Status::kStall);
  EXPECT_EQ(worse(Status::kRewind, Status::kErr), Status::kRewind);
  EXPECT_EQ(worse(Status::kOk, Status::kOk), Status::kOk);
}

TEST(Rule, EveryRuleHasAName) {
  EXPECT_EQ(rule_name(Rule::kNoCommit), "no_commit");
  EXPECT_EQ(rule_name(Rule::kNotEnoughData), "not_enough_data");
  EXPECT_EQ(rule_name(Rule::kNoLag), "no_lag");
  EXPECT_EQ(rule_name(Rule::kRewind), "rewind");
  EXPECT_EQ(rule_name(Rule::kStopped), "stopped");
  EXPECT_EQ(rule_name(Rule::kZeroLagInWindow), "zero_lag_in_window");
  EXPECT_EQ(rule_name(Rule::kStalled), "stalled");
  EXPECT_EQ(rule_name(Rule::kLagGrowing), "lag_growing");
  EXPECT_EQ(rule_name(Rule::kKeepingUp), "keeping_up");
  EXPECT_EQ(rule_name(Rule::kLagSecondsWarn), "lag_seconds_warn");
  EXPECT_EQ(rule_name(Rule::kLagSecondsError), "lag_seconds_error");
}

// ---- Partition rules ----

// Inputs most cases leave at their defaults.
struct Extra {
  UnconsumedRecords unconsumed = {};
  std::optional<int64_t> last_commit_ms = std::nullopt;
  std::optional<int64_t> committed_since_ms = std::nullopt;
  std::optional<bool> assigned = std::nullopt;
  std::optional<int64_t> now_ms = std::nullopt;  // default: the newest sample's time
  std::optional<bool> complete = std::nullopt;   // default: every rule but 1 and 2 is complete
};

// One row: committed offsets and high watermarks sampled every 10 s from kT0, and the status and
// rule that must come out.
struct RuleCase {
  const char* name;  // what the row checks
  std::vector<int64_t> committed, hw;
  Status want_status;
  Rule want_rule;
  Extra extra = {};
};

void check(const EvaluationConfig& config, const std::vector<RuleCase>& cases) {
  for (const auto& c : cases) {
    const std::vector<Sample> samples = series(c.committed, c.hw);
    PartitionInput in;
    in.samples = samples;
    in.now_ms = c.extra.now_ms.value_or(samples.empty() ? kT0 : samples.back().at_ms);
    in.unconsumed = c.extra.unconsumed;
    in.last_commit_ms = c.extra.last_commit_ms;
    in.committed_since_ms = c.extra.committed_since_ms;
    in.assigned = c.extra.assigned;
    const PartitionEvaluation got = evaluate_partition(in, config);
    EXPECT_EQ(status_name(got.status), status_name(c.want_status)) << c.name;
    EXPECT_EQ(rule_name(got.rule), rule_name(c.want_rule)) << c.name;
    const bool want_complete = c.extra.complete.value_or(c.want_rule != Rule::kNoCommit &&
                                                         c.want_rule != Rule::kNotEnoughData);
    EXPECT_EQ(got.complete, want_complete) << c.name;
  }
}

constexpr EvaluationConfig kDefault{};  // window 10, min 3, allowed_lag 0, no thresholds

EvaluationConfig with_allowed_lag(int64_t allowed) {
  EvaluationConfig c;
  c.allowed_lag = allowed;
  return c;
}
EvaluationConfig with_window(size_t window, size_t min) {
  EvaluationConfig c;
  c.window_samples = window;
  c.min_samples = min;
  return c;
}

TEST(EvaluateRule1NoCommit, NewestSampleWithoutCommitIsOkAndIncomplete) {
  check(kDefault, {
                      {"no samples", {}, {}, Status::kOk, Rule::kNoCommit},
                      {"commit gone at the newest sample",
                       {5, 5, 5, kNoCommit},
                       {50, 60, 70, 80},
                       Status::kOk,
                       Rule::kNoCommit},
                  });
}

TEST(EvaluateRule2MinSamples, FewerSamplesThanMinSamplesIsOkAndIncomplete) {
  const std::vector<RuleCase> cases = {
      {"2 of 3: a stall would show, but not yet",
       {5, 5},
       {50, 60},
       Status::kOk,
       Rule::kNotEnoughData},
      {"exactly min_samples: evaluated", {5, 5, 5}, {50, 60, 70}, Status::kStall, Rule::kStalled},
      {"samples without a commit do not count towards min_samples",
       {kNoCommit, kNoCommit, 5, 5},
       {50, 60, 70, 80},
       Status::kOk,
       Rule::kNotEnoughData},
  };
  check(kDefault, cases);
  check(with_window(10, 5), {{"min_samples 5 asks for more",
                              {5, 5, 5, 5},
                              {50, 60, 70, 80},
                              Status::kOk,
                              Rule::kNotEnoughData}});
}

TEST(EvaluateRule3NoLag, CurrentLagAtOrUnderAllowedLagIsOk) {
  const std::vector<RuleCase> cases = {
      {"caught up after a stall", {5, 5, 5, 90}, {50, 60, 70, 90}, Status::kOk, Rule::kNoLag},
      {"idle topic, caught up, last commit hours ago: OK, never STOP",
       {100, 100, 100, 100},
       {100, 100, 100, 100},
       Status::kOk,
       Rule::kNoLag,
       {.last_commit_ms = kT0 - 5 * kHour}},
      {"lag of 1 that is only a transaction marker: OK",
       {99, 99, 99, 99},
       {100, 100, 100, 100},
       Status::kOk,
       Rule::kNoLag,
       {.unconsumed = {std::nullopt, true}}},
      {"the same lag of 1 with a data record behind it stalls",
       {99, 99, 99, 99},
       {100, 100, 100, 100},
       Status::kStall,
       Rule::kStalled},
  };
  check(kDefault, cases);
  check(with_allowed_lag(5), {
                                 {"allowed_lag: a lag equal to it counts as zero",
                                  {5, 5, 5},
                                  {10, 10, 10},
                                  Status::kOk,
                                  Rule::kNoLag},
                                 {"allowed_lag: one over it does not",
                                  {5, 5, 5},
                                  {11, 11, 11},
                                  Status::kStall,
                                  Rule::kStalled},
                             });
}

TEST(EvaluateRule4Rewind, CommittedBelowItsHighestInTheWindowWithLagIsRewind) {
  const std::vector<RuleCase> cases = {
      {"went backwards", {100, 200, 50}, {300, 300, 300}, Status::kRewind, Rule::kRewind},
      {"went backwards right after zero lag: still REWIND (Burrow #716)",
       {100, 200, 50},
       {100, 200, 210},
       Status::kRewind,
       Rule::kRewind},
      {"still below the pre-rewind offset after moving up again",
       {100, 200, 50, 150},
       {300, 300, 300, 300},
       Status::kRewind,
       Rule::kRewind},
      {"back past where it was: the rewind no longer counts",
       {100, 200, 50, 150, 250},
       {300, 300, 300, 300, 300},
       Status::kOk,
       Rule::kKeepingUp},
      {"rewound but no lag now: OK", {100, 200, 50}, {300, 300, 50}, Status::kOk, Rule::kNoLag},
  };
  check(kDefault, cases);
  check(with_window(3, 3), {{"the rewind left the window",
                             {200, 50, 60, 70},
                             {300, 300, 300, 300},
                             Status::kOk,
                             Rule::kKeepingUp}});
}

TEST(EvaluateRule5Stop, LastCommitOlderThanTheWindowSpanWithLagIsStop) {
  // Four samples: the window spans 30 s, kT0 to kT0 + 30 s; now is the newest sample's time.
  const std::vector<int64_t> stuck = {50, 50, 50, 50};
  const std::vector<int64_t> rising = {60, 70, 80, 90};
  const std::vector<RuleCase> cases = {
      {"known last commit an hour before the window",
       stuck,
       rising,
       Status::kStop,
       Rule::kStopped,
       {.last_commit_ms = kT0 - kHour}},
      {"window edge: last commit exactly one span ago is not yet STOP",
       stuck,
       rising,
       Status::kStall,
       Rule::kStalled,
       {.last_commit_ms = kT0}},
      {"window edge: one ms more is STOP",
       stuck,
       rising,
       Status::kStop,
       Rule::kStopped,
       {.last_commit_ms = kT0 - 1}},
      {"still committing the same offset: STALL, not STOP",
       stuck,
       rising,
       Status::kStall,
       Rule::kStalled,
       {.last_commit_ms = newest_at(4) - 1}},
      {"commit time unknown: cannot say stopped, so STALL", stuck, rising, Status::kStall,
       Rule::kStalled},
      {"a move seen in the window outdates a stale commit time",
       {50, 50, 50, 60},
       rising,
       Status::kWarn,
       Rule::kLagGrowing,
       {.last_commit_ms = kT0 - kHour}},
      {"quiet topic: caught up until a record just arrived, not STOP (Burrow #303)",
       {100, 100, 100, 100},
       {100, 100, 100, 101},
       Status::kOk,
       Rule::kZeroLagInWindow,
       {.last_commit_ms = kT0 - kHour}},
      {"evaluated later than the newest sample: now counts",
       stuck,
       rising,
       Status::kStop,
       Rule::kStopped,
       {.last_commit_ms = kT0, .now_ms = newest_at(4) + 1}},
  };
  check(kDefault, cases);
  check(with_allowed_lag(2), {{"caught up recently, within allowed_lag",
                               {100, 100, 100},
                               {102, 102, 110},
                               Status::kOk,
                               Rule::kZeroLagInWindow,
                               {.last_commit_ms = kT0 - kHour}}});
}

TEST(EvaluateRule5Stop, NoMemberOwnsThePartitionAndItsOffsetIsStuckIsStop) {
  // Kafka gives no commit time; a partition nobody is assigned cannot be being committed.
  const std::vector<int64_t> stuck = {50, 50, 50, 50};
  const std::vector<int64_t> rising = {60, 70, 80, 90};
  const std::vector<RuleCase> cases = {
      {"no member, offset unchanged since an hour before the window: STOP",
       stuck,
       rising,
       Status::kStop,
       Rule::kStopped,
       {.committed_since_ms = kT0 - kHour, .assigned = false}},
      {"no member, offset first seen exactly one span ago: not yet STOP",
       stuck,
       rising,
       Status::kStall,
       Rule::kStalled,
       {.committed_since_ms = kT0, .assigned = false}},
      {"no member, one ms more: STOP",
       stuck,
       rising,
       Status::kStop,
       Rule::kStopped,
       {.committed_since_ms = kT0 - 1, .assigned = false}},
      {"a live member owns it and the offset is stuck: STALL, not STOP",
       stuck,
       rising,
       Status::kStall,
       Rule::kStalled,
       {.committed_since_ms = kT0 - kHour, .assigned = true}},
      {"assignment unknown (rebalancing, not described): STALL",
       stuck,
       rising,
       Status::kStall,
       Rule::kStalled,
       {.committed_since_ms = kT0 - kHour}},
      {"no member, but since when the offset stands is unknown: STALL",
       stuck,
       rising,
       Status::kStall,
       Rule::kStalled,
       {.assigned = false}},
      {"no member, but the offset moved in the window: not STOP",
       {50, 50, 50, 60},
       rising,
       Status::kWarn,
       Rule::kLagGrowing,
       {.committed_since_ms = newest_at(4), .assigned = false}},
      {"no member, idle topic, caught up: OK (Burrow #303)",
       {100, 100, 100, 100},
       {100, 100, 100, 100},
       Status::kOk,
       Rule::kNoLag,
       {.committed_since_ms = kT0 - kHour, .assigned = false}},
      {"no member, quiet topic, a record just arrived: not STOP (Burrow #303)",
       {100, 100, 100, 100},
       {100, 100, 100, 101},
       Status::kOk,
       Rule::kZeroLagInWindow,
       {.committed_since_ms = kT0 - kHour, .assigned = false}},
      {"a known commit time older than a move since seen is stale: not STOP",
       stuck,
       rising,
       Status::kStall,
       Rule::kStalled,
       {.last_commit_ms = kT0 - kHour, .committed_since_ms = kT0 + 5 * 1000}},
  };
  check(kDefault, cases);
}

TEST(EvaluateRule6ZeroLagInWindow, AnyZeroLagInTheWindowIsOk) {
  const std::vector<int64_t> committed = {10, 10, 10, 10};
  const std::vector<int64_t> hw = {10, 20, 30, 40};  // zero lag only at the oldest sample
  check(kDefault,
        {{"zero lag at the oldest sample", committed, hw, Status::kOk, Rule::kZeroLagInWindow}});
  check(with_window(4, 3), {{"window edge: still inside a 4-sample window", committed, hw,
                             Status::kOk, Rule::kZeroLagInWindow}});
  check(with_window(3, 3), {{"window edge: gone from a 3-sample window", committed, hw,
                             Status::kStall, Rule::kStalled}});
  check(with_allowed_lag(3), {{"allowed_lag widens what counts as zero",
                               {10, 20, 30},
                               {13, 30, 45},
                               Status::kOk,
                               Rule::kZeroLagInWindow}});
}

TEST(EvaluateRule7Stall, CommittedUnchangedOverTheWindowWithLagIsStall) {
  check(kDefault, {
                      {"records arriving, consumer not moving",
                       {5, 5, 5, 5},
                       {10, 20, 30, 40},
                       Status::kStall,
                       Rule::kStalled},
                      {"idle topic with unconsumed records: a real stall",
                       {5, 5, 5},
                       {10, 10, 10},
                       Status::kStall,
                       Rule::kStalled},
                      {"a gap without a commit in between: still the same offset",
                       {5, kNoCommit, 5, 5},
                       {10, 20, 30, 40},
                       Status::kStall,
                       Rule::kStalled},
                  });
}

TEST(EvaluateRule8LagGrowing, MovingButLagNeverShrinkingIsWarn) {
  check(kDefault, {
                      {"lag grows at every step",
                       {0, 10, 20, 30},
                       {10, 30, 50, 70},
                       Status::kWarn,
                       Rule::kLagGrowing},
                      {"lag grows or holds, never shrinks",
                       {0, 10, 20, 30},
                       {10, 30, 40, 60},
                       Status::kWarn,
                       Rule::kLagGrowing},
                      {"flat lag while moving is keeping pace, not WARN",
                       {0, 10, 20},
                       {10, 20, 30},
                       Status::kOk,
                       Rule::kKeepingUp},
                      {"lag shrank once in the window",
                       {0, 10, 20, 30},
                       {10, 30, 35, 70},
                       Status::kOk,
                       Rule::kKeepingUp},
                  });
}

TEST(EvaluateRule9KeepingUp, CatchingUpIsOk) {
  check(kDefault, {{"lag shrinking", {0, 20, 40}, {30, 40, 50}, Status::kOk, Rule::kKeepingUp}});
}

TEST(EvaluateThresholds, LagSecondsRaiseTheStatusNeverLowerIt) {
  EvaluationConfig cfg;
  cfg.warn_after_s = 60;
  cfg.error_after_s = 300;
  const std::vector<int64_t> committed = {0, 20, 40}, hw = {30, 40, 50};  // catching up
  const int64_t now = newest_at(3);
  auto aged = [now](int64_t seconds) { return Extra{.unconsumed = {now - seconds * 1000, false}}; };
  const std::vector<RuleCase> cases = {
      {"under warn_after_s: unchanged", committed, hw, Status::kOk, Rule::kKeepingUp, aged(59)},
      {"exactly warn_after_s: not over it", committed, hw, Status::kOk, Rule::kKeepingUp, aged(60)},
      {"over warn_after_s: WARN", committed, hw, Status::kWarn, Rule::kLagSecondsWarn, aged(61)},
      {"over error_after_s: ERR", committed, hw, Status::kErr, Rule::kLagSecondsError, aged(301)},
      {"lag growing (WARN) and over error_after_s: ERR",
       {0, 10, 20},
       {10, 30, 50},
       Status::kErr,
       Rule::kLagSecondsError,
       aged(301)},
      {"STALL is worse than ERR: stays STALL",
       {5, 5, 5},
       {10, 20, 30},
       Status::kStall,
       Rule::kStalled,
       aged(301)},
      {"lag in seconds unknown: no threshold applies", committed, hw, Status::kOk,
       Rule::kKeepingUp},
      {"an hour-old transaction marker is no lag: OK",
       {9, 9, 9},
       {10, 10, 10},
       Status::kOk,
       Rule::kNoLag,
       {.unconsumed = {now - kHour, true}}},
      {"clock skew: a record from the future is 0 s old",
       committed,
       hw,
       Status::kOk,
       Rule::kKeepingUp,
       {.unconsumed = {now + kHour, false}}},
  };
  check(cfg, cases);
  EvaluationConfig needs_four = cfg;
  needs_four.min_samples = 4;
  Extra incomplete = aged(61);
  incomplete.complete = false;
  check(needs_four, {{"apply without history too (not enough data)", committed, hw, Status::kWarn,
                      Rule::kLagSecondsWarn, incomplete}});
}

TEST(EvaluatePartition, ReportsEffectiveLagLagSecondsAndSamplesUsed) {
  PartitionInput in;
  const auto samples = series({kNoCommit, 0, 10, 20}, {10, 20, 40, 60});
  in.samples = samples;
  in.now_ms = newest_at(4);
  in.unconsumed = {in.now_ms - 4'500, false};
  const PartitionEvaluation got = evaluate_partition(in, kDefault);
  EXPECT_EQ(got.lag, 40);
  EXPECT_EQ(got.lag_seconds, 4.5);
  EXPECT_EQ(got.samples, 3u);  // the sample without a commit is left out

  in.unconsumed = {std::nullopt, true};
  const PartitionEvaluation marker = evaluate_partition(in, kDefault);
  EXPECT_EQ(marker.lag, 0);
  EXPECT_EQ(marker.lag_seconds, 0.0);
}

TEST(EvaluatePartition, WorksOnAWrappedHistory) {
  PartitionHistory<4> h;
  // Six samples into a ring of four: the stall is in the newest four.
  const auto samples = series({0, 10, 20, 20, 20, 20}, {10, 30, 40, 50, 60, 70});
  for (const auto& s : samples) ASSERT_EQ(h.append(s), AppendResult::kAppended);
  PartitionInput in;
  in.samples = h.window();
  in.now_ms = h.newest().at_ms;
  const PartitionEvaluation got = evaluate_partition(in, kDefault);
  EXPECT_EQ(got.status, Status::kStall);
  EXPECT_EQ(got.samples, 4u);
}

TEST(EvaluationConfigValidate, RejectsWhatTheRulesCannotUse) {
  struct Case {
    const char* name;
    EvaluationConfig config;
    bool ok;
  } cases[] = {
      {"defaults", {}, true},
      {"window of 1", {1, 1, 0, {}, {}}, false},
      {"window over the maximum", {kMaxWindowSamples + 1, 3, 0, {}, {}}, false},
      {"min_samples 1", {10, 1, 0, {}, {}}, false},
      {"min_samples over the window", {10, 11, 0, {}, {}}, false},
      {"min_samples equal to the window", {10, 10, 0, {}, {}}, true},
      {"negative allowed_lag", {10, 3, -1, {}, {}}, false},
      {"zero warn_after_s", {10, 3, 0, 0.0, {}}, false},
      {"warn above error", {10, 3, 0, 600.0, 300.0}, false},
      {"warn at error", {10, 3, 0, 300.0, 300.0}, true},
      {"error only", {10, 3, 0, {}, 300.0}, true},
  };
  for (const auto& c : cases) {
    const Result<void> r = validate(c.config);
    EXPECT_EQ(r.ok(), c.ok) << c.name << (r.ok() ? "" : ": " + r.error().message);
  }
}

TEST(EvaluatePartition, OutOfRangeConfigIsClampedNotTrusted) {
  // min_samples 0 would let one sample "stall"; it is clamped to 2.
  PartitionInput in;
  const auto one = series({5}, {10});
  in.samples = one;
  const PartitionEvaluation got = evaluate_partition(in, {10, 0, 0, {}, {}});
  EXPECT_EQ(got.rule, Rule::kNotEnoughData);
  EXPECT_FALSE(got.complete);
}

// ---- Group ----

PartitionEvaluation part(Status s, int64_t lag, bool complete = true) {
  PartitionEvaluation p;
  p.status = s;
  p.lag = lag;
  p.complete = complete;
  return p;
}

TEST(EvaluateGroup, WorstPartitionDecidesAndMaxlagIsTheLargestLag) {
  struct Case {
    const char* name;
    std::vector<PartitionEvaluation> partitions;
    Status want_status, want_worst;
    std::optional<size_t> want_maxlag;
    int64_t want_total;
    bool want_complete;
  } cases[] = {
      {"no partitions: OK, nothing to say", {}, Status::kOk, Status::kOk, std::nullopt, 0, false},
      {"all OK",
       {part(Status::kOk, 3), part(Status::kOk, 9), part(Status::kOk, 1)},
       Status::kOk,
       Status::kOk,
       1,
       13,
       true},
      {"one WARN makes the group WARN",
       {part(Status::kOk, 3), part(Status::kWarn, 2)},
       Status::kWarn,
       Status::kWarn,
       0,
       5,
       true},
      {"STALL makes the group ERR",
       {part(Status::kWarn, 3), part(Status::kStall, 2)},
       Status::kErr,
       Status::kStall,
       0,
       5,
       true},
      {"STOP makes the group ERR",
       {part(Status::kStop, 3), part(Status::kOk, 0)},
       Status::kErr,
       Status::kStop,
       0,
       3,
       true},
      {"REWIND is the worst",
       {part(Status::kErr, 3), part(Status::kRewind, 2), part(Status::kStop, 1)},
       Status::kErr,
       Status::kRewind,
       0,
       6,
       true},
      {"maxlag tie: the worse status",
       {part(Status::kOk, 7), part(Status::kWarn, 7)},
       Status::kWarn,
       Status::kWarn,
       1,
       14,
       true},
      {"maxlag tie, same status: the first",
       {part(Status::kOk, 7), part(Status::kOk, 7)},
       Status::kOk,
       Status::kOk,
       0,
       14,
       true},
      {"one incomplete partition: group incomplete",
       {part(Status::kOk, 0), part(Status::kOk, 0, false)},
       Status::kOk,
       Status::kOk,
       0,
       0,
       false},
  };
  for (const auto& c : cases) {
    const GroupEvaluation g = evaluate_group(c.partitions);
    EXPECT_EQ(status_name(g.status), status_name(c.want_status)) << c.name;
    EXPECT_EQ(status_name(g.worst), status_name(c.want_worst)) << c.name;
    EXPECT_EQ(g.maxlag, c.want_maxlag) << c.name;
    EXPECT_EQ(g.total_lag, c.want_total) << c.name;
    EXPECT_EQ(g.partitions, c.partitions.size()) << c.name;
    EXPECT_EQ(g.complete(), c.want_complete) << c.name;
  }
}

}  // namespace
}  // namespace kprogress
