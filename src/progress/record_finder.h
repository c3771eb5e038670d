// RecordFinder: finds, through a KafkaClient, the records the numbers need: the newest data
// record below a committed offset (LastTimestamp) and the oldest at or above it (lag in seconds).
// Answers are cached by (partition, committed offset): a record never changes, and only
// partitions whose commit moved need a new read. A cached record below the current log start is
// treated as removed. Thread-safe.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
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

  // Records read from Kafka (cache misses; one per distinct partition and offset), and the
  // KafkaClient calls that read them, so far: the collector's cost metrics.
  uint64_t reads() const;
  uint64_t calls() const;

 private:
  // (partition, committed offset), 16 bytes: topics are numbered once (topic_ids_), so that an
  // entry holds no string. The caches hold an entry per tracked group-partition.
  struct Key {
    uint32_t topic;
    int32_t partition;
    int64_t committed;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  using Cache = boost::unordered_flat_map<Key, std::optional<RecordRef>, KeyHash>;

  // newest_records() for the distinct queries only, answered in the order of `queries`; counts
  // the reads and the call.
  Result<std::vector<RecordRangeResult>> read_unique(const std::vector<RecordRangeQuery>& queries,
                                                     Deadline deadline);
  // REQUIRES: mu_ held.
  Key key_of(const TopicPartition& tp, Offset committed);
  std::optional<RecordRef> cached(Cache& cache, const TopicPartition& tp, Offset committed,
                                  bool* hit);
  void remember(Cache& cache, const TopicPartition& tp, Offset committed,
                std::optional<RecordRef> value);

  KafkaClient& kafka_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, uint32_t> topic_ids_;
  Cache last_;    // (tp, committed) -> newest below
  Cache oldest_;  // (tp, committed) -> oldest at or above
  uint64_t reads_ = 0;
  uint64_t calls_ = 0;
};

}  // namespace kprogress
