// RdKafkaOptions: how RdKafkaClient connects. Plain data, validated by RdKafkaClient::create().
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace kprogress {

struct RdKafkaOptions {
  // "host:port[,host:port...]": librdkafka's bootstrap.servers.
  std::string bootstrap_servers;
  // Extra librdkafka properties applied to every handle the client creates (security.protocol,
  // sasl.*, ssl.*, socket.*, debug ...). They cannot override the properties the client needs
  // for correct answers (isolation.level, group.id, enable.auto.commit ...): create() rejects
  // those with kInvalidArgument.
  std::map<std::string, std::string> properties;
  // client.id sent to the brokers (visible in their logs and quotas).
  std::string client_id = "kprogress";
  // Names the private group id of the record reader: "__kprogress-reader-<reader_name>". The
  // reader never joins or commits, but give each kprogress instance its own name anyway so that
  // the id says who it is.
  std::string reader_name = "default";
  // A group whose last answer had at least this many committed partitions has its offsets read
  // with kprogress's own OffsetFetch (src/kafka/wire) instead of librdkafka's, whose handling of
  // the answer is O(n^2) in its partitions; librdkafka's remains the fallback. Plaintext
  // clusters only. 0: every group (the integration tests compare both ways).
  size_t own_requests_min_partitions = 1000;
};

}  // namespace kprogress
