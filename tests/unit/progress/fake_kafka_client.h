// FakeKafkaClient: an in-memory cluster behind the KafkaClient interface, for unit tests.
// Partitions hold logs of records (data or transaction markers, possibly with holes left by
// compaction); groups hold commits and members. Counts calls so tests can check the cost.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kafka/kafka_client.h"

namespace kprogress::testing {

struct FakeRecord {
  int64_t offset;
  int64_t timestamp;
  bool marker = false;  // a transaction control record
};

struct FakePartition {
  int64_t log_start = 0;
  int64_t high_watermark = 0;
  std::vector<FakeRecord> records;  // ascending offsets; gaps = compacted away
};

struct FakeGroup {
  GroupState state = GroupState::kEmpty;
  std::map<TopicPartition, int64_t> commits;
  std::vector<GroupMember> members;
};

class FakeKafkaClient final : public KafkaClient {
 public:
  // Appends `n` data records with timestamps ts0, ts0+1, ...
  void produce(const std::string& topic, int32_t partition, int n, int64_t ts0);
  void add_marker(const std::string& topic, int32_t partition);
  void create_topic(const std::string& topic, int32_t partitions);
  FakePartition& partition(const std::string& topic, int32_t p);
  FakeGroup& group(const std::string& id) { return groups_[id]; }
  void remove_group(const std::string& id) { groups_.erase(id); }
  void commit(const std::string& group, const std::string& topic, int32_t p, int64_t offset);

  std::optional<Error> fail_all;  // every call fails with this
  // describe_groups() fails with this whenever its ids include the key (a coordinator that does
  // not answer fails the whole call, as librdkafka's does).
  std::map<std::string, Error> fail_describe;
  // Called at the start of committed_offsets(), outside the fake's lock (tests block in it).
  std::function<void()> on_committed_offsets;
  int newest_records_calls = 0;

  Result<std::vector<GroupListing>> list_groups(Deadline) override;
  Result<std::vector<GroupDescription>> describe_groups(const std::vector<std::string>& ids,
                                                        Deadline) override;
  Result<std::vector<CommittedOffset>> committed_offsets(const std::string& group_id,
                                                         Deadline) override;
  Result<std::vector<Watermarks>> watermarks(const std::vector<TopicPartition>& partitions,
                                             Deadline) override;
  Result<std::vector<TopicInfo>> topics(const std::vector<std::string>& names, Deadline) override;
  Result<std::vector<RecordRangeResult>> newest_records(
      const std::vector<RecordRangeQuery>& queries, Deadline) override;

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<FakePartition>> topics_;
  std::map<std::string, FakeGroup> groups_;
};

}  // namespace kprogress::testing
