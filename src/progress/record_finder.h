// RecordFinder: finds, through a KafkaClient, the records the numbers need: the newest data
// record below a committed offset (LastTimestamp) and the oldest at or above it (lag in seconds).
// Answers are cached by (partition, committed offset): a record never changes, and only
// partitions whose commit moved need a new read. A cached record below the current log start is
// treated as removed. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "kafka/kafka_client.h"
#include "progress/model.h"

namespace kprogress {

class RecordFinder {
 public:
  explicit RecordFinder(KafkaClient& kafka, size_t max_entries = 200000)
      : kafka_(kafka), max_entries_(max_entries) {}

  // Sets last_timestamp / last_record_offset of each partition (which must have a commit),
  // following lag_math's rules; widening windows below the commit skip markers and compaction.
  Result<void> resolve_last(const std::vector<PartitionProgress*>& partitions, Deadline deadline);

  // For each partition with lag > 0: the oldest data record at or above its commit (below the
  // high watermark). Sets `oldest_unconsumed` (nullopt when none: only markers are left).
  struct Oldest {
    PartitionProgress* partition;
    std::optional<RecordRef> record;
  };
  Result<std::vector<Oldest>> oldest_unconsumed(const std::vector<PartitionProgress*>& partitions,
                                                Deadline deadline);

  // Partitions whose records were read from Kafka (cache misses), and the KafkaClient calls
  // that read them, so far: the collector's cost metrics.
  uint64_t reads() const;
  uint64_t calls() const;

 private:
  using Key = std::pair<TopicPartition, int64_t>;
  std::optional<RecordRef> cached(std::map<Key, std::optional<RecordRef>>& cache, const Key& key,
                                  bool* hit);
  void remember(std::map<Key, std::optional<RecordRef>>& cache, const Key& key,
                std::optional<RecordRef> value);

  KafkaClient& kafka_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::map<Key, std::optional<RecordRef>> last_;    // (tp, committed) -> newest below
  std::map<Key, std::optional<RecordRef>> oldest_;  // (tp, committed) -> oldest at or above
  uint64_t reads_ = 0;
  uint64_t calls_ = 0;
};

}  // namespace kprogress
