// TestCluster: what integration tests do to the Kafka the `kafka` CTest fixture started (its
// bootstrap from $KPROGRESS_TEST_BOOTSTRAP, default 127.0.0.1:39092): create and delete topics,
// produce records with chosen keys, values and timestamps (plain or transactional), commit
// offsets for a group without joining it, run live group members, delete records, and read a
// partition back. Every call waits with a deadline; failures throw std::runtime_error, which
// GoogleTest reports as a failed test with the message.
//
// Names from unique_name() carry a random suffix, so tests never see each other's topics or
// groups. Topics created here are deleted when the TestCluster is destroyed.
// Thread-compatible: use one TestCluster from one thread (LiveConsumer runs its own thread).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kprogress::testing {

using std::chrono::milliseconds;
inline constexpr milliseconds kDefaultTimeout{30000};

struct ProducedRecord {
  int32_t partition = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;     // nullopt: a tombstone
  std::optional<int64_t> timestamp_ms;  // nullopt: the producer's clock
};

struct ConsumedRecord {
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp_ms = -1;
};

// A group member that subscribes and polls on its own thread until stop() (or destruction).
class LiveConsumer {
 public:
  // With `auto_commit`, the member commits what it consumed every 100 ms, as most consumers do.
  LiveConsumer(const std::string& bootstrap, const std::string& group,
               const std::vector<std::string>& topics, const std::string& client_id,
               bool auto_commit = false);
  ~LiveConsumer();
  LiveConsumer(const LiveConsumer&) = delete;
  LiveConsumer& operator=(const LiveConsumer&) = delete;

  // Waits until the group gave this member at least `min_partitions` partitions.
  bool wait_assigned(size_t min_partitions, milliseconds timeout = kDefaultTimeout);
  // Number of partitions currently assigned to this member.
  size_t assigned_count() const;
  // Messages polled so far.
  int64_t consumed() const { return consumed_.load(); }
  // Leaves the group and joins the thread. Idempotent.
  void stop();

 private:
  void run();
  rd_kafka_t* rk_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> consumed_{0};
  std::atomic<size_t> assigned_{0};
  std::thread thread_;
};

// A transaction left open until commit() or abort(), to observe HW != LSO.
class OpenTransaction {
 public:
  OpenTransaction(const std::string& bootstrap, const std::string& transactional_id);
  ~OpenTransaction();  // aborts if still open
  OpenTransaction(const OpenTransaction&) = delete;
  OpenTransaction& operator=(const OpenTransaction&) = delete;

  // Produces inside the transaction; returns the offsets, in order.
  std::vector<int64_t> produce(const std::string& topic,
                               const std::vector<ProducedRecord>& records);
  void commit();
  void abort();

 private:
  rd_kafka_t* rk_ = nullptr;
  bool open_ = false;
};

class TestCluster {
 public:
  TestCluster();
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  // $KPROGRESS_TEST_BOOTSTRAP or 127.0.0.1:39092.
  static std::string bootstrap();

  // "<prefix>-<random 10 chars>".
  static std::string unique_name(const std::string& prefix);

  // Creates the topic and waits until every partition has a leader.
  void create_topic(const std::string& name, int partitions, int replication_factor = 1,
                    const std::map<std::string, std::string>& configs = {});
  void delete_topic(const std::string& name);

  // Produces (acks=all), waits for every delivery; returns the offsets, in order.
  std::vector<int64_t> produce(const std::string& topic,
                               const std::vector<ProducedRecord>& records);

  // Produces the records in one transaction, then commits (or aborts) it; returns their offsets.
  // The commit/abort marker takes the offset after the last record of each partition.
  std::vector<int64_t> produce_transaction(const std::string& topic,
                                           const std::vector<ProducedRecord>& records,
                                           bool commit = true);
  std::unique_ptr<OpenTransaction> begin_transaction();

  // Commits offsets for `group` without joining it (AlterConsumerGroupOffsets; the group must
  // have no live members). Keys are (topic, partition).
  void commit_offsets(const std::string& group,
                      const std::map<std::pair<std::string, int32_t>, int64_t>& offsets);

  // A live member of `group` subscribed to `topics`, with `client_id`.
  std::unique_ptr<LiveConsumer> start_consumer(const std::string& group,
                                               const std::vector<std::string>& topics,
                                               const std::string& client_id,
                                               bool auto_commit = false);

  // DeleteRecords: moves the partition's log start to `before_offset`; returns the new low
  // watermark the broker reported.
  int64_t delete_records(const std::string& topic, int32_t partition, int64_t before_offset);

  // Every record of the partition from its log start to its high watermark, read with an
  // independent consumer (read_uncommitted; markers are not records).
  std::vector<ConsumedRecord> read_all(const std::string& topic, int32_t partition,
                                       milliseconds timeout = kDefaultTimeout);

  // (log start, high watermark) of one partition, read_uncommitted, through a fresh handle.
  std::pair<int64_t, int64_t> watermarks(const std::string& topic, int32_t partition);

 private:
  // One AlterConsumerGroupOffsets; "" on success, else the error.
  std::string try_commit_offsets(const std::string& group,
                                 const std::map<std::pair<std::string, int32_t>, int64_t>& offsets);

  rd_kafka_t* producer_ = nullptr;  // produces and carries the admin calls
  std::vector<std::string> created_topics_;
};

}  // namespace kprogress::testing
