#include "test_cluster.h"

#include <cstdlib>
#include <functional>
#include <random>
#include <stdexcept>

#include "wait.h"

namespace kprogress::testing {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

int ms(milliseconds d) { return static_cast<int>(d.count()); }

struct EventGuard {
  rd_kafka_event_t* ev = nullptr;
  ~EventGuard() {
    if (ev != nullptr) rd_kafka_event_destroy(ev);
  }
};

rd_kafka_conf_t* base_conf(const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::map<std::string, std::string> all = {{"bootstrap.servers", TestCluster::bootstrap()},
                                            {"log.connection.close", "false"}};
  for (const auto& [k, v] : props) all[k] = v;
  for (const auto& [k, v] : all) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      fail("conf " + k + ": " + errstr);
    }
  }
  return conf;
}

rd_kafka_t* new_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    fail(std::string("rd_kafka_new: ") + errstr);
  }
  return rk;
}

// Per-message delivery result, filled by the delivery report callback.
struct Delivery {
  int64_t offset = -1;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__IN_PROGRESS;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  auto* d = static_cast<Delivery*>(m->_private);
  d->err = m->err;
  d->offset = m->offset;
}

rd_kafka_t* new_producer(const std::map<std::string, std::string>& props) {
  // Idempotent: a retried first record (NOT_LEADER right after topic creation) must not land
  // after the ones sent behind it, or offsets would not follow the order of the records.
  std::map<std::string, std::string> all = {
      {"acks", "all"}, {"linger.ms", "0"}, {"enable.idempotence", "true"}};
  for (const auto& [k, v] : props) all[k] = v;
  rd_kafka_conf_t* conf = base_conf(all);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  return new_handle(RD_KAFKA_PRODUCER, conf);
}

// Produces and waits for every delivery report.
std::vector<int64_t> produce_on(rd_kafka_t* rk, const std::string& topic,
                                const std::vector<ProducedRecord>& records) {
  std::vector<Delivery> deliveries(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    const void* key = r.key ? r.key->data() : nullptr;
    const size_t key_len = r.key ? r.key->size() : 0;
    void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
    const size_t value_len = r.value ? r.value->size() : 0;
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
        RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len),
        RD_KAFKA_V_TIMESTAMP(r.timestamp_ms.value_or(0)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(&deliveries[i]), RD_KAFKA_V_END);
    if (err) fail("produce to " + topic + ": " + rd_kafka_err2str(err));
  }
  if (rd_kafka_flush(rk, ms(kDefaultTimeout)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fail("produce to " + topic + ": deliveries did not finish in time");
  }
  std::vector<int64_t> offsets;
  for (const auto& d : deliveries) {
    if (d.err) fail("produce to " + topic + ": " + rd_kafka_err2str(d.err));
    // A delivery without an offset is one librdkafka 2.0.2 may have dropped (see create_topic):
    // tests count on every record being where they put it.
    if (d.offset < 0) fail("produce to " + topic + ": a record was acknowledged without an offset");
    offsets.push_back(d.offset);
  }
  return offsets;
}

void check_txn(rd_kafka_error_t* error, const std::string& what) {
  if (error == nullptr) return;
  std::string text = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  fail(what + ": " + text);
}

// librdkafka's longest admin request timeout. A request to a group coordinator gets it: in
// librdkafka 2.0.2 such a request that times out while its coordinator is still being looked up
// (a fresh cluster loading __consumer_offsets, a coordinator that moves) aborts the process once
// the coordinator is found (rd_kafka_enq_once_del_source_return: Assertion `eonce->refcnt > 0').
// Its requests to the broker are still bounded by socket.timeout.ms.
constexpr int kCoordinatorRequestTimeoutMs = 3600 * 1000;

// Runs one admin request on `rk` and returns its result event (caller destroys). The wait ends
// after kDefaultTimeout (+5 s) even when the request's own timeout is longer.
rd_kafka_event_t* admin_call(
    rd_kafka_t* rk, rd_kafka_admin_op_t op, const std::string& what,
    const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& start,
    int request_timeout_ms = ms(kDefaultTimeout)) {
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, op);
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(options, request_timeout_ms, errstr, sizeof errstr);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  start(options, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, ms(kDefaultTimeout) + 5000);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(options);
  if (ev == nullptr) fail(what + ": no answer");
  if (rd_kafka_event_error(ev)) {
    std::string text = rd_kafka_event_error_string(ev);
    rd_kafka_event_destroy(ev);
    fail(what + ": " + text);
  }
  return ev;
}

rd_kafka_topic_partition_list_t* one_partition(const std::string& topic, int32_t partition,
                                               int64_t offset) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  return list;
}

}  // namespace

// ---- TestCluster ------------------------------------------------------------------------

std::string TestCluster::bootstrap() {
  const char* env = std::getenv("KPROGRESS_TEST_BOOTSTRAP");
  return env != nullptr && *env != '\0' ? env : "127.0.0.1:39092";
}

std::string TestCluster::unique_name(const std::string& prefix) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string name = prefix + "-";
  for (int i = 0; i < 10; ++i) name += kChars[rng() % (sizeof kChars - 1)];
  return name;
}

TestCluster::TestCluster() : producer_(new_producer({{"client.id", "kp-test-cluster"}})) {}

TestCluster::~TestCluster() {
  // A copy: delete_topic() erases from created_topics_.
  const std::vector<std::string> topics = created_topics_;
  for (const auto& topic : topics) {
    try {
      delete_topic(topic);
    } catch (const std::exception&) {
      // best effort: a leftover topic has a unique name and harms no other test
    }
  }
  rd_kafka_flush(producer_, 5000);
  rd_kafka_destroy(producer_);
}

void TestCluster::create_topic(const std::string& name, int partitions, int replication_factor,
                               const std::map<std::string, std::string>& configs) {
  char errstr[512];
  rd_kafka_NewTopic_t* topic =
      rd_kafka_NewTopic_new(name.c_str(), partitions, replication_factor, errstr, sizeof errstr);
  if (topic == nullptr) fail("NewTopic " + name + ": " + errstr);
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(topic, k.c_str(), v.c_str());
  EventGuard ev;
  try {
    ev.ev = admin_call(producer_, RD_KAFKA_ADMIN_OP_CREATETOPICS, "CreateTopics " + name,
                       [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                         rd_kafka_AdminOptions_set_operation_timeout(o, ms(kDefaultTimeout), errstr,
                                                                     sizeof errstr);
                         rd_kafka_CreateTopics(producer_, &topic, 1, o, q);
                       });
  } catch (...) {
    rd_kafka_NewTopic_destroy(topic);
    throw;
  }
  rd_kafka_NewTopic_destroy(topic);
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.ev), &n);
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_topic_result_error(results[i])) {
      fail("CreateTopics " + name + ": " + rd_kafka_topic_result_error_string(results[i]));
    }
  }
  created_topics_.push_back(name);
  // Wait until librdkafka sees a leader for every partition, so that tests can produce at once.
  const bool ready = wait_until(
      [&] {
        const rd_kafka_metadata_t* md = nullptr;
        if (rd_kafka_metadata(producer_, 1, nullptr, &md, 5000)) return false;
        bool ok = false;
        for (int i = 0; i < md->topic_cnt; ++i) {
          const auto& t = md->topics[i];
          if (name != t.topic || t.err || t.partition_cnt != partitions) continue;
          ok = true;
          for (int p = 0; p < t.partition_cnt; ++p) {
            if (t.partitions[p].leader < 0 || t.partitions[p].err) ok = false;
          }
        }
        rd_kafka_metadata_destroy(md);
        return ok;
      },
      kDefaultTimeout);
  if (!ready) fail("topic " + name + " has no leaders after creation");
  // The metadata names a leader before that broker acts as one: until it does, it answers
  // NOT_LEADER. librdkafka 2.0.2's idempotent producer then loses the refused first batch when
  // the next batch is accepted ("implicitly acked", delivered without error and without an
  // offset). ListOffsets is refused the same way, so wait until every leader answers it.
  for (int p = 0; p < partitions; ++p) {
    const bool leading = wait_until(
        [&] {
          int64_t low = 0, high = 0;
          return rd_kafka_query_watermark_offsets(producer_, name.c_str(), p, &low, &high, 5000) ==
                 RD_KAFKA_RESP_ERR_NO_ERROR;
        },
        kDefaultTimeout, milliseconds(50));
    if (!leading) fail("partition " + name + "-" + std::to_string(p) + " has no acting leader");
  }
}

void TestCluster::delete_topic(const std::string& name) {
  rd_kafka_DeleteTopic_t* topic = rd_kafka_DeleteTopic_new(name.c_str());
  EventGuard ev;
  try {
    ev.ev = admin_call(producer_, RD_KAFKA_ADMIN_OP_DELETETOPICS, "DeleteTopics " + name,
                       [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                         rd_kafka_DeleteTopics(producer_, &topic, 1, o, q);
                       });
  } catch (...) {
    rd_kafka_DeleteTopic_destroy(topic);
    throw;
  }
  rd_kafka_DeleteTopic_destroy(topic);
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.ev), &n);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err && err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      fail("DeleteTopics " + name + ": " + rd_kafka_topic_result_error_string(results[i]));
    }
  }
  std::erase(created_topics_, name);
}

std::vector<int64_t> TestCluster::produce(const std::string& topic,
                                          const std::vector<ProducedRecord>& records) {
  return produce_on(producer_, topic, records);
}

std::unique_ptr<OpenTransaction> TestCluster::begin_transaction() {
  return std::make_unique<OpenTransaction>(bootstrap(), unique_name("kp-txn"));
}

std::vector<int64_t> TestCluster::produce_transaction(const std::string& topic,
                                                      const std::vector<ProducedRecord>& records,
                                                      bool commit) {
  auto txn = begin_transaction();
  auto offsets = txn->produce(topic, records);
  if (commit) {
    txn->commit();
  } else {
    txn->abort();
  }
  return offsets;
}

void TestCluster::commit_offsets(
    const std::string& group, const std::map<std::pair<std::string, int32_t>, int64_t>& offsets) {
  // The group coordinator may still be loading (a fresh cluster) or moving: retry those errors.
  std::string last_error;
  const bool done = wait_until(
      [&] {
        last_error = try_commit_offsets(group, offsets);
        return last_error.empty();
      },
      kDefaultTimeout, milliseconds(200));
  if (!done) fail("commit offsets for " + group + ": " + last_error);
}

std::string TestCluster::try_commit_offsets(
    const std::string& group, const std::map<std::pair<std::string, int32_t>, int64_t>& offsets) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = offset;
  }
  rd_kafka_AlterConsumerGroupOffsets_t* alter =
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list);
  rd_kafka_topic_partition_list_destroy(list);
  EventGuard ev;
  try {
    ev.ev = admin_call(
        producer_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
        "AlterConsumerGroupOffsets " + group,
        [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
          rd_kafka_AlterConsumerGroupOffsets(producer_, &alter, 1, o, q);
        },
        kCoordinatorRequestTimeoutMs);
  } catch (const std::exception& e) {
    rd_kafka_AlterConsumerGroupOffsets_destroy(alter);
    return e.what();
  }
  rd_kafka_AlterConsumerGroupOffsets_destroy(alter);
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(ev.ev), &n);
  for (size_t i = 0; i < n; ++i) {
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) {
      return rd_kafka_error_string(e);
    }
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
    for (int p = 0; parts != nullptr && p < parts->cnt; ++p) {
      if (parts->elems[p].err) {
        return std::string(parts->elems[p].topic) + ": " + rd_kafka_err2str(parts->elems[p].err);
      }
    }
  }
  return "";
}

std::unique_ptr<LiveConsumer> TestCluster::start_consumer(const std::string& group,
                                                          const std::vector<std::string>& topics,
                                                          const std::string& client_id,
                                                          bool auto_commit) {
  return std::make_unique<LiveConsumer>(bootstrap(), group, topics, client_id, auto_commit);
}

int64_t TestCluster::delete_records(const std::string& topic, int32_t partition,
                                    int64_t before_offset) {
  rd_kafka_topic_partition_list_t* list = one_partition(topic, partition, before_offset);
  rd_kafka_DeleteRecords_t* del = rd_kafka_DeleteRecords_new(list);
  rd_kafka_topic_partition_list_destroy(list);
  EventGuard ev;
  try {
    ev.ev = admin_call(producer_, RD_KAFKA_ADMIN_OP_DELETERECORDS, "DeleteRecords " + topic,
                       [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                         rd_kafka_DeleteRecords(producer_, &del, 1, o, q);
                       });
  } catch (...) {
    rd_kafka_DeleteRecords_destroy(del);
    throw;
  }
  rd_kafka_DeleteRecords_destroy(del);
  const rd_kafka_topic_partition_list_t* result =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev.ev));
  if (result == nullptr || result->cnt != 1) fail("DeleteRecords " + topic + ": no result");
  if (result->elems[0].err) {
    fail("DeleteRecords " + topic + ": " + rd_kafka_err2str(result->elems[0].err));
  }
  return result->elems[0].offset;
}

std::vector<ConsumedRecord> TestCluster::read_all(const std::string& topic, int32_t partition,
                                                  milliseconds timeout) {
  rd_kafka_t* rk =
      new_handle(RD_KAFKA_CONSUMER, base_conf({{"group.id", unique_name("kp-test-read")},
                                               {"enable.auto.commit", "false"},
                                               {"enable.partition.eof", "true"},
                                               {"auto.offset.reset", "earliest"},
                                               {"isolation.level", "read_uncommitted"}}));
  rd_kafka_topic_partition_list_t* list =
      one_partition(topic, partition, RD_KAFKA_OFFSET_BEGINNING);
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<ConsumedRecord> records;
  std::string error;
  bool eof = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof && error.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      eof = true;
    } else if (m->err) {
      error = rd_kafka_message_errstr(m);
    } else {
      ConsumedRecord r;
      r.offset = m->offset;
      if (m->key) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
      r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
      records.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (!error.empty()) fail("read " + topic + ": " + error);
  if (!eof) fail("read " + topic + ": no end of partition within the timeout");
  return records;
}

std::pair<int64_t, int64_t> TestCluster::watermarks(const std::string& topic, int32_t partition) {
  rd_kafka_t* rk =
      new_handle(RD_KAFKA_CONSUMER, base_conf({{"isolation.level", "read_uncommitted"}}));
  int64_t low = -1, high = -1;
  const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      rk, topic.c_str(), partition, &low, &high, ms(kDefaultTimeout));
  rd_kafka_destroy(rk);
  if (err) fail("watermarks of " + topic + ": " + rd_kafka_err2str(err));
  return {low, high};
}

// ---- OpenTransaction --------------------------------------------------------------------

OpenTransaction::OpenTransaction(const std::string& bootstrap, const std::string& transactional_id)
    : rk_(new_producer({{"bootstrap.servers", bootstrap},
                        {"transactional.id", transactional_id},
                        {"client.id", "kp-test-txn"}})) {
  check_txn(rd_kafka_init_transactions(rk_, ms(kDefaultTimeout)), "init_transactions");
  check_txn(rd_kafka_begin_transaction(rk_), "begin_transaction");
  open_ = true;
}

OpenTransaction::~OpenTransaction() {
  if (open_) {
    if (rd_kafka_error_t* e = rd_kafka_abort_transaction(rk_, ms(kDefaultTimeout))) {
      rd_kafka_error_destroy(e);
    }
  }
  rd_kafka_destroy(rk_);
}

std::vector<int64_t> OpenTransaction::produce(const std::string& topic,
                                              const std::vector<ProducedRecord>& records) {
  return produce_on(rk_, topic, records);
}

void OpenTransaction::commit() {
  check_txn(rd_kafka_commit_transaction(rk_, ms(kDefaultTimeout)), "commit_transaction");
  open_ = false;
}

void OpenTransaction::abort() {
  check_txn(rd_kafka_abort_transaction(rk_, ms(kDefaultTimeout)), "abort_transaction");
  open_ = false;
}

// ---- LiveConsumer -----------------------------------------------------------------------

LiveConsumer::LiveConsumer(const std::string& bootstrap, const std::string& group,
                           const std::vector<std::string>& topics, const std::string& client_id,
                           bool auto_commit)
    : rk_(new_handle(RD_KAFKA_CONSUMER,
                     base_conf({{"bootstrap.servers", bootstrap},
                                {"group.id", group},
                                {"client.id", client_id},
                                {"enable.auto.commit", auto_commit ? "true" : "false"},
                                {"auto.commit.interval.ms", "100"},
                                {"auto.offset.reset", "earliest"},
                                {"session.timeout.ms", "10000"}}))) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    rd_kafka_destroy(rk_);
    fail(std::string("subscribe: ") + rd_kafka_err2str(err));
  }
  thread_ = std::thread([this] { run(); });
}

LiveConsumer::~LiveConsumer() { stop(); }

void LiveConsumer::run() {
  while (!stop_.load()) {
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100)) {
      if (!m->err) consumed_.fetch_add(1);
      rd_kafka_message_destroy(m);
    }
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    if (rd_kafka_assignment(rk_, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      assigned_.store(static_cast<size_t>(assignment->cnt));
      rd_kafka_topic_partition_list_destroy(assignment);
    }
  }
}

bool LiveConsumer::wait_assigned(size_t min_partitions, milliseconds timeout) {
  return wait_until([&] { return assigned_.load() >= min_partitions; }, timeout);
}

size_t LiveConsumer::assigned_count() const { return assigned_.load(); }

void LiveConsumer::stop() {
  if (rk_ == nullptr) return;
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
}

}  // namespace kprogress::testing
