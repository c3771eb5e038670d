#include "fake_kafka_client.h"

namespace kprogress::testing {

void FakeKafkaClient::create_topic(const std::string& topic, int32_t partitions) {
  topics_[topic].resize(partitions);
}

FakePartition& FakeKafkaClient::partition(const std::string& topic, int32_t p) {
  auto& parts = topics_[topic];
  if (static_cast<int32_t>(parts.size()) <= p) parts.resize(p + 1);
  return parts[p];
}

void FakeKafkaClient::produce(const std::string& topic, int32_t p, int n, int64_t ts0) {
  FakePartition& part = partition(topic, p);
  for (int i = 0; i < n; ++i) part.records.push_back({part.high_watermark++, ts0 + i, false});
}

void FakeKafkaClient::add_marker(const std::string& topic, int32_t p) {
  FakePartition& part = partition(topic, p);
  part.records.push_back({part.high_watermark++, 0, true});
}

void FakeKafkaClient::commit(const std::string& group, const std::string& topic, int32_t p,
                             int64_t offset) {
  groups_[group].commits[{topic, PartitionId(p)}] = offset;
}

Result<std::vector<GroupListing>> FakeKafkaClient::list_groups(Deadline) {
  if (fail_all) return *fail_all;
  std::vector<GroupListing> out;
  for (const auto& [id, g] : groups_) out.push_back({id, g.state, false});
  return out;
}

Result<std::vector<GroupDescription>> FakeKafkaClient::describe_groups(
    const std::vector<std::string>& ids, Deadline) {
  if (fail_all) return *fail_all;
  for (const auto& id : ids) {
    if (auto it = fail_describe.find(id); it != fail_describe.end()) return it->second;
  }
  std::vector<GroupDescription> out;
  for (const auto& id : ids) {
    GroupDescription d;
    d.group_id = id;
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      d.state = GroupState::kDead;
    } else {
      d.state = it->second.state;
      d.members = it->second.members;
    }
    out.push_back(d);
  }
  return out;
}

Result<std::vector<CommittedOffset>> FakeKafkaClient::committed_offsets(const std::string& id,
                                                                        Deadline) {
  if (on_committed_offsets) on_committed_offsets();
  if (fail_all) return *fail_all;
  std::vector<CommittedOffset> out;
  auto it = groups_.find(id);
  if (it == groups_.end()) return out;
  for (const auto& [tp, off] : it->second.commits) out.push_back({tp, Offset(off), ""});
  return out;
}

Result<std::vector<Watermarks>> FakeKafkaClient::watermarks(
    const std::vector<TopicPartition>& partitions, Deadline) {
  if (fail_all) return *fail_all;
  std::vector<Watermarks> out;
  for (const auto& tp : partitions) {
    auto it = topics_.find(tp.topic);
    if (it == topics_.end() || tp.partition.value() >= static_cast<int32_t>(it->second.size())) {
      return Error::unavailable("unknown partition " + tp.to_string());
    }
    const auto& p = it->second[tp.partition.value()];
    out.push_back({tp, Offset(p.log_start), Offset(p.high_watermark)});
  }
  return out;
}

Result<std::vector<TopicInfo>> FakeKafkaClient::topics(const std::vector<std::string>& names,
                                                       Deadline) {
  if (fail_all) return *fail_all;
  std::vector<TopicInfo> out;
  for (const auto& n : names) {
    auto it = topics_.find(n);
    if (it != topics_.end()) out.push_back({n, static_cast<int32_t>(it->second.size())});
  }
  return out;
}

Result<std::vector<RecordRangeResult>> FakeKafkaClient::newest_records(
    const std::vector<RecordRangeQuery>& queries, Deadline) {
  if (fail_all) return *fail_all;
  ++newest_records_calls;
  std::vector<RecordRangeResult> out;
  for (const auto& q : queries) {
    RecordRangeResult r{q.tp, std::nullopt, std::nullopt};
    const auto& p = partition(q.tp.topic, q.tp.partition.value());
    if (q.from.value() < p.log_start) {
      r.error =
          Error::not_found("offset " + std::to_string(q.from.value()) + " is below the log start");
    } else {
      for (const auto& rec : p.records) {
        if (rec.offset < q.from.value() || rec.offset >= q.until.value() || rec.marker) continue;
        if (rec.offset < p.log_start) continue;
        if (q.pick == RecordPick::kOldest && r.record) break;
        r.record = RecordRef{Offset(rec.offset), TimestampMs(rec.timestamp)};
      }
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace kprogress::testing
