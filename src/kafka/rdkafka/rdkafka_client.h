// RdKafkaClient: KafkaClient over librdkafka 2.0.2's C API.
//
// It owns three handles: a consumer-type "query" handle (with a group id it never joins), created
// with isolation.level=read_uncommitted, that carries the admin calls (ListGroups, DescribeGroups,
// OffsetFetch), Metadata and ListOffsets(earliest); a "latest" handle like it (without the group
// id) for ListOffsets(latest) (read_uncommitted, so LATEST is the high watermark, as in
// kafka-consumer-groups), so that a broker serves both at once, whose leaders are refreshed with
// every Metadata request of the query handle; and the RecordReader's consumer,
// which has a private group id that it never joins. Constructed only by the composition root and
// the integration tests.
//
// Thread-safe: every method may be called from several threads at once. Record reads are
// serialized inside (see record_reader.h); everything else runs concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "kafka/kafka_client.h"
#include "kafka/rdkafka/connection.h"
#include "kafka/rdkafka/handles.h"
#include "kafka/rdkafka/pending_requests.h"
#include "kafka/rdkafka/rdkafka_options.h"
#include "kafka/rdkafka/record_reader.h"

namespace kprogress {
namespace wire {
class WireClient;
}

class RdKafkaClient final : public KafkaClient {
 public:
  // Creates the handles; does not wait for a connection (calls report unreachable brokers).
  // kInvalidArgument for a missing bootstrap or a property librdkafka rejects or that would
  // change the answers.
  static Result<std::unique_ptr<KafkaClient>> create(const RdKafkaOptions& options);

  ~RdKafkaClient() override;

  Result<std::vector<GroupListing>> list_groups(Deadline deadline) override;
  Result<std::vector<GroupDescription>> describe_groups(const std::vector<std::string>& group_ids,
                                                        Deadline deadline) override;
  Result<std::vector<CommittedOffset>> committed_offsets(const std::string& group_id,
                                                         Deadline deadline) override;
  Result<std::vector<Watermarks>> watermarks(const std::vector<TopicPartition>& partitions,
                                             Deadline deadline) override;
  Result<std::vector<TopicInfo>> topics(const std::vector<std::string>& names,
                                        Deadline deadline) override;
  Result<std::vector<RecordRangeResult>> newest_records(
      const std::vector<RecordRangeQuery>& queries, Deadline deadline) override;

 private:
  explicit RdKafkaClient(std::unique_ptr<rdk::ConnectionState> state);

  // Declared first so that it outlives the handles whose callbacks use it.
  std::unique_ptr<rdk::ConnectionState> state_;
  rdk::HandlePtr query_;
  // Asks ListOffsets(latest) while query_ asks ListOffsets(earliest); asks Metadata whenever
  // topics() does, since nothing else tells it that a leader moved.
  rdk::HandlePtr latest_;
  // Coordinator requests of query_ that outlived their caller's deadline; released before it.
  std::unique_ptr<rdk::PendingRequests> pending_;
  std::unique_ptr<rdk::RecordReader> reader_;

  // Null unless the cluster is plaintext (see RdKafkaOptions::own_requests_min_partitions).
  std::unique_ptr<wire::WireClient> wire_;
  size_t own_requests_min_partitions_ = 0;
  // Whether a group's offsets go through wire_: its last answer was large.
  bool large_group(const std::string& group_id);
  // Watermarks through wire_, to the leaders named by the last Metadata answer of topics().
  Result<std::vector<Watermarks>> own_watermarks(const std::vector<TopicPartition>& partitions,
                                                 Deadline deadline);
  // From the last Metadata answer, for the topics that topics() was asked about (in the .cc).
  struct LeaderMap;
  std::mutex leaders_mu_;
  std::shared_ptr<const LeaderMap> leaders_;
  void note_answer_size(const std::string& group_id, size_t partitions);
  std::mutex large_groups_mu_;
  std::unordered_set<std::string> large_groups_;
};

}  // namespace kprogress
