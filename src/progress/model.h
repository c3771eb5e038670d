// The progress of a consumer group, as kprogress computes it: plain data, built by
// ProgressService and read by every output (alikafka, native JSON, CLI, metrics). The meaning of
// every number is DESIGN.md's "The numbers".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/types.h"
#include "kafka/kafka_client.h"

namespace kprogress {

// LastTimestamp sentinels (alikafka's): nothing consumed yet, and cannot be known.
inline constexpr int64_t kNothingConsumed = 0;
inline constexpr int64_t kTimestampUnknown = -1;

// The member a partition is assigned to. One per member, shared by every partition assigned to
// it: a group's partitions name few members, and a collector snapshot keeps every partition.
struct PartitionOwner {
  std::string member_id;
  std::string client_id;
  std::string host;  // without the leading '/' the broker adds
};

struct PartitionProgress {
  TopicPartition tp;
  std::optional<Offset> committed;  // empty: the group has no commit here
  Offset log_start;
  Offset high_watermark;
  // max(0, high_watermark - committed); 0 when there is no commit (never a sentinel).
  int64_t lag = 0;
  // Timestamp (ms) of the last record the group consumed; kNothingConsumed or kTimestampUnknown.
  int64_t last_timestamp = kTimestampUnknown;
  // Offset of that record, when known.
  std::optional<Offset> last_record_offset;
  // The member the partition is assigned to now; null when unassigned.
  std::shared_ptr<const PartitionOwner> owner;

  bool has_commit() const { return committed.has_value(); }
  // The owner's ids; empty strings when unassigned.
  const std::string& member_id() const { return owner_or_none().member_id; }
  const std::string& client_id() const { return owner_or_none().client_id; }
  const std::string& host() const { return owner_or_none().host; }
  const PartitionOwner& owner_or_none() const {
    static const PartitionOwner kNone;
    return owner ? *owner : kNone;
  }
};

struct TopicProgress {
  std::string topic;
  std::vector<PartitionProgress> partitions;   // sorted by partition
  int64_t total_lag = 0;                       // over partitions with a commit
  int64_t last_timestamp = kTimestampUnknown;  // max over partitions with a commit
  bool exists = true;  // false: the group has commits on a topic that was deleted
};

struct GroupProgress {
  std::string group_id;
  GroupState state = GroupState::kUnknown;
  bool is_simple = false;
  std::vector<GroupMember> members;
  std::vector<TopicProgress> topics;  // sorted by name
  int64_t total_lag = 0;
  int64_t last_timestamp = kTimestampUnknown;
  int64_t computed_at_ms = 0;  // wall clock when the answer was assembled
};

}  // namespace kprogress
