// The Kafka requests kprogress writes itself (FindCoordinator v2, OffsetFetch v5 for all of a
// group's partitions, ListOffsets v4) and their answers, in the Kafka protocol's big-endian,
// non-flexible encoding (both versions are served by Kafka 2.0 through 4.x).
//
// Why by hand: librdkafka 2.0.2 matches every partition of an OffsetFetch answer against the
// partitions it has already read by a linear search with strcmp, O(n^2) in the group's
// partitions: at 10,000 partitions about 80% of a fresh query's CPU (bench/README.md, "Where the
// time goes"); its ListOffsets does the same per call, and its broker thread spends more on
// locks than on the answer. Nothing else in Debian speaks the protocol from C++; these two messages
// are small and fixed. Pure functions; every parse checks bounds and says what was malformed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kprogress::wire {

constexpr int16_t kFindCoordinatorKey = 10;
constexpr int16_t kFindCoordinatorVersion = 2;
constexpr int16_t kOffsetFetchKey = 9;
constexpr int16_t kOffsetFetchVersion = 5;
constexpr int16_t kListOffsetsKey = 2;
constexpr int16_t kListOffsetsVersion = 4;
constexpr int64_t kLatest = -1;    // ListOffsets' timestamp for the log end (high watermark)
constexpr int64_t kEarliest = -2;  // and for the log start

// A whole request: the 4-byte size, header v1 (api key, version, correlation id, client id),
// then the body.
std::string find_coordinator_request(int32_t correlation_id, std::string_view client_id,
                                     std::string_view group_id);
// OffsetFetch with a null topic array: every partition the group has committed.
std::string offset_fetch_all_request(int32_t correlation_id, std::string_view client_id,
                                     std::string_view group_id);

// ListOffsets of `spec` (kLatest or kEarliest) under read_uncommitted (so that latest is the
// high watermark) for the partitions of each topic, with no leader epoch.
struct TopicPartitions {
  std::string topic;
  std::vector<int32_t> partitions;
};
std::string list_offsets_request(int32_t correlation_id, std::string_view client_id, int64_t spec,
                                 const std::vector<TopicPartitions>& topics);

struct ListedOffset {
  std::string topic;
  int32_t partition = 0;
  int16_t error_code = 0;
  int64_t offset = -1;
};

struct CoordinatorAnswer {
  int16_t error_code = 0;
  std::string error_message;
  int32_t node_id = -1;
  std::string host;
  int32_t port = 0;
};

struct FetchedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;  // -1: no commit
  std::string metadata;
  int16_t error_code = 0;
};

struct OffsetFetchAnswer {
  int16_t error_code = 0;  // the group's
  std::vector<FetchedOffset> partitions;
};

// `response` is what followed the 4-byte size: header v0 (correlation id), then the body.
// kInternal when it is malformed, truncated, or answers another correlation id.
Result<CoordinatorAnswer> parse_find_coordinator_response(std::string_view response,
                                                          int32_t correlation_id);
Result<OffsetFetchAnswer> parse_offset_fetch_response(std::string_view response,
                                                      int32_t correlation_id);
Result<std::vector<ListedOffset>> parse_list_offsets_response(std::string_view response,
                                                              int32_t correlation_id);

}  // namespace kprogress::wire
