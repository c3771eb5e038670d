// ProgressService: answers "how far has group G got" for one Kafka cluster, fresh from Kafka.
// It asks the KafkaClient for committed offsets, the group's description, partition counts,
// watermarks and the records at committed-1, then applies the rules of lag_math.h.
// Thread-safe: concurrent calls are fine (the KafkaClient is thread-safe; the timestamp cache
// is guarded).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/result.h"
#include "kafka/kafka_client.h"
#include "progress/model.h"

namespace kprogress {

struct ProgressOptions {
  // Resolve LastTimestamp by reading records (false: every LastTimestamp is -1, no reads).
  bool want_last_timestamp = true;
};

class ProgressService {
 public:
  ProgressService(KafkaClient& kafka, const Clock& clock) : kafka_(kafka), clock_(clock) {}

  // The group's progress over every topic it has committed offsets for or is assigned.
  // Errors: kNotFound when the group does not exist; kUnavailable / kDeadlineExceeded naming the
  // part of Kafka that failed. Never a partial answer.
  Result<GroupProgress> group_progress(const std::string& group_id, Deadline deadline,
                                       const ProgressOptions& options = {});

  KafkaClient& kafka() { return kafka_; }

 private:
  // Fills last_timestamp / last_record_offset of every committed partition.
  Result<void> resolve_last_timestamps(std::vector<PartitionProgress*>& partitions,
                                       Deadline deadline);

  KafkaClient& kafka_;
  const Clock& clock_;

  // (partition, committed offset) -> the newest record below it. A record never changes, so an
  // answer stays true while the record exists; bounded, cleared wholesale when full.
  static constexpr size_t kMaxCachedTimestamps = 200000;
  std::mutex cache_mu_;
  std::map<std::pair<TopicPartition, int64_t>, RecordRef> timestamp_cache_;
};

}  // namespace kprogress
