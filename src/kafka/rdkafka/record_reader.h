// RecordReader answers KafkaClient::newest_records with a dedicated consumer handle: it assigns
// every queried partition at its `from` offset at once (one Fetch per leader), keeps the newest
// data record below `until`, pauses each partition as soon as it is answered, and unassigns at
// the end. Transaction markers never reach the application, so a range holding only markers (or
// records removed by compaction) comes back empty.
//
// Thread-safe: calls are serialized on a mutex, because librdkafka 2.0.2's consumer is not safe
// with concurrent assign and poll; a call that cannot get the reader before its deadline gets
// kDeadlineExceeded for every partition.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "kafka/kafka_client.h"
#include "kafka/rdkafka/connection.h"
#include "kafka/rdkafka/handles.h"

namespace kprogress::rdk {

// The reader consumer's properties: a private group id that never joins or commits, no offset
// reset (an offset below the log start must be an error, not a silent jump), partition EOF
// events, read_uncommitted (markers are hidden either way), and small fetches.
std::map<std::string, std::string> reader_properties(const std::string& reader_name);

class RecordReader {
 public:
  // Looks up log bounds, to tell "removed by retention" from "past the end".
  using WatermarkFn =
      std::function<Result<std::vector<Watermarks>>(const std::vector<TopicPartition>&, Deadline)>;

  // REQUIRES: `consumer` is a consumer handle created with reader_properties(); `state` is its
  // callbacks' opaque and outlives the reader.
  RecordReader(HandlePtr consumer, ConnectionState& state, WatermarkFn watermarks);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // One result per query, in order. Each result carries its own error.
  std::vector<RecordRangeResult> read(const std::vector<RecordRangeQuery>& queries,
                                      Deadline deadline);

 private:
  struct Slot;
  void read_round(std::vector<Slot*>& slots, Deadline deadline, int budget);
  void settle_out_of_range(std::vector<Slot*>& slots, Deadline deadline);
  void drain();
  // Fetches metadata for topics not seen lately; fails the slots of missing topics/partitions.
  void learn_topics(const std::vector<Slot*>& slots, Deadline deadline);

  HandlePtr rk_;
  ConnectionState& state_;
  WatermarkFn watermarks_;
  std::timed_mutex mu_;
  // Topics whose metadata this handle fetched recently (guarded by mu_).
  struct KnownTopic {
    std::chrono::steady_clock::time_point fetched;
    int32_t partitions = 0;
  };
  std::map<std::string, KnownTopic> known_topics_;
};

}  // namespace kprogress::rdk
