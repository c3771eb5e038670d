// KafkaClient: the narrow interface through which kprogress reads a Kafka cluster. The domain
// (src/progress) sees only this; src/kafka/rdkafka implements it over librdkafka, and unit tests
// use a fake. Every call takes a Deadline and returns within it, with an error naming what did
// not answer in time. Implementations must be safe for concurrent calls from several threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/types.h"

namespace kprogress {

// Kafka's classic group states (ConsumerGroupState), as librdkafka reports them.
enum class GroupState {
  kUnknown,
  kPreparingRebalance,
  kCompletingRebalance,
  kStable,
  kDead,
  kEmpty,
};
// "STABLE", "PREPARING_REBALANCE", ...: the names alikafka's `state` field uses.
const char* group_state_name(GroupState s);

struct GroupListing {
  std::string group_id;
  GroupState state = GroupState::kUnknown;
  bool is_simple = false;  // no protocol type: a group that only commits offsets
};

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;  // as the broker saw it, e.g. "/127.0.0.1"
  std::string group_instance_id;
  std::vector<TopicPartition> assignment;
};

struct GroupDescription {
  std::string group_id;
  GroupState state = GroupState::kUnknown;
  bool is_simple = false;
  std::string partition_assignor;
  int32_t coordinator_id = -1;
  std::vector<GroupMember> members;
};

struct CommittedOffset {
  TopicPartition tp;
  Offset offset;         // the next offset the group will read
  std::string metadata;  // commit metadata, usually empty
};

// A partition's log bounds. high_watermark is ListOffsets LATEST under read_uncommitted (the
// LOG-END-OFFSET of kafka-consumer-groups); log_start is EARLIEST (moves with retention and
// DeleteRecords).
struct Watermarks {
  TopicPartition tp;
  Offset log_start;
  Offset high_watermark;
};

// Which record of a range a query asks for.
enum class RecordPick {
  kNewest,  // the last data record (LastTimestamp: the last record consumed)
  kOldest,  // the first data record (lag in seconds: the oldest record not yet consumed)
};

// A question for newest_records(): "the newest (or oldest) data record of tp with
// from <= offset < until".
struct RecordRangeQuery {
  TopicPartition tp;
  Offset from;
  Offset until;
  RecordPick pick = RecordPick::kNewest;
};

struct RecordRef {
  Offset offset;
  TimestampMs timestamp;
};

// The answer to one RecordRangeQuery. On success `record` is empty when the range holds no data
// record (transaction markers only, or records compacted away). `error` is set when the range
// could not be read: kNotFound when `from` is below the log start (removed by retention),
// kDeadlineExceeded, kUnavailable ... One partition's error does not fail the others.
struct RecordRangeResult {
  TopicPartition tp;
  std::optional<RecordRef> record;
  std::optional<Error> error;
};

struct TopicInfo {
  std::string topic;
  int32_t partition_count = 0;
};

class KafkaClient {
 public:
  virtual ~KafkaClient() = default;

  // Every consumer group the cluster knows (classic and simple; deduplicated by id).
  virtual Result<std::vector<GroupListing>> list_groups(Deadline deadline) = 0;

  // State, members and assignment of each group. A group that does not exist comes back with
  // state kDead and no members (that is what the broker says); it is not an error.
  virtual Result<std::vector<GroupDescription>> describe_groups(
      const std::vector<std::string>& group_ids, Deadline deadline) = 0;

  // The group's committed offsets, one entry per partition that has a commit.
  // An unknown group returns an empty list (Kafka cannot tell it from "no commits").
  virtual Result<std::vector<CommittedOffset>> committed_offsets(const std::string& group_id,
                                                                 Deadline deadline) = 0;

  // Log start and high watermark of each partition, batched per leader. Fails as a whole only
  // when nothing could be asked; a partition that cannot be read is an error naming it.
  virtual Result<std::vector<Watermarks>> watermarks(const std::vector<TopicPartition>& partitions,
                                                     Deadline deadline) = 0;

  // Partition counts of the named topics. A topic that does not exist is left out.
  virtual Result<std::vector<TopicInfo>> topics(const std::vector<std::string>& names,
                                                Deadline deadline) = 0;

  // The newest (or, with RecordPick::kOldest, the oldest) data record in each range (see
  // RecordRangeQuery). Transaction markers are never returned. Results are in the order of the
  // queries.
  virtual Result<std::vector<RecordRangeResult>> newest_records(
      const std::vector<RecordRangeQuery>& queries, Deadline deadline) = 0;
};

}  // namespace kprogress
