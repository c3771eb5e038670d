// What the collector knows about one instance (Kafka cluster) after a cycle: every tracked group
// with its partitions, their history, rates, lag in seconds and status. A published snapshot is
// immutable and shared (std::shared_ptr<const InstanceSnapshot>): readers (metrics, the native
// API, GetConsumerProgress from snapshot) never lock against the collector.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "progress/evaluation.h"
#include "progress/history.h"
#include "progress/model.h"

namespace kprogress {

struct PartitionSnapshot {
  PartitionProgress progress;  // offsets, lag, LastTimestamp, owner
  PartitionHistory<> history;  // one sample per cycle
  // Lag in seconds: the age of the oldest record not yet consumed (0 when lag is 0); empty when
  // unknown (no commit, or the record could not be read).
  std::optional<double> lag_seconds;
  // The lag is transaction markers only (no data record in [committed, high watermark)).
  bool only_markers_left = false;
  std::optional<double> consume_rate;  // records/s
  std::optional<double> produce_rate;  // records/s
  DrainEstimate drain;
  PartitionEvaluation evaluation;
  // When the collector first saw the current committed offset (ms): it has not moved since.
  // Empty without a commit.
  std::optional<int64_t> committed_since_ms;
};

// The partitions of one group in a snapshot, sorted by topic, then partition, in one array: a
// snapshot holds every tracked group-partition, and a tree node with a second copy of the key
// per partition cost more than the partition's own numbers (and scattered them in the heap, so
// that freed snapshots left pages half used).
class PartitionTable {
 public:
  // Adds `p` (keyed by p.progress.tp), or replaces the partition with that key.
  PartitionSnapshot& insert(PartitionSnapshot p);
  void reserve(size_t n) { items_.reserve(n); }

  // Null when the group has no such partition.
  const PartitionSnapshot* find(const TopicPartition& tp) const;
  // REQUIRES: count(tp) == 1 (throws std::out_of_range otherwise).
  const PartitionSnapshot& at(const TopicPartition& tp) const;
  size_t count(const TopicPartition& tp) const { return find(tp) ? 1 : 0; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<PartitionSnapshot>::const_iterator begin() const { return items_.begin(); }
  std::vector<PartitionSnapshot>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<PartitionSnapshot> items_;
};

struct GroupSnapshot {
  std::string group_id;
  GroupState state = GroupState::kUnknown;
  std::vector<GroupMember> members;
  PartitionTable partitions;              // with and without commits
  int64_t total_lag = 0;                  // over partitions with a commit
  std::optional<double> max_lag_seconds;  // the largest known lag in seconds
  int64_t last_timestamp = kTimestampUnknown;
  GroupEvaluation evaluation;
  int64_t updated_ms = 0;            // the last cycle that read it successfully
  int64_t last_seen_ms = 0;          // the last cycle in which Kafka listed it
  std::optional<std::string> error;  // why the last cycle could not read it (data is older)

  // The group's progress in the shape ProgressService answers (for GetConsumerProgress).
  GroupProgress to_progress() const;
};

struct CycleStats {
  int64_t started_ms = 0;
  int64_t duration_ms = 0;
  uint64_t kafka_calls = 0;   // KafkaClient calls made by the cycle
  uint64_t record_reads = 0;  // partitions whose records had to be read (cache misses)
  size_t groups = 0;
  size_t partitions = 0;
  size_t failed_groups = 0;
  std::optional<std::string> error;  // the cycle as a whole failed (e.g. listing groups)
};

struct InstanceSnapshot {
  std::string instance_id;
  uint64_t cycles = 0;          // completed cycles, failed or not
  int64_t last_success_ms = 0;  // end of the last cycle without a cycle-level error; 0: never
  CycleStats last_cycle;
  std::map<std::string, GroupSnapshot> groups;

  bool ready() const { return last_success_ms > 0; }
  const GroupSnapshot* find(const std::string& group_id) const {
    auto it = groups.find(group_id);
    return it == groups.end() ? nullptr : &it->second;
  }
};

}  // namespace kprogress
