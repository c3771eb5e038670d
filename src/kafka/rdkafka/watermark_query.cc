#include "kafka/rdkafka/watermark_query.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "kafka/rdkafka/errors.h"
#include "kafka/rdkafka/handles.h"

namespace kprogress::rdk {
namespace {

struct PartitionFailure {
  TopicPartition tp;
  rd_kafka_resp_err_t err;
};

// What one offsets_for_times call over a set of partitions gave.
struct Outcome {
  std::map<TopicPartition, int64_t> offsets;                  // partitions that answered
  std::vector<PartitionFailure> failed;                       // partitions with their own error
  rd_kafka_resp_err_t call_err = RD_KAFKA_RESP_ERR_NO_ERROR;  // the call as a whole failed
};

const char* spec_name(int64_t spec) {
  return spec == RD_KAFKA_OFFSET_END ? "ListOffsets(latest)" : "ListOffsets(earliest)";
}

Outcome ask(rd_kafka_t* rk, const std::vector<TopicPartition>& tps, int64_t spec, int timeout_ms) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const auto& tp : tps) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value())->offset =
        spec;
  }
  Outcome out;
  out.call_err = rd_kafka_offsets_for_times(rk, list.get(), timeout_ms);
  if (out.call_err != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    TopicPartition tp{p.topic, PartitionId(p.partition)};
    // A partition without a known leader is not sent and keeps the spec as its "offset".
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.failed.push_back({std::move(tp), p.err});
    } else if (p.offset < 0) {
      out.failed.push_back({std::move(tp), RD_KAFKA_RESP_ERR__NO_OFFSET});
    } else {
      out.offsets[tp] = p.offset;
    }
  }
  return out;
}

bool is_timeout(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT;
}

// Errors that say "not now" rather than "no": leadership moving, a partition just created, a
// broker connection lost. They are retried (after a metadata refresh) until the deadline.
bool is_retriable(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR__WAIT_CACHE: return true;
    default: return false;
  }
}

class SpecQuery {
 public:
  SpecQuery(rd_kafka_t* rk, ConnectionState& state, int64_t spec, Deadline deadline, int budget)
      : rk_(rk), state_(state), spec_(spec), deadline_(deadline), budget_(budget) {}

  // Offsets for every partition of `tps`, or the error naming those that failed.
  Result<std::map<TopicPartition, int64_t>> run(const std::vector<TopicPartition>& tps) {
    // The common case: one call, one ListOffsets per leader, every partition answers.
    Outcome first = ask(rk_, tps, spec_, remaining());
    if (is_timeout(first.call_err)) return timeout(tps);
    if (first.call_err == RD_KAFKA_RESP_ERR_NO_ERROR && first.failed.empty()) {
      if (!first.offsets.empty()) state_.on_answer();
      return std::move(first.offsets);
    }
    // Otherwise: refresh what librdkafka knows, then ask again those that did not answer,
    // splitting the set where a call still fails as a whole.
    std::vector<TopicPartition> pending;
    if (first.call_err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      pending = tps;
    } else {
      if (!first.offsets.empty()) state_.on_answer();
      offsets_ = std::move(first.offsets);
      for (const auto& f : first.failed) pending.push_back(f.tp);
    }
    for (int attempt = 0; !pending.empty(); ++attempt) {
      if (attempt > 0 && !backoff(attempt)) {
        failures_.insert(failures_.end(), retriable_.begin(), retriable_.end());
        break;
      }
      refresh_metadata();
      retriable_.clear();
      split(pending);
      if (timed_out_) return timeout(timed_out_parts_);
      pending.clear();
      for (const auto& f : retriable_) pending.push_back(f.tp);
    }
    if (!failures_.empty()) return failure_error();
    return std::move(offsets_);
  }

 private:
  int remaining() const { return std::max(1, deadline_.remaining_ms()); }

  // 100 ms doubling to 1 s; false when the deadline leaves no room for another try.
  bool backoff(int attempt) const {
    const int pause = std::min(1000, 100 << std::min(attempt - 1, 4));
    if (deadline_.remaining_ms() <= pause) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(pause));
    return true;
  }

  Error timeout(const std::vector<TopicPartition>& tps) {
    return no_answer_error(
        rk_, state_, std::string(spec_name(spec_)) + " for " + describe_partitions(tps), budget_);
  }

  // Refreshes librdkafka's metadata and keeps each partition's leader, to tell a partition that
  // does not exist from one without a leader (librdkafka says "Unknown partition" for both).
  void refresh_metadata() {
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_, 1, nullptr, &md, remaining()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return;
    }
    MetadataPtr owned(md);
    leaders_.clear();
    for (int i = 0; i < md->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = md->topics[i];
      for (int p = 0; p < t.partition_cnt; ++p) {
        leaders_[{t.topic, PartitionId(t.partitions[p].id)}] = t.partitions[p].leader;
      }
    }
    have_leaders_ = true;
  }

  void fail(PartitionFailure f) {
    const bool unknown = f.err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
                         f.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                         f.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    if (unknown && have_leaders_) {
      auto it = leaders_.find(f.tp);
      if (it != leaders_.end()) {
        // It exists: without a leader now (a broker is down), or librdkafka's view was stale.
        if (it->second < 0) f.err = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
        retriable_.push_back(std::move(f));
        return;
      }
    }
    (is_retriable(f.err) ? retriable_ : failures_).push_back(std::move(f));
  }

  // "ListOffsets(latest) failed for t-1, t-4: Broker: Leader not available; t-9: ...", with the
  // code of the first error.
  Error failure_error() const {
    std::map<rd_kafka_resp_err_t, std::vector<TopicPartition>> by_err;
    for (const auto& f : failures_) by_err[f.err].push_back(f.tp);
    std::string text = std::string(spec_name(spec_)) + " failed for ";
    bool first = true;
    for (const auto& [err, tps] : by_err) {
      if (!first) text += "; ";
      first = false;
      text += describe_partitions(tps) + ": " + rd_kafka_err2str(err);
    }
    return Error{error_code_for(failures_.front().err), std::move(text)};
  }

  // Asks `tps`; if the call fails as a whole, asks each half, down to single partitions, so
  // that an error names exactly the partitions it belongs to.
  void split(const std::vector<TopicPartition>& tps) {
    if (tps.empty() || timed_out_) return;
    if (deadline_.expired()) {
      timed_out_ = true;
      timed_out_parts_.insert(timed_out_parts_.end(), tps.begin(), tps.end());
      return;
    }
    Outcome o = ask(rk_, tps, spec_, remaining());
    if (is_timeout(o.call_err)) {
      timed_out_ = true;
      timed_out_parts_.insert(timed_out_parts_.end(), tps.begin(), tps.end());
      return;
    }
    if (o.call_err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (!o.offsets.empty()) state_.on_answer();
      offsets_.insert(o.offsets.begin(), o.offsets.end());
      for (auto& f : o.failed) fail(std::move(f));
      return;
    }
    if (tps.size() == 1) {
      fail({tps.front(), o.call_err});
      return;
    }
    const auto mid = tps.begin() + static_cast<std::ptrdiff_t>(tps.size() / 2);
    split({tps.begin(), mid});
    split({mid, tps.end()});
  }

  rd_kafka_t* rk_;
  ConnectionState& state_;
  const int64_t spec_;
  const Deadline deadline_;
  const int budget_;
  std::map<TopicPartition, int64_t> offsets_;
  std::vector<PartitionFailure> failures_;     // final
  std::vector<PartitionFailure> retriable_;    // to ask again
  std::map<TopicPartition, int32_t> leaders_;  // from the last refresh_metadata()
  bool have_leaders_ = false;
  bool timed_out_ = false;
  std::vector<TopicPartition> timed_out_parts_;
};

// librdkafka 2.0.2 matches each partition of a ListOffsets answer to the caller's list by a
// linear search with strcmp, so one offsets_for_times call costs O(n^2) CPU in its n partitions
// (at 1,000 partitions, most of a fresh query's CPU; at 10,000, seconds). Calls of at most this
// many partitions keep the whole O(n); they run a few at once, so that the extra ListOffsets
// requests (one per leader per call) cost no extra round trips.
constexpr size_t kMaxPartitionsPerCall = 250;
constexpr size_t kMaxCallsAtOnce = 8;

using OffsetMap = std::unordered_map<TopicPartition, int64_t, TopicPartitionHash>;

struct Call {
  int64_t spec;
  std::vector<TopicPartition> tps;
  Result<std::map<TopicPartition, int64_t>> result = Error::internal("not asked");
};

// Runs every call, up to kMaxCallsAtOnce at a time; each keeps SpecQuery's retries and splits.
void run_calls(rd_kafka_t* rk_latest, rd_kafka_t* rk_earliest, ConnectionState& state,
               Deadline deadline, int budget, std::vector<Call>& calls) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < calls.size(); i = next++) {
      rd_kafka_t* rk = calls[i].spec == RD_KAFKA_OFFSET_END ? rk_latest : rk_earliest;
      calls[i].result = SpecQuery(rk, state, calls[i].spec, deadline, budget).run(calls[i].tps);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min(calls.size(), kMaxCallsAtOnce); ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
}

}  // namespace

Result<std::vector<Watermarks>> query_watermarks(rd_kafka_t* rk_latest, rd_kafka_t* rk_earliest,
                                                 ConnectionState& state,
                                                 const std::vector<TopicPartition>& partitions,
                                                 Deadline deadline) {
  std::vector<TopicPartition> unique;
  std::unordered_set<TopicPartition, TopicPartitionHash> seen;
  for (const auto& tp : partitions) {
    if (seen.insert(tp).second) unique.push_back(tp);
  }
  if (unique.empty()) return std::vector<Watermarks>{};
  const int budget = deadline.remaining_ms();
  if (budget <= 0) return Error::deadline_exceeded("ListOffsets: no time left to ask");

  // A partition may appear only once per call, so latest and earliest are separate calls,
  // interleaved so that both handles are busy from the start.
  std::vector<Call> calls;
  for (size_t at = 0; at < unique.size(); at += kMaxPartitionsPerCall) {
    for (int64_t spec : {RD_KAFKA_OFFSET_END, RD_KAFKA_OFFSET_BEGINNING}) {
      const size_t end = std::min(unique.size(), at + kMaxPartitionsPerCall);
      calls.push_back({spec,
                       {unique.begin() + static_cast<std::ptrdiff_t>(at),
                        unique.begin() + static_cast<std::ptrdiff_t>(end)}});
    }
  }
  run_calls(rk_latest, rk_earliest, state, deadline, budget, calls);

  OffsetMap high, low;
  high.reserve(unique.size());
  low.reserve(unique.size());
  for (auto& c : calls) {
    if (!c.result) return c.result.error();
    OffsetMap& into = c.spec == RD_KAFKA_OFFSET_END ? high : low;
    for (const auto& [tp, offset] : *c.result) into.emplace(tp, offset);
  }
  std::vector<Watermarks> out;
  out.reserve(unique.size());
  for (const auto& tp : unique) {
    out.push_back({tp, Offset(low.at(tp)), Offset(high.at(tp))});
  }
  return out;
}

}  // namespace kprogress::rdk
