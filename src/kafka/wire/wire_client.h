// WireClient: a group's committed offsets, read from its coordinator, and partitions' log end and
// start offsets, read from their leaders, with kprogress's own requests (kafka_codec.h says why:
// librdkafka 2.0.2 spends O(n^2) CPU on answers of n partitions). Plaintext connections only;
// RdKafkaClient uses it for large groups and falls back to librdkafka whenever it fails.
//
// Thread-safe. Coordinators are remembered per group and connections kept per broker (a few
// idle ones each), so a call is usually one round trip per broker, as with librdkafka.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "kafka/kafka_client.h"
#include "kafka/wire/broker_connection.h"
#include "kafka/wire/kafka_codec.h"

namespace kprogress::wire {

struct BrokerAddress {
  std::string host;
  int port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// "host:port[,host:port...]", each optionally "PLAINTEXT://host:port" or "[v6]:port".
// kInvalidArgument when an entry cannot be read.
Result<std::vector<BrokerAddress>> parse_bootstrap(const std::string& bootstrap);

class WireClient {
 public:
  WireClient(std::vector<BrokerAddress> bootstrap, std::string client_id);

  // Every committed offset of the group (partitions without a commit left out), sorted by
  // partition. An error when any step fails or Kafka answers with an error: kUnavailable for
  // connections and Kafka's error codes, kDeadlineExceeded, kInternal for a malformed answer.
  Result<std::vector<CommittedOffset>> committed_offsets(const std::string& group_id,
                                                         Deadline deadline);

  // ListOffsets of `spec` (kLatest or kEarliest) to every leader at once, each for its own
  // partitions. An error when any request or partition fails.
  struct LeaderPartitions {
    BrokerAddress leader;
    std::vector<TopicPartitions> topics;
  };
  Result<std::vector<ListedOffset>> list_offsets(const std::vector<LeaderPartitions>& by_leader,
                                                 int64_t spec, Deadline deadline);

 private:
  using Connection = std::unique_ptr<BrokerConnection>;

  Result<BrokerAddress> coordinator(const std::string& group_id, Deadline deadline);
  // One request and its answer on a pooled connection to `to`; a pooled connection that the
  // broker has closed meanwhile is replaced once.
  Result<std::string> ask(const BrokerAddress& to, const std::string& framed_request,
                          Deadline deadline);
  void forget_coordinator(const std::string& group_id);

  const std::vector<BrokerAddress> bootstrap_;
  const std::string client_id_;
  std::atomic<int32_t> correlation_{0};
  std::mutex mu_;
  std::map<std::string, BrokerAddress> coordinators_;    // by group id
  std::map<std::string, std::vector<Connection>> idle_;  // by "host:port"
};

}  // namespace kprogress::wire
