// Evaluation: lag in seconds, and a status for each group-partition and each group by Burrow's
// sliding-window rules (Burrow's wiki, "Consumer Lag Evaluation Rules", and its evaluator),
// adapted to samples that a collector takes at intervals, and fixed for the false alarms Burrow's
// users report. Pure functions of their arguments: time is passed in (ms since the Unix epoch),
// nothing is kept between calls; safe to call from any thread.
//
// LAG IN SECONDS
//   The age of the oldest record the group has not consumed: the data record AT the committed
//   offset (or the first after it, when compaction removed that one).
//     lag == 0                                      -> 0
//     lag > 0, no data record in [committed, hw)    -> 0, and the effective lag is 0: only
//       transaction markers are left, which are never delivered to a consumer (the "lag of 1 that
//       is really 0" after a transaction: Burrow #651, librdkafka #2539)
//     lag > 0, record timestamp known (>= 0)        -> max(0, now - timestamp) / 1000.0; a
//       timestamp in the future (clock skew between producer and us) gives 0, never negative
//     otherwise (not read, or no timestamp: -1)     -> unknown (nullopt)
//
// STATUSES, from best to worst (Burrow's names and numbering; the number is also the value of the
// Prometheus status gauge):
//   NOTFOUND 0  the group does not exist. Never a partition status; the caller's to report.
//   OK       1  caught up, catching up, keeping pace, or not enough data to say otherwise
//   WARN     2  moving, but falling behind; or lag in seconds over warn_after_s
//   ERR      3  group: some partition is ERR, STOP, STALL or REWIND. Partition: lag in seconds
//               over error_after_s
//   STOP     4  lag, and nothing committing it for longer than the window spans
//   STALL    5  lag, and the committed offset did not move over the whole window
//   REWIND   6  lag, and the committed offset is below where it already was in the window
//
// PARTITION RULES. A partition is evaluated over its newest `window_samples` samples, leaving out
// those without a commit. A sample's lag is max(0, hw - committed); a lag "is zero" when it is
// at or under `allowed_lag`. "Current lag" is the newest sample's effective lag (above). The first
// rule that matches decides:
//   1. NO COMMIT         the newest sample has no commit             -> OK, incomplete
//   2. NOT ENOUGH DATA   fewer than `min_samples` samples            -> OK, incomplete
//   3. NO LAG            current lag is zero                         -> OK
//      An idle topic whose consumer is caught up is OK however long ago it last committed
//      (Burrow #303), and a lag of transaction markers only is zero (Burrow #651).
//   4. REWIND            the newest committed offset is below the highest in the window -> REWIND
//      Checked before rule 6: a rewind right after a time of zero lag (a reset to earliest, a
//      rebalance gone wrong) is exactly what rule 6 would hide (Burrow #716). Once the group is
//      back where it was, the rewind no longer counts.
//   5. STOP              nothing is committing the partition any more, for longer than the
//      window spans (span = newest.at_ms - oldest.at_ms):
//        a. a commit time is known (last_commit_ms, e.g. from the offsets topic) and
//           now - last commit > span; or
//        b. no live member of the group is assigned the partition (the group is Empty, or Stable
//           without an owner for it) and the committed offset has not moved for longer than the
//           span (now - committed_since_ms > span).                -> STOP
//      Burrow tells STOP from STALL by the commit time it reads from __consumer_offsets: a live
//      consumer re-commits its stuck offset (STALL), a dead one commits nothing (STOP). Kafka's
//      offset APIs give no commit time, so (b) asks the group instead: with no member to own the
//      partition, nobody can be committing it. The newest move of the committed offset seen in
//      the window or since the collector first saw the offset is a commit too, so a stale commit
//      time, or a move after the group emptied, is not STOP. When no commit time is known and the
//      assignment is unknown (a rebalance, a group that could not be described), the partition
//      is not said to be stopped (rule 7 covers it). Groups that commit without members (manual
//      assignment, e.g. Flink or Spark) are STOP under (b) when their offset is stuck with lag
//      for the whole window: they are stuck either way, and both are ERR for the group. Never
//      STOP when the newest committed offset reaches, within allowed_lag, a high watermark seen
//      in the window: the consumer was caught up moments ago and a record has just arrived on a
//      quiet topic (the false STOP of Burrow #303, fixed there in #338).
//   6. ZERO LAG IN WINDOW  some sample's lag is zero                 -> OK
//   7. STALL             the committed offset is the same in every sample -> STALL
//   8. LAG GROWING       the lag never shrank from one sample to the next, and the newest lag is
//      above the oldest                                              -> WARN
//      (Burrow warns on a flat lag too; here a consumer that keeps pace at a constant lag is not
//      falling behind. For "too far behind", use the thresholds.)
//   9. otherwise (catching up, or keeping pace)                      -> OK
//   THRESHOLDS then raise the status, never lower it, whenever the lag in seconds is known (they
//   need no history, so they apply under rules 1-3 too): lag seconds > error_after_s -> at least
//   ERR; > warn_after_s -> at least WARN. "At least" follows the order above: a STALL stays STALL.
//
// GROUP. status = OK when every partition is OK, WARN when the worst is WARN, ERR when any
// partition is ERR, STOP, STALL or REWIND (Burrow's group statuses); `worst` keeps the worst
// partition status itself. maxlag = the partition with the largest current lag (ties: the worse
// status, then the first). complete = there are partitions and every one had enough samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/result.h"
#include "progress/history.h"

namespace kprogress {

// ---- Lag in seconds ----

// What the collector read in [committed, high watermark) for a partition with lag.
struct UnconsumedRecords {
  // Timestamp (ms) of the oldest data record not yet consumed: the first at or after the committed
  // offset. Empty when it was not read or could not be.
  std::optional<int64_t> oldest_timestamp_ms;
  // The collector read [committed, hw) and found no data record: transaction markers only (or
  // records removed by compaction). The lag is not real.
  bool no_data_record = false;
};

// The lag that counts: 0 when no_data_record, else max(0, lag).
int64_t effective_lag(int64_t lag, bool no_data_record);

// Lag in seconds per the rules above, for a lag whose oldest unconsumed record is known to be a
// data record (or unknown).
std::optional<double> lag_seconds(int64_t now_ms, int64_t lag,
                                  std::optional<int64_t> oldest_unconsumed_timestamp_ms);
// The same, given everything the collector read (no_data_record gives 0).
std::optional<double> lag_seconds(int64_t now_ms, int64_t lag, const UnconsumedRecords& unconsumed);

// ---- Statuses ----

enum class Status : uint8_t {
  kNotFound = 0,
  kOk = 1,
  kWarn = 2,
  kErr = 3,
  kStop = 4,
  kStall = 5,
  kRewind = 6,
};
// "NOTFOUND", "OK", "WARN", "ERR", "STOP", "STALL", "REWIND" (for JSON and metric labels).
std::string_view status_name(Status s);
// Burrow's number for the status: NOTFOUND 0, OK 1 ... REWIND 6 (for the Prometheus gauge).
int status_code(Status s);
// The worse of two statuses in the order above.
Status worse(Status a, Status b);
// The group status a partition status amounts to: STOP, STALL and REWIND become ERR.
Status group_status(Status partition_status);

// Which rule decided a partition's status (numbered as in the comment at the top).
enum class Rule : uint8_t {
  kNoCommit,         // 1
  kNotEnoughData,    // 2
  kNoLag,            // 3
  kRewind,           // 4
  kStopped,          // 5
  kZeroLagInWindow,  // 6
  kStalled,          // 7
  kLagGrowing,       // 8
  kKeepingUp,        // 9
  kLagSecondsWarn,   // a threshold raised the status to WARN
  kLagSecondsError,  // a threshold raised the status to ERR
};
// "no_commit", "not_enough_data", "no_lag", "rewind", "stopped", "zero_lag_in_window", "stalled",
// "lag_growing", "keeping_up", "lag_seconds_warn", "lag_seconds_error".
std::string_view rule_name(Rule r);

// ---- Evaluation ----

// The most samples an evaluation window may hold.
inline constexpr size_t kMaxWindowSamples = 255;

struct EvaluationConfig {
  // The newest samples evaluated (Burrow's default "intervals"); no more than the history holds.
  size_t window_samples = 10;
  size_t min_samples = 3;               // fewer (with a commit) in the window: OK, incomplete
  int64_t allowed_lag = 0;              // a lag at or under this counts as zero
  std::optional<double> warn_after_s;   // lag in seconds above this: at least WARN
  std::optional<double> error_after_s;  // lag in seconds above this: at least ERR
};

// 2 <= min_samples <= window_samples <= kMaxWindowSamples; allowed_lag >= 0; thresholds > 0 and
// warn_after_s <= error_after_s when both are set. Out-of-range values are clamped by the
// evaluation; this is for config validation to report them.
Result<void> validate(const EvaluationConfig& config);

struct PartitionInput {
  SampleWindow samples;  // oldest first; the newest is the current state
  int64_t now_ms = 0;
  UnconsumedRecords unconsumed;  // what the collector read at the newest sample's commit
  // When the collector knows when the group last committed this partition (ms).
  std::optional<int64_t> last_commit_ms;
  // When the collector first saw the newest committed offset (ms): it has not moved since. Empty
  // when unknown.
  std::optional<int64_t> committed_since_ms;
  // Whether a live member of the group is assigned the partition now; empty when unknown.
  std::optional<bool> assigned;
};

struct PartitionEvaluation {
  Status status = Status::kOk;
  Rule rule = Rule::kNotEnoughData;  // which rule decided `status`
  bool complete = false;             // at least min_samples samples were evaluated
  int64_t lag = 0;                   // current effective lag
  std::optional<double> lag_seconds;
  size_t samples = 0;  // samples evaluated: in the window and with a commit
  bool operator==(const PartitionEvaluation&) const = default;
};

PartitionEvaluation evaluate_partition(const PartitionInput& input, const EvaluationConfig& config);

struct GroupEvaluation {
  Status status = Status::kOk;   // OK, WARN or ERR
  Status worst = Status::kOk;    // the worst partition status
  std::optional<size_t> maxlag;  // index (into the partitions given) of the largest lag
  int64_t total_lag = 0;         // sum of the partitions' current effective lags
  size_t partitions = 0;
  size_t complete_partitions = 0;
  bool complete() const { return partitions > 0 && complete_partitions == partitions; }
};

GroupEvaluation evaluate_group(std::span<const PartitionEvaluation> partitions);

}  // namespace kprogress
