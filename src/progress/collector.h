// Collector: keeps every group of one Kafka cluster fresh in the background. Each cycle lists the
// groups (filtered by include/exclude patterns), reads every group's committed offsets (bounded
// concurrency), describes them, reads partition counts and end offsets once for all partitions of
// all groups (batched per leader by the KafkaClient), reads records only where a commit moved
// (RecordFinder's cache), appends one history sample per partition, computes rates, lag in
// seconds and status, and publishes an immutable InstanceSnapshot.
// A failing group is recorded on that group and keeps its last numbers; groups and topics that
// disappear leave the snapshot after `expire_after`; an Empty group keeps reporting its lag.
// Thread-safe: snapshot() may be called from any thread while the collector runs.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "kafka/kafka_client.h"
#include "progress/evaluation.h"
#include "progress/record_finder.h"
#include "progress/snapshot.h"

namespace kprogress {

struct CollectorOptions {
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds cycle_timeout{25000};  // every Kafka call of a cycle shares it
  size_t concurrency = 8;                          // groups read at once
  std::vector<std::string> include;  // regexes (ECMAScript, whole id); empty: every group
  std::vector<std::string> exclude;  // regexes; a match is never tracked
  std::chrono::milliseconds expire_after{10 * 60 * 1000};
  bool lag_seconds = true;  // read the oldest unconsumed record of lagging partitions
  EvaluationConfig evaluation;
};

class Collector {
 public:
  // Fails (kInvalidArgument) on an invalid regex or evaluation config.
  static Result<std::unique_ptr<Collector>> create(std::string instance_id, KafkaClient& kafka,
                                                   const Clock& clock, CollectorOptions options);
  ~Collector();

  // Starts the background thread (a cycle at once, then every interval). Idempotent.
  void start();
  // Stops it and waits (a cycle in progress is abandoned at its next Kafka call's deadline).
  void stop();

  // Runs one cycle on the calling thread and publishes it (tests, and the background thread).
  void run_cycle();

  // The latest published snapshot; never null (an empty, not-ready one before the first cycle).
  std::shared_ptr<const InstanceSnapshot> snapshot() const;

  // The shared record cache, also used by fresh queries of the same instance.
  RecordFinder& records() { return records_; }

 private:
  Collector(std::string instance_id, KafkaClient& kafka, const Clock& clock,
            CollectorOptions options);
  bool tracked(const std::string& group_id) const;

  const std::string instance_id_;
  KafkaClient& kafka_;
  const Clock& clock_;
  const CollectorOptions options_;
  std::vector<std::regex> include_, exclude_;
  RecordFinder records_;

  mutable std::mutex mu_;
  std::shared_ptr<const InstanceSnapshot> snapshot_;
  std::mutex cycle_mu_;  // one cycle at a time

  std::mutex run_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kprogress
