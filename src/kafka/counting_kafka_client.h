// CountingKafkaClient: a KafkaClient decorator that counts the calls made through it, so the
// collector can report its cost per cycle. Thread-safe; the wrapped client must outlive it.
#pragma once

#include <atomic>

#include "kafka/kafka_client.h"

namespace kprogress {

class CountingKafkaClient final : public KafkaClient {
 public:
  explicit CountingKafkaClient(KafkaClient& inner) : inner_(inner) {}

  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }

  Result<std::vector<GroupListing>> list_groups(Deadline d) override {
    ++calls_;
    return inner_.list_groups(d);
  }
  Result<std::vector<GroupDescription>> describe_groups(const std::vector<std::string>& ids,
                                                        Deadline d) override {
    ++calls_;
    return inner_.describe_groups(ids, d);
  }
  Result<std::vector<CommittedOffset>> committed_offsets(const std::string& id,
                                                         Deadline d) override {
    ++calls_;
    return inner_.committed_offsets(id, d);
  }
  Result<std::vector<Watermarks>> watermarks(const std::vector<TopicPartition>& tps,
                                             Deadline d) override {
    ++calls_;
    return inner_.watermarks(tps, d);
  }
  Result<std::vector<TopicInfo>> topics(const std::vector<std::string>& names,
                                        Deadline d) override {
    ++calls_;
    return inner_.topics(names, d);
  }
  Result<std::vector<RecordRangeResult>> newest_records(const std::vector<RecordRangeQuery>& q,
                                                        Deadline d) override {
    ++calls_;
    return inner_.newest_records(q, d);
  }

 private:
  KafkaClient& inner_;
  std::atomic<uint64_t> calls_{0};
};

}  // namespace kprogress
