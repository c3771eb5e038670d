// bench_workload: builds a benchmark workload on a Kafka cluster with librdkafka only (no JVM):
// creates topics with the Admin API, produces records with a known recent timestamp, and commits
// offsets for many groups with AlterConsumerGroupOffsets (no consumer has to join a group).
//
//   bench_workload --bootstrap HOST:PORT --topic-prefix T --topics K --partitions P
//                  --records N --groups G --group-prefix X --commit C
//
// Topics T-0..T-(K-1) get P partitions and N records per partition (timestamp = now). Group
// X-i commits offset C on every partition of topic T-(i mod K), so its lag is N-C per partition
// and LastTimestamp is the timestamp of record C-1. Prints one JSON line with what it did.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int kStep = 5000;  // partitions per CreateTopics/CreatePartitions operation (--step)

struct Args {
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic_prefix = "bench";
  int topics = 1;
  int partitions = 1;
  int records = 10;
  int groups = 1;
  std::string group_prefix = "bench-g";
  int commit = 5;
  int inflight = 32;  // AlterConsumerGroupOffsets requests outstanding at once
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_workload: %s\n", what.c_str());
  std::exit(1);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) die("missing value for " + k);
    std::string v = argv[++i];
    if (k == "--bootstrap") a.bootstrap = v;
    else if (k == "--topic-prefix") a.topic_prefix = v;
    else if (k == "--topics") a.topics = std::stoi(v);
    else if (k == "--partitions") a.partitions = std::stoi(v);
    else if (k == "--records") a.records = std::stoi(v);
    else if (k == "--groups") a.groups = std::stoi(v);
    else if (k == "--group-prefix") a.group_prefix = v;
    else if (k == "--commit") a.commit = std::stoi(v);
    else if (k == "--inflight") a.inflight = std::stoi(v);
    else if (k == "--step") kStep = std::max(1, std::stoi(v));
    else die("unknown option " + k);
  }
  return a;
}

long g_delivery_errors = 0;
std::string g_delivery_error;

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) {
    ++g_delivery_errors;
    g_delivery_error = rd_kafka_err2str(m->err);
  }
}

rd_kafka_t* make_producer(const Args& a) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const char* v) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
  };
  set("bootstrap.servers", a.bootstrap.c_str());
  set("linger.ms", "20");
  set("batch.num.messages", "10000");
  set("queue.buffering.max.messages", "1000000");
  set("acks", "all");
  set("log_level", "3");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die(err);
  return rk;
}

std::string topic_name(const Args& a, int i) { return a.topic_prefix + "-" + std::to_string(i); }

void create_topics(rd_kafka_t* rk, const Args& a) {
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  // KRaft refuses one operation of more than 10,000 records (PolicyViolation "excessively large
  // batch"): keep each CreateTopics under kStep partitions; a larger topic is created with kStep
  // partitions and grown with CreatePartitions, kStep at a time.
  const int first_count = std::min(a.partitions, kStep);
  const int batch = std::max(1, std::min(100, kStep / first_count));
  for (int first = 0; first < a.topics; first += batch) {
    int n = std::min(batch, a.topics - first);
    std::vector<rd_kafka_NewTopic_t*> nts;
    char err[512];
    for (int i = first; i < first + n; ++i) {
      rd_kafka_NewTopic_t* nt =
          rd_kafka_NewTopic_new(topic_name(a, i).c_str(), first_count, 1, err, sizeof err);
      if (!nt) die(err);
      nts.push_back(nt);
    }
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, 120000, err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(opts, 180000, err, sizeof err);
    rd_kafka_CreateTopics(rk, nts.data(), nts.size(), opts, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 200000);
    if (!ev) die("CreateTopics: no answer");
    if (rd_kafka_event_error(ev)) die(std::string("CreateTopics: ") + rd_kafka_event_error_string(ev));
    size_t cnt = 0;
    const rd_kafka_topic_result_t** res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    for (size_t i = 0; i < cnt; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
      if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        die(std::string("CreateTopics ") + rd_kafka_topic_result_name(res[i]) + ": " +
            rd_kafka_err2str(e));
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    for (auto* nt : nts) rd_kafka_NewTopic_destroy(nt);
  }
  for (int i = 0; i < a.topics && first_count < a.partitions; ++i) {
    for (int count = first_count + kStep;; count += kStep) {
      int total = std::min(count, a.partitions);
      char err[512];
      rd_kafka_NewPartitions_t* np =
          rd_kafka_NewPartitions_new(topic_name(a, i).c_str(), static_cast<size_t>(total), err, sizeof err);
      if (!np) die(err);
      rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
      rd_kafka_AdminOptions_set_operation_timeout(opts, 120000, err, sizeof err);
      rd_kafka_AdminOptions_set_request_timeout(opts, 180000, err, sizeof err);
      rd_kafka_CreatePartitions(rk, &np, 1, opts, q);
      rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 200000);
      if (!ev) die("CreatePartitions: no answer");
      if (rd_kafka_event_error(ev)) die(std::string("CreatePartitions: ") + rd_kafka_event_error_string(ev));
      size_t cnt = 0;
      const rd_kafka_topic_result_t** res =
          rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &cnt);
      for (size_t j = 0; j < cnt; ++j) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[j]);
        // INVALID_PARTITIONS: the topic already has that many (a re-run on the same cluster).
        if (e && e != RD_KAFKA_RESP_ERR_INVALID_PARTITIONS)
          die(std::string("CreatePartitions: ") + rd_kafka_err2str(e));
      }
      rd_kafka_event_destroy(ev);
      rd_kafka_AdminOptions_destroy(opts);
      rd_kafka_NewPartitions_destroy(np);
      if (total == a.partitions) break;
    }
  }
  rd_kafka_queue_destroy(q);
}

// Waits until the metadata (and so the producer's cache) shows every partition of every topic:
// partitions added by CreatePartitions reach it later than the answer.
void wait_partitions(rd_kafka_t* rk, const Args& a) {
  for (int t = 0; t < a.topics; ++t) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic_name(a, t).c_str(), nullptr);
    for (int attempt = 0;; ++attempt) {
      const rd_kafka_metadata_t* md = nullptr;
      int count = -1;
      if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (md->topic_cnt == 1 && !md->topics[0].err) count = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
      }
      if (count >= a.partitions) break;
      // A loaded one-node broker takes minutes to create 10,000 partitions: wait up to 10.
      if (attempt > 1200) die("topic " + topic_name(a, t) + " never showed all its partitions");
      rd_kafka_poll(rk, 500);
    }
    rd_kafka_topic_destroy(rkt);
  }
}

void produce(rd_kafka_t* rk, const Args& a) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  char value[64];
  for (int t = 0; t < a.topics; ++t) {
    std::string topic = topic_name(a, t);
    for (int p = 0; p < a.partitions; ++p) {
      for (int r = 0; r < a.records; ++r) {
        int len = std::snprintf(value, sizeof value, "{\"p\":%d,\"r\":%d}", p, r);
        // Timestamps: now - (records - r) ms, so record r's timestamp is known and increasing.
        for (;;) {
          rd_kafka_resp_err_t e = rd_kafka_producev(
              rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p),
              RD_KAFKA_V_VALUE(value, static_cast<size_t>(len)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
              RD_KAFKA_V_TIMESTAMP(now_ms - (a.records - r)), RD_KAFKA_V_END);
          if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 100);
            continue;
          }
          if (e) die(std::string("produce: ") + rd_kafka_err2str(e));
          break;
        }
      }
      rd_kafka_poll(rk, 0);
    }
  }
  if (rd_kafka_flush(rk, 300000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
  if (g_delivery_errors)
    die(std::to_string(g_delivery_errors) + " records not delivered: " + g_delivery_error);
}

bool retriable(rd_kafka_resp_err_t e) {
  return e == RD_KAFKA_RESP_ERR_NOT_COORDINATOR || e == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
         e == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS || e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT || e == RD_KAFKA_RESP_ERR__TRANSPORT;
}

// Commits with AlterConsumerGroupOffsets, --inflight requests at once (one group per request, as
// librdkafka requires). Groups whose coordinator is not ready yet (a fresh cluster creates
// __consumer_offsets on first use) are retried.
void commit_groups(rd_kafka_t* rk, const Args& a) {
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  char err[512];
  std::vector<int> todo;
  for (int g = 0; g < a.groups; ++g) todo.push_back(g);
  for (int round = 0; !todo.empty(); ++round) {
    if (round > 0) {
      if (round > 60) die("AlterConsumerGroupOffsets: coordinator never became ready");
      rd_kafka_poll(rk, 500);
    }
    std::vector<int> retry;
    size_t submitted = 0, done = 0;
    auto collect_one = [&]() {
      rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 120000);
      if (!ev) die("AlterConsumerGroupOffsets: no answer");
      int g = static_cast<int>(reinterpret_cast<intptr_t>(rd_kafka_event_opaque(ev)));
      ++done;
      if (rd_kafka_event_error(ev)) {
        if (!retriable(rd_kafka_event_error(ev)))
          die(std::string("AlterConsumerGroupOffsets: ") + rd_kafka_event_error_string(ev));
        retry.push_back(g);
        rd_kafka_event_destroy(ev);
        return;
      }
      size_t cnt = 0;
      const rd_kafka_group_result_t** gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
          rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &cnt);
      bool again = false;
      for (size_t i = 0; i < cnt; ++i) {
        if (const rd_kafka_error_t* e = rd_kafka_group_result_error(gr[i])) {
          if (!retriable(rd_kafka_error_code(e)))
            die(std::string("commit ") + rd_kafka_group_result_name(gr[i]) + ": " +
                rd_kafka_error_string(e));
          again = true;
        }
        const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(gr[i]);
        for (int j = 0; parts && j < parts->cnt; ++j) {
          rd_kafka_resp_err_t pe = parts->elems[j].err;
          if (!pe) continue;
          if (!retriable(pe))
            die(std::string("commit ") + rd_kafka_group_result_name(gr[i]) + ": " + rd_kafka_err2str(pe));
          again = true;
        }
      }
      if (again) retry.push_back(g);
      rd_kafka_event_destroy(ev);
    };
    for (int g : todo) {
      std::string group = a.group_prefix + "-" + std::to_string(g);
      std::string topic = topic_name(a, g % a.topics);
      rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(a.partitions);
      for (int p = 0; p < a.partitions; ++p)
        rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = a.commit;
      rd_kafka_AlterConsumerGroupOffsets_t* alter =
          rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), parts);
      rd_kafka_AdminOptions_t* opts =
          rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
      rd_kafka_AdminOptions_set_request_timeout(opts, 60000, err, sizeof err);
      rd_kafka_AdminOptions_set_opaque(opts, reinterpret_cast<void*>(static_cast<intptr_t>(g)));
      rd_kafka_AlterConsumerGroupOffsets(rk, &alter, 1, opts, q);
      rd_kafka_AdminOptions_destroy(opts);
      rd_kafka_AlterConsumerGroupOffsets_destroy(alter);
      rd_kafka_topic_partition_list_destroy(parts);
      ++submitted;
      while (submitted - done >= static_cast<size_t>(a.inflight)) collect_one();
    }
    while (done < submitted) collect_one();
    todo = retry;
  }
  rd_kafka_queue_destroy(q);
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  if (a.commit > a.records) die("--commit must be <= --records");
  auto t0 = std::chrono::steady_clock::now();
  auto secs = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  rd_kafka_t* rk = make_producer(a);
  create_topics(rk, a);
  double t_create = secs();
  wait_partitions(rk, a);
  if (a.records > 0) produce(rk, a);
  double t_produce = secs();
  if (a.groups > 0 && a.commit >= 0) commit_groups(rk, a);
  double t_commit = secs();
  rd_kafka_destroy(rk);
  std::printf(
      "{\"topics\":%d,\"partitions_per_topic\":%d,\"records_per_partition\":%d,\"groups\":%d,"
      "\"commit\":%d,\"create_s\":%.3f,\"produce_s\":%.3f,\"commit_s\":%.3f}\n",
      a.topics, a.partitions, a.records, a.groups, a.commit, t_create, t_produce - t_create,
      t_commit - t_produce);
  return 0;
}
