#include "progress/history.h"

#include <gtest/gtest.h>

#include <vector>

namespace kprogress {
namespace {

// A sample taken at `at_s` seconds (tables read in seconds; samples hold milliseconds).
Sample at(int64_t at_s, int64_t committed, int64_t hw) { return {at_s * 1000, committed, hw}; }

std::vector<Sample> to_vector(SampleWindow w) {
  std::vector<Sample> out;
  for (size_t i = 0; i < w.size(); ++i) out.push_back(w[i]);
  return out;
}

// ---- Memory ----

TEST(HistoryMemory, SampleIsThreeInt64s) { EXPECT_EQ(sizeof(Sample), 24u); }

TEST(HistoryMemory, DefaultHistoryIsItsSamplesPlusTwoIndicesPadded) {
  // Guards the per-partition budget (< 1 KiB per tracked group-partition, history included):
  // a new member or a heap-allocated ring would show here.
  EXPECT_EQ(kBytesPerPartition, kDefaultHistoryCapacity * sizeof(Sample) + 8);
  EXPECT_EQ(kBytesPerPartition, 392u);
  EXPECT_EQ(PartitionHistory<>::memory_bytes(), sizeof(PartitionHistory<>));
}

TEST(HistoryMemory, EvenThirtyTwoSamplesStayUnderOneKiB) {
  EXPECT_LE(PartitionHistory<32>::memory_bytes(), 32 * sizeof(Sample) + 8);
  EXPECT_LT(PartitionHistory<32>::memory_bytes(), 1024u);
}

// ---- Sample ----

TEST(SampleLag, IsHighWatermarkMinusCommittedNeverNegativeAndZeroWithoutCommit) {
  struct Case {
    int64_t committed, hw, want;
  } cases[] = {
      {0, 0, 0},          {0, 10, 10}, {9, 10, 1},
      {12, 10, 0},         // committed past the high watermark (truncation): never negative
      {kNoCommit, 10, 0},  // no commit: no lag, never a sentinel
  };
  for (const auto& c : cases) {
    Sample s{0, c.committed, c.hw};
    EXPECT_EQ(s.lag(), c.want) << "committed=" << c.committed << " hw=" << c.hw;
  }
}

// ---- Append ----

TEST(HistoryAppend, OnlyWhenTimeAdvancesAndADuplicateTimeReplaces) {
  struct Step {
    Sample sample;
    AppendResult want;
  };
  struct Case {
    const char* name;
    std::vector<Step> steps;
    std::vector<Sample> want;
  } cases[] = {
      {"in order",
       {{at(1, 0, 5), AppendResult::kAppended}, {at(2, 3, 6), AppendResult::kAppended}},
       {at(1, 0, 5), at(2, 3, 6)}},
      {"same time replaces the newest",
       {{at(1, 0, 5), AppendResult::kAppended},
        {at(2, 3, 6), AppendResult::kAppended},
        {at(2, 4, 7), AppendResult::kReplaced}},
       {at(1, 0, 5), at(2, 4, 7)}},
      {"older than the newest is refused",
       {{at(5, 0, 5), AppendResult::kAppended},
        {at(4, 1, 6), AppendResult::kOutOfOrder},
        {at(6, 2, 7), AppendResult::kAppended}},
       {at(5, 0, 5), at(6, 2, 7)}},
  };
  for (const auto& c : cases) {
    PartitionHistory<4> h;
    for (const auto& step : c.steps) EXPECT_EQ(h.append(step.sample), step.want) << c.name;
    EXPECT_EQ(to_vector(h.window()), c.want) << c.name;
  }
}

TEST(HistoryAppend, FullRingDropsTheOldestAndStaysOldestFirst) {
  PartitionHistory<3> h;
  for (int64_t t = 1; t <= 7; ++t) EXPECT_EQ(h.append(at(t, t, 10)), AppendResult::kAppended);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(to_vector(h.window()), (std::vector<Sample>{at(5, 5, 10), at(6, 6, 10), at(7, 7, 10)}));
  EXPECT_EQ(h.newest(), at(7, 7, 10));
  // A duplicate time on a wrapped ring replaces the newest, wherever it sits.
  EXPECT_EQ(h.append(at(7, 8, 11)), AppendResult::kReplaced);
  EXPECT_EQ(h.newest(), at(7, 8, 11));
  EXPECT_EQ(h.window().oldest(), at(5, 5, 10));
}

TEST(HistoryAppend, ClearEmptiesAndAcceptsAnyTimeAfterwards) {
  PartitionHistory<3> h;
  ASSERT_EQ(h.append(at(100, 1, 1)), AppendResult::kAppended);
  h.clear();
  EXPECT_TRUE(h.empty());
  EXPECT_TRUE(h.window().empty());
  EXPECT_EQ(h.append(at(1, 1, 1)), AppendResult::kAppended);  // e.g. after a wall-clock step back
}

TEST(SampleWindowNewest, TakesTheNewestAcrossBothHalvesOfARing) {
  const std::vector<Sample> older = {at(1, 1, 1), at(2, 2, 2), at(3, 3, 3)};
  const std::vector<Sample> newer = {at(4, 4, 4), at(5, 5, 5)};
  const SampleWindow w(older, newer);
  struct Case {
    size_t n;
    std::vector<int64_t> want_at_s;
  } cases[] = {
      {0, {}}, {1, {5}}, {2, {4, 5}}, {3, {3, 4, 5}}, {5, {1, 2, 3, 4, 5}}, {9, {1, 2, 3, 4, 5}},
  };
  for (const auto& c : cases) {
    std::vector<int64_t> got;
    for (const auto& s : to_vector(w.newest(c.n))) got.push_back(s.at_ms / 1000);
    EXPECT_EQ(got, c.want_at_s) << "n=" << c.n;
  }
}

// ---- Rates ----

TEST(ConsumptionRate, CommittedAdvancePerSecondSinceTheLastRewindOrGap) {
  struct Case {
    const char* name;
    std::vector<Sample> samples;
    std::optional<double> want;
  } cases[] = {
      {"steady: 100 records in 10 s", {at(0, 0, 500), at(5, 50, 500), at(10, 100, 500)}, 10.0},
      {"not moving", {at(0, 40, 500), at(10, 40, 600)}, 0.0},
      {"rewind resets the window: only 20 -> 80 over 5 s counts",
       {at(0, 900, 1000), at(5, 1000, 1000), at(10, 20, 1000), at(15, 80, 1000)},
       12.0},
      {"rewind at the newest sample: one sample left, unknown",
       {at(0, 900, 1000), at(5, 1000, 1000), at(10, 20, 1000)},
       std::nullopt},
      {"a sample without a commit starts afresh",
       {at(0, 0, 100), at(5, kNoCommit, 100), at(10, 30, 100), at(20, 50, 100)},
       2.0},
      {"newest has no commit", {at(0, 0, 100), at(5, kNoCommit, 100)}, std::nullopt},
      {"one sample", {at(0, 0, 100)}, std::nullopt},
      {"no samples", {}, std::nullopt},
      {"two samples at the same time", {at(3, 0, 100), at(3, 10, 100)}, std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(consumption_rate(c.samples), c.want) << c.name;
  }
}

TEST(ProductionRate, HighWatermarkAdvancePerSecondSinceItLastWentDown) {
  struct Case {
    const char* name;
    std::vector<Sample> samples;
    std::optional<double> want;
  } cases[] = {
      {"steady: 300 records in 30 s", {at(0, 0, 100), at(10, 0, 200), at(30, 0, 400)}, 10.0},
      {"idle topic", {at(0, 5, 100), at(60, 5, 100)}, 0.0},
      {"counts without a commit too", {at(0, kNoCommit, 0), at(4, kNoCommit, 8)}, 2.0},
      {"topic re-created: the high watermark went down, start afresh",
       {at(0, 0, 5000), at(10, 0, 10), at(20, 0, 60)},
       5.0},
      {"one sample", {at(0, 0, 100)}, std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(production_rate(c.samples), c.want) << c.name;
  }
}

// ---- Time to drain ----

TEST(TimeToDrain, LagOverNetRateOrTheReasonItNeverDrains) {
  struct Case {
    const char* name;
    int64_t lag;
    std::optional<double> consume, produce;
    DrainEstimate want;
  } cases[] = {
      {"catching up: 1000 records at a net 50/s",
       1000,
       150.0,
       100.0,
       {DrainState::kDraining, 20.0}},
      {"idle topic, consuming: lag / consumption rate",
       300,
       10.0,
       0.0,
       {DrainState::kDraining, 30.0}},
      {"falling behind", 1000, 100.0, 150.0, {DrainState::kFallingBehind, std::nullopt}},
      {"keeping pace exactly never drains",
       1000,
       100.0,
       100.0,
       {DrainState::kFallingBehind, std::nullopt}},
      {"not consuming", 1000, 0.0, 100.0, {DrainState::kNotConsuming, std::nullopt}},
      {"not consuming an idle topic", 5, 0.0, 0.0, {DrainState::kNotConsuming, std::nullopt}},
      {"no lag: 0 s whatever the rates", 0, 0.0, 100.0, {DrainState::kNoLag, 0.0}},
      {"no lag, rates unknown", 0, std::nullopt, std::nullopt, {DrainState::kNoLag, 0.0}},
      {"consumption rate unknown",
       10,
       std::nullopt,
       1.0,
       {DrainState::kNotEnoughData, std::nullopt}},
      {"production rate unknown",
       10,
       1.0,
       std::nullopt,
       {DrainState::kNotEnoughData, std::nullopt}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(time_to_drain(c.lag, c.consume, c.produce), c.want) << c.name;
  }
}

TEST(TimeToDrain, FromAWindowUsesBothRatesOfIt) {
  // Consuming 20/s, producing 10/s, lag now 100: 10 s.
  const std::vector<Sample> catching_up = {at(0, 0, 200), at(10, 200, 300)};
  EXPECT_EQ(time_to_drain(100, catching_up), (DrainEstimate{DrainState::kDraining, 10.0}));
  // After a rewind the consumption rate is unknown until a second sample.
  const std::vector<Sample> rewound = {at(0, 500, 600), at(10, 0, 700)};
  EXPECT_EQ(time_to_drain(700, rewound).state, DrainState::kNotEnoughData);
}

TEST(DrainStateName, EveryStateHasAName) {
  EXPECT_EQ(drain_state_name(DrainState::kDraining), "draining");
  EXPECT_EQ(drain_state_name(DrainState::kNoLag), "no_lag");
  EXPECT_EQ(drain_state_name(DrainState::kNotConsuming), "not_consuming");
  EXPECT_EQ(drain_state_name(DrainState::kFallingBehind), "falling_behind");
  EXPECT_EQ(drain_state_name(DrainState::kNotEnoughData), "not_enough_data");
}

}  // namespace
}  // namespace kprogress
