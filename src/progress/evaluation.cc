#include "progress/evaluation.h"

#include <algorithm>
#include <array>
#include <string>

namespace kprogress {
namespace {

EvaluationConfig clamped(EvaluationConfig c) {
  c.window_samples = std::clamp<size_t>(c.window_samples, 2, kMaxWindowSamples);
  c.min_samples = std::clamp<size_t>(c.min_samples, 2, c.window_samples);
  c.allowed_lag = std::max<int64_t>(0, c.allowed_lag);
  return c;
}

// The samples of a window that have a commit, oldest first, without copying them.
class CommittedSamples {
 public:
  explicit CommittedSamples(SampleWindow w) : w_(w) {
    for (size_t i = 0; i < w.size() && n_ < idx_.size(); ++i) {
      if (w[i].has_commit()) idx_[n_++] = static_cast<uint8_t>(i);
    }
  }
  size_t size() const { return n_; }
  const Sample& operator[](size_t k) const { return w_[idx_[k]]; }
  const Sample& oldest() const { return (*this)[0]; }
  const Sample& newest() const { return (*this)[n_ - 1]; }

 private:
  SampleWindow w_;
  std::array<uint8_t, kMaxWindowSamples> idx_;
  size_t n_ = 0;
};

struct Verdict {
  Status status;
  Rule rule;
};

// Rule 5. REQUIRES: s.size() >= 2.
bool stopped(const CommittedSamples& s, const PartitionInput& in, const EvaluationConfig& c) {
  const size_t n = s.size();
  const Sample& cur = s.newest();
  // The newest move of the committed offset is a commit too: in the window, or since the
  // collector first saw the offset.
  std::optional<int64_t> last_move = in.committed_since_ms;
  for (size_t k = n - 1; k > 0; --k) {
    if (s[k].committed != s[k - 1].committed) {
      last_move = std::max(last_move.value_or(s[k].at_ms), s[k].at_ms);
      break;
    }
  }
  std::optional<int64_t> idle_since;  // when the partition was last known to be committed
  if (in.last_commit_ms) {
    idle_since = std::max(*in.last_commit_ms, last_move.value_or(*in.last_commit_ms));
  } else if (in.assigned == false && last_move) {
    idle_since = last_move;
  }
  if (!idle_since) return false;
  for (size_t k = 0; k < n; ++k) {
    if (s[k].high_watermark - cur.committed <= c.allowed_lag) return false;  // Burrow #303
  }
  const int64_t span = cur.at_ms - s.oldest().at_ms;
  return in.now_ms - *idle_since > span;
}

// Rules 3 to 9. REQUIRES: s.size() >= 2.
Verdict window_rules(const CommittedSamples& s, int64_t current_lag, const PartitionInput& in,
                     const EvaluationConfig& c) {
  const size_t n = s.size();
  const Sample& cur = s.newest();

  // 3. No lag now.
  if (current_lag <= c.allowed_lag) return {Status::kOk, Rule::kNoLag};

  // 4. Below a committed offset already reached in the window, and not back there yet.
  int64_t highest = cur.committed;
  for (size_t k = 0; k < n; ++k) highest = std::max(highest, s[k].committed);
  if (cur.committed < highest) return {Status::kRewind, Rule::kRewind};

  // 5. Nothing committing for longer than the window spans.
  if (stopped(s, in, c)) return {Status::kStop, Rule::kStopped};

  // 6. Zero lag at some point in the window.
  for (size_t k = 0; k < n; ++k) {
    if (s[k].lag() <= c.allowed_lag) return {Status::kOk, Rule::kZeroLagInWindow};
  }

  // 7. Not moving.
  bool moved = false;
  for (size_t k = 1; k < n; ++k) {
    if (s[k].committed != s[k - 1].committed) moved = true;
  }
  if (!moved) return {Status::kStall, Rule::kStalled};

  // 8. Moving, but the lag only grows.
  bool shrank = false;
  for (size_t k = 1; k < n; ++k) {
    if (s[k].lag() < s[k - 1].lag()) shrank = true;
  }
  if (!shrank && cur.lag() > s.oldest().lag()) return {Status::kWarn, Rule::kLagGrowing};

  // 9.
  return {Status::kOk, Rule::kKeepingUp};
}

}  // namespace

int64_t effective_lag(int64_t lag, bool no_data_record) {
  if (no_data_record) return 0;
  return std::max<int64_t>(0, lag);
}

std::optional<double> lag_seconds(int64_t now_ms, int64_t lag,
                                  std::optional<int64_t> oldest_unconsumed_timestamp_ms) {
  if (lag <= 0) return 0.0;
  if (!oldest_unconsumed_timestamp_ms || *oldest_unconsumed_timestamp_ms < 0) return std::nullopt;
  return static_cast<double>(std::max<int64_t>(0, now_ms - *oldest_unconsumed_timestamp_ms)) /
         1000.0;
}

std::optional<double> lag_seconds(int64_t now_ms, int64_t lag, const UnconsumedRecords& u) {
  return lag_seconds(now_ms, effective_lag(lag, u.no_data_record), u.oldest_timestamp_ms);
}

std::string_view status_name(Status s) {
  switch (s) {
    case Status::kNotFound: return "NOTFOUND";
    case Status::kOk: return "OK";
    case Status::kWarn: return "WARN";
    case Status::kErr: return "ERR";
    case Status::kStop: return "STOP";
    case Status::kStall: return "STALL";
    case Status::kRewind: return "REWIND";
  }
  return "UNKNOWN";
}

int status_code(Status s) { return static_cast<int>(s); }

Status worse(Status a, Status b) { return status_code(a) >= status_code(b) ? a : b; }

Status group_status(Status partition_status) {
  switch (partition_status) {
    case Status::kStop:
    case Status::kStall:
    case Status::kRewind: return Status::kErr;
    default: return partition_status;
  }
}

std::string_view rule_name(Rule r) {
  switch (r) {
    case Rule::kNoCommit: return "no_commit";
    case Rule::kNotEnoughData: return "not_enough_data";
    case Rule::kNoLag: return "no_lag";
    case Rule::kRewind: return "rewind";
    case Rule::kStopped: return "stopped";
    case Rule::kZeroLagInWindow: return "zero_lag_in_window";
    case Rule::kStalled: return "stalled";
    case Rule::kLagGrowing: return "lag_growing";
    case Rule::kKeepingUp: return "keeping_up";
    case Rule::kLagSecondsWarn: return "lag_seconds_warn";
    case Rule::kLagSecondsError: return "lag_seconds_error";
  }
  return "unknown";
}

Result<void> validate(const EvaluationConfig& c) {
  if (c.window_samples < 2 || c.window_samples > kMaxWindowSamples) {
    return Error::invalid_argument("window_samples must be between 2 and " +
                                   std::to_string(kMaxWindowSamples) + ", not " +
                                   std::to_string(c.window_samples));
  }
  if (c.min_samples < 2 || c.min_samples > c.window_samples) {
    return Error::invalid_argument("min_samples must be between 2 and window_samples (" +
                                   std::to_string(c.window_samples) + "), not " +
                                   std::to_string(c.min_samples));
  }
  if (c.allowed_lag < 0) {
    return Error::invalid_argument("allowed_lag must not be negative, not " +
                                   std::to_string(c.allowed_lag));
  }
  if (c.warn_after_s && !(*c.warn_after_s > 0)) {
    return Error::invalid_argument("warn_after_s must be above 0");
  }
  if (c.error_after_s && !(*c.error_after_s > 0)) {
    return Error::invalid_argument("error_after_s must be above 0");
  }
  if (c.warn_after_s && c.error_after_s && *c.warn_after_s > *c.error_after_s) {
    return Error::invalid_argument("warn_after_s must not be above error_after_s");
  }
  return {};
}

PartitionEvaluation evaluate_partition(const PartitionInput& in, const EvaluationConfig& config) {
  const EvaluationConfig c = clamped(config);
  PartitionEvaluation out;
  const SampleWindow w = in.samples.newest(c.window_samples);

  // 1.
  if (w.empty() || !w.newest().has_commit()) {
    out.rule = Rule::kNoCommit;
    return out;
  }
  const CommittedSamples s(w);
  const int64_t raw_lag = s.newest().lag();
  out.samples = s.size();
  out.lag = effective_lag(raw_lag, in.unconsumed.no_data_record);
  out.lag_seconds = lag_seconds(in.now_ms, raw_lag, in.unconsumed);
  out.complete = s.size() >= c.min_samples;

  // 2, then 3 to 9.
  const Verdict v =
      out.complete ? window_rules(s, out.lag, in, c) : Verdict{Status::kOk, Rule::kNotEnoughData};
  out.status = v.status;
  out.rule = v.rule;

  // Thresholds on lag in seconds: raise, never lower.
  if (out.lag_seconds) {
    if (c.error_after_s && *out.lag_seconds > *c.error_after_s &&
        worse(out.status, Status::kErr) != out.status) {
      out.status = Status::kErr;
      out.rule = Rule::kLagSecondsError;
    } else if (c.warn_after_s && *out.lag_seconds > *c.warn_after_s &&
               worse(out.status, Status::kWarn) != out.status) {
      out.status = Status::kWarn;
      out.rule = Rule::kLagSecondsWarn;
    }
  }
  return out;
}

GroupEvaluation evaluate_group(std::span<const PartitionEvaluation> partitions) {
  GroupEvaluation g;
  g.partitions = partitions.size();
  for (size_t i = 0; i < partitions.size(); ++i) {
    const PartitionEvaluation& p = partitions[i];
    g.worst = worse(g.worst, p.status);
    g.total_lag += p.lag;
    if (p.complete) ++g.complete_partitions;
    if (!g.maxlag) {
      g.maxlag = i;
      continue;
    }
    const PartitionEvaluation& best = partitions[*g.maxlag];
    if (p.lag > best.lag ||
        (p.lag == best.lag && status_code(p.status) > status_code(best.status))) {
      g.maxlag = i;
    }
  }
  g.status = group_status(g.worst);
  return g;
}

}  // namespace kprogress
