// MonotonicWatermarks: a KafkaClient decorator that will not let a partition's end offset go
// back. A high watermark only grows (records are appended; retention moves the log start, not the
// end), so an answer below one seen moments ago came from a stale leader: a broker resumed after a
// freeze believes for about a second that it still leads, and librdkafka 2.0.2's ListOffsets
// carries no leader epoch that would let the broker refuse (tests/integration/faults caught it
// answering 10 for a partition at 15). Rather than report a lag computed from that old end, the
// call fails (kUnavailable) naming each such partition, and a retry a moment later gets the true
// leader's answer.
//
// What it remembers of a partition is forgotten `memory` after it was last seen, so that a topic
// deleted and created again under the same name (whose offsets start again at 0) is refused for
// at most that long. Thread-safe; the wrapped client must outlive it.
#pragma once

#include <chrono>
#include <mutex>
#include <unordered_map>

#include "common/clock.h"
#include "kafka/forwarding_kafka_client.h"

namespace kprogress {

class MonotonicWatermarks final : public ForwardingKafkaClient {
 public:
  MonotonicWatermarks(KafkaClient& inner, const Clock& clock,
                      std::chrono::milliseconds memory = std::chrono::seconds(10))
      : ForwardingKafkaClient(inner), clock_(clock), memory_(memory) {}

  Result<std::vector<Watermarks>> watermarks(const std::vector<TopicPartition>& tps,
                                             Deadline d) override;

 private:
  struct Seen {
    int64_t high_watermark;
    std::chrono::steady_clock::time_point at;
  };
  void forget_old(std::chrono::steady_clock::time_point now);  // REQUIRES: mu_ held

  const Clock& clock_;
  const std::chrono::milliseconds memory_;
  std::mutex mu_;
  std::unordered_map<TopicPartition, Seen, TopicPartitionHash> seen_;
  std::chrono::steady_clock::time_point last_forget_{};
};

}  // namespace kprogress
