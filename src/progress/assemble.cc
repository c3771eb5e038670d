#include "progress/assemble.h"

#include "progress/lag_math.h"

namespace kprogress {
namespace {

std::string strip_slash(const std::string& host) {
  return !host.empty() && host[0] == '/' ? host.substr(1) : host;
}

}  // namespace

std::set<std::string> topics_of(const GroupInputs& group) {
  std::set<std::string> out;
  for (const auto& c : group.committed) out.insert(c.tp.topic);
  if (group.description) {
    for (const auto& m : group.description->members)
      for (const auto& tp : m.assignment) out.insert(tp.topic);
  }
  return out;
}

bool looks_absent(const GroupInputs& group) {
  if (!group.committed.empty()) return false;
  if (!group.description) return true;
  return group.description->state == GroupState::kDead && group.description->members.empty();
}

std::vector<TopicPartition> partitions_of(
    const std::set<std::string>& topics,
    const std::unordered_map<std::string, int32_t>& partition_counts) {
  std::vector<TopicPartition> out;
  for (const auto& name : topics) {
    auto it = partition_counts.find(name);
    if (it == partition_counts.end()) continue;
    for (int32_t p = 0; p < it->second; ++p) out.push_back({name, PartitionId(p)});
  }
  return out;
}

GroupProgress assemble_group(const GroupInputs& group,
                             const std::unordered_map<std::string, int32_t>& partition_counts,
                             const std::map<TopicPartition, Watermarks>& marks) {
  GroupProgress out;
  out.group_id = group.group_id;
  if (group.description) {
    out.state = group.description->state;
    out.is_simple = group.description->is_simple;
    out.members = group.description->members;
  }
  const std::set<std::string> topics = topics_of(group);
  std::map<TopicPartition, PartitionProgress> parts;
  for (const auto& tp : partitions_of(topics, partition_counts)) {
    PartitionProgress& p = parts[tp];
    p.tp = tp;
    if (auto m = marks.find(tp); m != marks.end()) {
      p.log_start = m->second.log_start;
      p.high_watermark = m->second.high_watermark;
    }
  }
  std::set<std::string> deleted;
  for (const auto& c : group.committed) {
    auto it = parts.find(c.tp);
    if (it == parts.end()) {
      // A commit on a topic (or partition) that no longer exists: no log to measure against.
      deleted.insert(c.tp.topic);
      continue;
    }
    it->second.committed = c.offset;
    it->second.lag = partition_lag(c.offset, it->second.high_watermark);
  }
  for (const auto& m : out.members) {
    for (const auto& tp : m.assignment) {
      auto it = parts.find(tp);
      if (it == parts.end()) continue;
      it->second.member_id = m.member_id;
      it->second.client_id = m.client_id;
      it->second.host = strip_slash(m.host);
    }
  }
  std::map<std::string, TopicProgress> by_topic;
  for (auto& [tp, p] : parts) {
    TopicProgress& t = by_topic[tp.topic];
    t.topic = tp.topic;
    t.partitions.push_back(std::move(p));
  }
  for (const auto& name : deleted) {
    if (by_topic.count(name)) continue;
    TopicProgress& t = by_topic[name];
    t.topic = name;
    t.exists = false;
  }
  for (auto& [name, t] : by_topic) out.topics.push_back(std::move(t));
  aggregate(out);
  return out;
}

}  // namespace kprogress
