#include "kafka/rdkafka/rdkafka_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "kafka/rdkafka/admin_calls.h"
#include "kafka/rdkafka/errors.h"
#include "kafka/rdkafka/watermark_query.h"
#include "kafka/wire/wire_client.h"

namespace kprogress {
namespace {

constexpr int kSocketTimeoutMs = 10000;

// Properties whose value decides whether the answers are right; callers may not change them.
const std::set<std::string>& reserved_properties() {
  static const std::set<std::string> names = {
      "bootstrap.servers", "metadata.broker.list", "client.id",
      "group.id",          "isolation.level",      "enable.auto.commit",
      "auto.offset.reset", "enable.partition.eof", "enable.auto.offset.store"};
  return names;
}

// kprogress's own requests speak plaintext only (no TLS, no SASL).
bool is_plaintext(const RdKafkaOptions& options) {
  auto it = options.properties.find("security.protocol");
  if (it == options.properties.end()) return true;
  std::string v = it->second;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "plaintext";
}

// Asks with kprogress's own requests, in half the time left at most so that librdkafka's call
// still has time should they fail; a failure is logged and returned for the caller to fall back.
template <typename Ask>
auto ask_own_first(const char* what, rdk::ConnectionState& state, Deadline deadline, Ask&& ask) {
  auto own = ask(deadline.capped(std::chrono::milliseconds(deadline.remaining_ms() / 2)));
  if (own) {
    state.on_answer();
  } else {
    spdlog::debug("{} of kprogress's own failed, asking through librdkafka: {}", what,
                  own.error().message);
  }
  return own;
}

}  // namespace

struct RdKafkaClient::LeaderMap {
  std::unordered_map<std::string, std::vector<int32_t>> leader_of;  // by partition id; -1: none
  std::unordered_map<int32_t, wire::BrokerAddress> brokers;
};

RdKafkaClient::RdKafkaClient(std::unique_ptr<rdk::ConnectionState> state)
    : state_(std::move(state)), pending_(std::make_unique<rdk::PendingRequests>()) {}

RdKafkaClient::~RdKafkaClient() {
  pending_.reset();  // its queues belong to query_
  reader_.reset();
  query_.reset();
  latest_.reset();
}

Result<std::unique_ptr<KafkaClient>> RdKafkaClient::create(const RdKafkaOptions& options) {
  if (options.bootstrap_servers.empty()) {
    return Error::invalid_argument("bootstrap servers are empty");
  }
  if (options.reader_name.empty()) return Error::invalid_argument("reader name is empty");
  for (const auto& [key, value] : options.properties) {
    if (reserved_properties().count(key) != 0) {
      return Error::invalid_argument("librdkafka property " + key +
                                     " is set by kprogress and cannot be overridden");
    }
  }
  std::unique_ptr<RdKafkaClient> client(
      new RdKafkaClient(std::make_unique<rdk::ConnectionState>(options.bootstrap_servers)));

  // read_uncommitted: ListOffsets LATEST must be the high watermark, not the last stable offset.
  std::map<std::string, std::string> query_properties = {{"isolation.level", "read_uncommitted"},
                                                         {"enable.auto.commit", "false"},
                                                         {"allow.auto.create.topics", "false"}};
  // A group id that is never joined, only so that the handle has a consumer group object:
  // librdkafka 2.0.2 answers a NOT_COORDINATOR (or coordinator loading / not available) in an
  // admin OffsetFetch by asking the handle's consumer group to look up its coordinator again,
  // and without one it dereferences NULL (rd_kafka_cgrp_op from rd_kafka_handle_OffsetFetch,
  // seen when a coordinator moves; librdkafka issue #5040). With one, that lookup is harmless.
  query_properties["group.id"] = "__kprogress-query-" + options.reader_name;
  // Coordinator requests run with librdkafka's longest admin timeout (pending_requests.h), so
  // what bounds a request to a broker that accepted it but does not answer (frozen, overloaded)
  // is socket.timeout.ms: 10 s rather than 60 s, unless the configuration says otherwise.
  if (options.properties.count("socket.timeout.ms") == 0) {
    query_properties["socket.timeout.ms"] = std::to_string(kSocketTimeoutMs);
  }
  auto query = rdk::make_handle(RD_KAFKA_CONSUMER, options, query_properties, client->state_.get());
  if (!query) return query.error();
  client->query_ = std::move(*query);
  // A broker answers one request per connection at a time, in order: ListOffsets(latest) on a
  // handle (a connection) of its own runs beside ListOffsets(earliest) on the query handle
  // instead of after it.
  // It makes no coordinator calls, so it needs no group id (and no coordinator lookups).
  std::map<std::string, std::string> latest_properties = query_properties;
  latest_properties.erase("group.id");
  auto latest =
      rdk::make_handle(RD_KAFKA_CONSUMER, options, latest_properties, client->state_.get());
  if (!latest) return latest.error();
  client->latest_ = std::move(*latest);

  client->own_requests_min_partitions_ = options.own_requests_min_partitions;
  if (is_plaintext(options)) {
    if (auto brokers = wire::parse_bootstrap(options.bootstrap_servers)) {
      client->wire_ = std::make_unique<wire::WireClient>(std::move(*brokers), options.client_id);
    }
  }

  auto reader = rdk::make_handle(RD_KAFKA_CONSUMER, options,
                                 rdk::reader_properties(options.reader_name), client->state_.get());
  if (!reader) return reader.error();
  RdKafkaClient* self = client.get();
  client->reader_ =
      std::make_unique<rdk::RecordReader>(std::move(*reader), *client->state_,
                                          [self](const std::vector<TopicPartition>& tps,
                                                 Deadline d) { return self->watermarks(tps, d); });
  return std::unique_ptr<KafkaClient>(std::move(client));
}

Result<std::vector<GroupListing>> RdKafkaClient::list_groups(Deadline deadline) {
  return rdk::list_groups({query_.get(), state_.get(), pending_.get()}, deadline);
}

Result<std::vector<GroupDescription>> RdKafkaClient::describe_groups(
    const std::vector<std::string>& group_ids, Deadline deadline) {
  if (group_ids.empty()) return std::vector<GroupDescription>{};
  return rdk::describe_groups({query_.get(), state_.get(), pending_.get()}, group_ids, deadline);
}

Result<std::vector<CommittedOffset>> RdKafkaClient::committed_offsets(const std::string& group_id,
                                                                      Deadline deadline) {
  if (group_id.empty()) return Error::invalid_argument("group id is empty");
  if (wire_ && large_group(group_id)) {
    auto own = ask_own_first("OffsetFetch", *state_, deadline,
                             [&](Deadline d) { return wire_->committed_offsets(group_id, d); });
    if (own) {
      note_answer_size(group_id, own->size());
      return own;
    }
  }
  auto answer =
      rdk::committed_offsets({query_.get(), state_.get(), pending_.get()}, group_id, deadline);
  if (answer) note_answer_size(group_id, answer->size());
  return answer;
}

bool RdKafkaClient::large_group(const std::string& group_id) {
  if (own_requests_min_partitions_ == 0) return true;
  std::lock_guard lock(large_groups_mu_);
  return large_groups_.count(group_id) != 0;
}

void RdKafkaClient::note_answer_size(const std::string& group_id, size_t partitions) {
  if (own_requests_min_partitions_ == 0) return;
  std::lock_guard lock(large_groups_mu_);
  if (partitions >= own_requests_min_partitions_) {
    large_groups_.insert(group_id);
  } else {
    large_groups_.erase(group_id);
  }
}

Result<std::vector<Watermarks>> RdKafkaClient::watermarks(
    const std::vector<TopicPartition>& partitions, Deadline deadline) {
  if (wire_ && partitions.size() >= own_requests_min_partitions_ && !partitions.empty()) {
    auto own = ask_own_first("ListOffsets", *state_, deadline,
                             [&](Deadline d) { return own_watermarks(partitions, d); });
    if (own) return own;
  }
  return rdk::query_watermarks(latest_.get(), query_.get(), *state_, partitions, deadline);
}

Result<std::vector<Watermarks>> RdKafkaClient::own_watermarks(
    const std::vector<TopicPartition>& partitions, Deadline deadline) {
  std::shared_ptr<const LeaderMap> leaders;
  {
    std::lock_guard lock(leaders_mu_);
    leaders = leaders_;
  }
  if (!leaders) return Error::unavailable("no Metadata answer to take the leaders from yet");

  std::vector<TopicPartition> unique;
  std::unordered_set<TopicPartition, TopicPartitionHash> seen;
  std::map<int32_t, std::map<std::string, std::vector<int32_t>>> by_leader;
  for (const auto& tp : partitions) {
    if (!seen.insert(tp).second) continue;
    unique.push_back(tp);
    auto t = leaders->leader_of.find(tp.topic);
    const int32_t p = tp.partition.value();
    if (t == leaders->leader_of.end() || p < 0 || static_cast<size_t>(p) >= t->second.size() ||
        t->second[static_cast<size_t>(p)] < 0) {
      return Error::unavailable("the last Metadata answer names no leader for " + tp.to_string());
    }
    by_leader[t->second[static_cast<size_t>(p)]][tp.topic].push_back(p);
  }
  std::vector<wire::WireClient::LeaderPartitions> requests;
  for (auto& [leader, topics] : by_leader) {
    auto b = leaders->brokers.find(leader);
    if (b == leaders->brokers.end()) {
      return Error::unavailable("the last Metadata answer has no address for broker " +
                                std::to_string(leader));
    }
    wire::WireClient::LeaderPartitions r{b->second, {}};
    for (auto& [topic, ids] : topics) r.topics.push_back({topic, std::move(ids)});
    requests.push_back(std::move(r));
  }
  // Latest and earliest at once: the pool gives each its own connection.
  auto latest = std::async(std::launch::async,
                           [&] { return wire_->list_offsets(requests, wire::kLatest, deadline); });
  auto earliest = wire_->list_offsets(requests, wire::kEarliest, deadline);
  auto high = latest.get();
  if (!high) return high.error();
  if (!earliest) return earliest.error();

  std::unordered_map<TopicPartition, std::pair<int64_t, int64_t>, TopicPartitionHash> offsets;
  offsets.reserve(unique.size());
  auto slot = [&](wire::ListedOffset& o) -> std::pair<int64_t, int64_t>& {  // (low, high)
    return offsets.try_emplace({std::move(o.topic), PartitionId(o.partition)}, -1, -1)
        .first->second;
  };
  for (auto& o : *high) slot(o).second = o.offset;
  for (auto& o : *earliest) slot(o).first = o.offset;
  std::vector<Watermarks> out;
  out.reserve(unique.size());
  for (const auto& tp : unique) {
    auto it = offsets.find(tp);
    if (it == offsets.end() || it->second.first < 0 || it->second.second < 0) {
      return Error::unavailable("ListOffsets answered no offsets for " + tp.to_string());
    }
    out.push_back({tp, Offset(it->second.first), Offset(it->second.second)});
  }
  return out;
}

Result<std::vector<TopicInfo>> RdKafkaClient::topics(const std::vector<std::string>& names,
                                                     Deadline deadline) {
  if (names.empty()) return std::vector<TopicInfo>{};
  const int budget = deadline.remaining_ms();
  if (budget <= 0) return Error::deadline_exceeded("Metadata: no time left to ask");
  // All-topics metadata: one request, whose size grows with the cluster's topic count. Asking
  // per topic would need a topic handle each, which librdkafka then keeps refreshing.
  //
  // The latest handle learns the leaders only from its own Metadata requests: it asks beside the
  // query handle, so that after a leader moves (a broker died) its ListOffsets go to the new
  // leader too. Its answer only refreshes librdkafka's cache; a failure shows in ListOffsets.
  auto refresh_latest = std::async(std::launch::async, [this, budget] {
    const rd_kafka_metadata_t* latest_md = nullptr;
    (void)rd_kafka_metadata(latest_.get(), 1, nullptr, &latest_md, budget);
    rdk::MetadataPtr release(latest_md);
  });
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(query_.get(), 1, nullptr, &raw, budget);
  rdk::MetadataPtr md(raw);
  refresh_latest.wait();
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return rdk::no_answer_error(query_.get(), *state_, "Metadata", budget);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // librdkafka ends a metadata wait on a dead connection with _TRANSPORT; say why it died.
    rd_kafka_poll(query_.get(), 0);
    if (auto reason = state_->unreachable_reason()) {
      return Error::unavailable("Kafka at " + state_->bootstrap() + " is unreachable: " + *reason);
    }
    return rdk::error_from(err, "Metadata");
  }
  state_->on_answer();
  (void)state_->note_brokers(*md);
  std::unordered_map<std::string_view, const rd_kafka_metadata_topic_t*> by_name;
  by_name.reserve(static_cast<size_t>(md->topic_cnt));
  for (int i = 0; i < md->topic_cnt; ++i) by_name.emplace(md->topics[i].topic, &md->topics[i]);
  std::vector<TopicInfo> out;
  std::set<std::string> seen;
  size_t partitions = 0;
  for (const auto& name : names) {
    if (!seen.insert(name).second) continue;
    auto it = by_name.find(name);
    if (it == by_name.end()) continue;
    const rd_kafka_metadata_topic_t& t = *it->second;
    if (t.partition_cnt <= 0 || t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    out.push_back({name, t.partition_cnt});
    partitions += static_cast<size_t>(t.partition_cnt);
  }
  if (wire_ && partitions >= own_requests_min_partitions_) {
    // The leaders of these topics only, for own_watermarks() (which asks for as many
    // partitions): not the whole cluster's answer. A concurrent call about other topics may
    // replace them; own_watermarks() then finds no leader and librdkafka answers instead.
    auto leaders = std::make_shared<LeaderMap>();
    for (const auto& info : out) {
      const rd_kafka_metadata_topic_t& t = *by_name.at(info.topic);
      std::vector<int32_t>& of = leaders->leader_of[info.topic];
      of.assign(static_cast<size_t>(t.partition_cnt), -1);
      for (int p = 0; p < t.partition_cnt; ++p) {
        const int32_t id = t.partitions[p].id;
        if (id >= 0 && id < t.partition_cnt) of[static_cast<size_t>(id)] = t.partitions[p].leader;
      }
    }
    for (int i = 0; i < md->broker_cnt; ++i) {
      leaders->brokers[md->brokers[i].id] = {md->brokers[i].host, md->brokers[i].port};
    }
    std::lock_guard lock(leaders_mu_);
    leaders_ = std::move(leaders);
  }
  return out;
}

Result<std::vector<RecordRangeResult>> RdKafkaClient::newest_records(
    const std::vector<RecordRangeQuery>& queries, Deadline deadline) {
  return reader_->read(queries, deadline);
}

}  // namespace kprogress
