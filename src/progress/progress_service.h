// ProgressService: answers "how far has group G got" for one Kafka cluster, fresh from Kafka.
// It asks the KafkaClient for committed offsets, the group's description, partition counts,
// watermarks and the records below the commits, then applies the rules of lag_math.h.
// Concurrent identical requests share one Kafka query (request coalescing).
// Thread-safe.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/result.h"
#include "kafka/kafka_client.h"
#include "progress/model.h"
#include "progress/record_finder.h"

namespace kprogress {

struct ProgressOptions {
  // Resolve LastTimestamp by reading records (false: every LastTimestamp is -1, no reads).
  bool want_last_timestamp = true;
};

class ProgressService {
 public:
  // `records`, when given, is a record cache shared with the instance's collector (it must use
  // the same KafkaClient and outlive the service); otherwise the service keeps its own.
  ProgressService(KafkaClient& kafka, const Clock& clock, RecordFinder* records = nullptr)
      : kafka_(kafka),
        clock_(clock),
        own_records_(records ? nullptr : std::make_unique<RecordFinder>(kafka)),
        records_(records ? *records : *own_records_) {}

  // The group's progress over every topic it has committed offsets for or is assigned.
  // Errors: kNotFound when the group does not exist; kUnavailable / kDeadlineExceeded naming the
  // part of Kafka that failed. Never a partial answer. A call made while an identical one is in
  // flight waits for that one's answer (within its own deadline) instead of asking Kafka again.
  Result<GroupProgress> group_progress(const std::string& group_id, Deadline deadline,
                                       const ProgressOptions& options = {});

  KafkaClient& kafka() { return kafka_; }
  RecordFinder& records() { return records_; }

  // Kafka queries started, and requests that joined one already in flight (tests, metrics).
  uint64_t queries_started() const;
  uint64_t queries_shared() const;

 private:
  Result<GroupProgress> query(const std::string& group_id, Deadline deadline,
                              const ProgressOptions& options);

  KafkaClient& kafka_;
  const Clock& clock_;
  std::unique_ptr<RecordFinder> own_records_;
  RecordFinder& records_;

  using Key = std::pair<std::string, bool>;  // group, want_last_timestamp
  mutable std::mutex mu_;
  std::map<Key, std::shared_future<Result<GroupProgress>>> in_flight_;
  uint64_t queries_started_ = 0;
  uint64_t queries_shared_ = 0;
};

}  // namespace kprogress
