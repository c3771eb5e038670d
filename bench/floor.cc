// bench_floor: the least Kafka work that answers GetConsumerProgress for one group, issued back
// to back on librdkafka's C API, to measure what any implementation must pay:
//   1. ListConsumerGroupOffsets(group)                        -> committed offsets
//   2. rd_kafka_offsets_for_times(-1) on a read_uncommitted handle -> high watermarks
//      (librdkafka batches it per partition leader)
//   3. the record at committed-1 of each partition with committed > 0, through a plain
//      consumer's assign + poll (all partitions assigned at once)
//
//   bench_floor --bootstrap HOST:PORT --group G --iterations N [--warmup W]
//               [--records always|once|never]
//
// --records once reads the records only in the first iteration (like a cache keyed by
// (partition, offset): commits do not move during the benchmark); always reads them every time.
// Prints one JSON object: per-iteration totals (ms) and their percentiles, per step medians.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_floor: %s\n", what.c_str());
  std::exit(1);
}

rd_kafka_t* make(rd_kafka_type_t type, const std::string& bootstrap, bool uncommitted) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const char* v) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
  };
  set("bootstrap.servers", bootstrap.c_str());
  set("log_level", "3");
  if (type == RD_KAFKA_CONSUMER) {
    set("enable.auto.commit", "false");
    set("enable.auto.offset.store", "false");
    set("fetch.wait.max.ms", "10");
    set("enable.partition.eof", "true");
    if (uncommitted) set("isolation.level", "read_uncommitted");
    set("group.id", "bench-floor-reader");  // assign() needs one; it never joins or commits
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) die(err);
  return rk;
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100.0 * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string bootstrap = "127.0.0.1:9092", group, records_mode = "once";
  int iterations = 50, warmup = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--bootstrap") bootstrap = v;
    else if (k == "--group") group = v;
    else if (k == "--iterations") iterations = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--records") records_mode = v;
    else die("unknown option " + k);
  }
  if (group.empty()) die("--group is required");

  rd_kafka_t* admin = make(RD_KAFKA_PRODUCER, bootstrap, false);
  rd_kafka_t* ends = make(RD_KAFKA_CONSUMER, bootstrap, true);   // read_uncommitted: the HWM
  rd_kafka_t* reader = make(RD_KAFKA_CONSUMER, bootstrap, true);  // records at committed-1
  rd_kafka_poll_set_consumer(reader);
  rd_kafka_queue_t* q = rd_kafka_queue_new(admin);
  std::map<std::pair<std::string, int32_t>, int64_t> ts_cache;  // (tp) -> timestamp of c-1

  std::vector<double> total, t_list, t_end, t_rec;
  int64_t lag_sum = 0;
  size_t partitions = 0, records_read = 0;
  for (int it = 0; it < warmup + iterations; ++it) {
    auto t0 = std::chrono::steady_clock::now();
    // 1. committed offsets
    char err[512];
    rd_kafka_ListConsumerGroupOffsets_t* req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(admin, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_AdminOptions_set_request_timeout(opts, 30000, err, sizeof err);
    rd_kafka_ListConsumerGroupOffsets(admin, &req, 1, opts, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 60000);
    if (!ev || rd_kafka_event_error(ev)) die("ListConsumerGroupOffsets failed");
    size_t cnt = 0;
    const rd_kafka_group_result_t** gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &cnt);
    if (cnt != 1 || rd_kafka_group_result_error(gr[0])) die("ListConsumerGroupOffsets: group error");
    rd_kafka_topic_partition_list_t* committed =
        rd_kafka_topic_partition_list_copy(rd_kafka_group_result_partitions(gr[0]));
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    double a = ms_since(t0);

    // 2. end offsets (offsets_for_times with -1 = latest), batched per leader by librdkafka
    rd_kafka_topic_partition_list_t* end = rd_kafka_topic_partition_list_new(committed->cnt);
    for (int i = 0; i < committed->cnt; ++i)
      if (committed->elems[i].offset >= 0)
        rd_kafka_topic_partition_list_add(end, committed->elems[i].topic, committed->elems[i].partition)
            ->offset = -1;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(ends, end, 30000);
    if (e) die(std::string("offsets_for_times: ") + rd_kafka_err2str(e));
    double b = ms_since(t0);

    // 3. records at committed-1 (only where not cached, in --records once mode)
    rd_kafka_topic_partition_list_t* assign = rd_kafka_topic_partition_list_new(committed->cnt);
    for (int i = 0; i < committed->cnt; ++i) {
      const auto& c = committed->elems[i];
      if (c.offset <= 0) continue;
      bool cached = ts_cache.count({c.topic, c.partition}) > 0;
      if (records_mode == "never" || (records_mode == "once" && cached)) continue;
      rd_kafka_topic_partition_list_add(assign, c.topic, c.partition)->offset = c.offset - 1;
    }
    if (assign->cnt > 0) {
      std::map<std::pair<std::string, int32_t>, bool> want;
      for (int i = 0; i < assign->cnt; ++i) want[{assign->elems[i].topic, assign->elems[i].partition}] = true;
      if (rd_kafka_assign(reader, assign)) die("assign failed");
      size_t got = 0;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
      while (got < want.size()) {
        if (std::chrono::steady_clock::now() > deadline) die("record reads timed out");
        rd_kafka_message_t* m = rd_kafka_consumer_poll(reader, 100);
        if (!m) continue;
        if (!m->err) {
          auto key = std::make_pair(std::string(rd_kafka_topic_name(m->rkt)), m->partition);
          auto w = want.find(key);
          if (w != want.end() && w->second) {
            w->second = false;
            ++got;
            ts_cache[key] = rd_kafka_message_timestamp(m, nullptr);
            ++records_read;
          }
        }
        rd_kafka_message_destroy(m);
      }
      rd_kafka_assign(reader, nullptr);
    }
    double c = ms_since(t0);

    lag_sum = 0;
    std::map<std::pair<std::string, int32_t>, int64_t> hw;
    for (int i = 0; i < end->cnt; ++i) hw[{end->elems[i].topic, end->elems[i].partition}] = end->elems[i].offset;
    for (int j = 0; j < committed->cnt; ++j) {
      auto h = hw.find({committed->elems[j].topic, committed->elems[j].partition});
      if (h != hw.end() && committed->elems[j].offset >= 0)
        lag_sum += std::max<int64_t>(0, h->second - committed->elems[j].offset);
    }
    partitions = static_cast<size_t>(committed->cnt);
    rd_kafka_topic_partition_list_destroy(assign);
    rd_kafka_topic_partition_list_destroy(end);
    rd_kafka_topic_partition_list_destroy(committed);
    if (it >= warmup) {
      total.push_back(c);
      t_list.push_back(a);
      t_end.push_back(b - a);
      t_rec.push_back(c - b);
    }
  }
  std::printf(
      "{\"group\":\"%s\",\"records\":\"%s\",\"partitions\":%zu,\"total_lag\":%lld,"
      "\"iterations\":%d,\"records_read\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"min_ms\":%.3f,"
      "\"max_ms\":%.3f,\"list_p50_ms\":%.3f,\"end_p50_ms\":%.3f,\"records_p50_ms\":%.3f}\n",
      group.c_str(), records_mode.c_str(), partitions, static_cast<long long>(lag_sum), iterations,
      records_read, pct(total, 50), pct(total, 99), pct(total, 0), pct(total, 100), pct(t_list, 50),
      pct(t_end, 50), pct(t_rec, 50));
  rd_kafka_queue_destroy(q);
  rd_kafka_consumer_close(reader);
  rd_kafka_destroy(reader);
  rd_kafka_destroy(ends);
  rd_kafka_destroy(admin);
  return 0;
}
