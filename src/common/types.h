// Strong types for the identifiers and numbers kprogress passes around, so that a partition
// number cannot be passed where an offset is expected (after redpanda's named_type).
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace kprogress {

template <typename T, typename Tag>
class NamedType {
 public:
  using value_type = T;
  constexpr NamedType() = default;
  constexpr explicit NamedType(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const NamedType&) const = default;

 private:
  T v_{};
};

// A Kafka offset: the position of a record in a partition. Committed offsets are "the next
// offset to read"; kNoOffset (-1) stands for "none" only at the Kafka boundary.
using Offset = NamedType<int64_t, struct OffsetTag>;
using PartitionId = NamedType<int32_t, struct PartitionIdTag>;
// Milliseconds since the Unix epoch (record timestamps, LastTimestamp).
using TimestampMs = NamedType<int64_t, struct TimestampMsTag>;

struct TopicPartition {
  std::string topic;
  PartitionId partition;
  auto operator<=>(const TopicPartition&) const = default;
  bool operator==(const TopicPartition&) const = default;
  std::string to_string() const { return topic + "-" + std::to_string(partition.value()); }
};

struct TopicPartitionHash {
  size_t operator()(const TopicPartition& tp) const {
    return std::hash<std::string>()(tp.topic) * 31 + std::hash<int32_t>()(tp.partition.value());
  }
};

}  // namespace kprogress
