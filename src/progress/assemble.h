// Building a group's progress from what Kafka answered: pure functions shared by the fresh
// ProgressService (one group at a time) and the Collector (every group in one batch per cycle).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "kafka/kafka_client.h"
#include "progress/model.h"

namespace kprogress {

// End offsets by partition, as ProgressService and the Collector read them.
using WatermarkMap = std::unordered_map<TopicPartition, Watermarks, TopicPartitionHash>;

struct GroupInputs {
  std::string group_id;
  std::vector<CommittedOffset> committed;
  std::optional<GroupDescription> description;
};

// Every topic the group has commits on or is assigned.
std::set<std::string> topics_of(const GroupInputs& group);

// Kafka answers an unknown group with no offsets and state Dead: such a group exists only if a
// group listing names it.
bool looks_absent(const GroupInputs& group);

// The group's partitions (every partition of its topics, with or without a commit), their
// offsets, lag and owners; LastTimestamp is left unknown for the caller to resolve. Topics
// missing from `partition_counts` are marked deleted. REQUIRES: `marks` holds every partition of
// the topics in `partition_counts` that the group has.
GroupProgress assemble_group(const GroupInputs& group,
                             const std::unordered_map<std::string, int32_t>& partition_counts,
                             const WatermarkMap& marks);

// The partitions whose watermarks assemble_group needs.
std::vector<TopicPartition> partitions_of(
    const std::set<std::string>& topics,
    const std::unordered_map<std::string, int32_t>& partition_counts);

}  // namespace kprogress
