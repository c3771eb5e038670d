#include "progress/assemble.h"

#include <algorithm>
#include <memory>

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
                             const WatermarkMap& marks) {
  GroupProgress out;
  out.group_id = group.group_id;
  if (group.description) {
    out.state = group.description->state;
    out.is_simple = group.description->is_simple;
    out.members = group.description->members;
  }
  // Every partition of the group's live topics, indexed by partition number (a topic's
  // partitions are 0..count-1), in topics sorted by name.
  std::set<std::string> deleted;
  std::unordered_map<std::string, size_t> topic_index;
  for (const auto& name : topics_of(group)) {
    auto count = partition_counts.find(name);
    if (count == partition_counts.end()) continue;
    topic_index.emplace(name, out.topics.size());
    TopicProgress& t = out.topics.emplace_back();
    t.topic = name;
    t.partitions.resize(static_cast<size_t>(count->second));
    for (int32_t p = 0; p < count->second; ++p) {
      PartitionProgress& pp = t.partitions[static_cast<size_t>(p)];
      pp.tp = {name, PartitionId(p)};
      if (auto m = marks.find(pp.tp); m != marks.end()) {
        pp.log_start = m->second.log_start;
        pp.high_watermark = m->second.high_watermark;
      }
    }
  }
  const auto find = [&](const TopicPartition& tp) -> PartitionProgress* {
    auto t = topic_index.find(tp.topic);
    if (t == topic_index.end()) return nullptr;
    auto& parts = out.topics[t->second].partitions;
    const auto p = static_cast<size_t>(tp.partition.value());
    return tp.partition.value() >= 0 && p < parts.size() ? &parts[p] : nullptr;
  };
  for (const auto& c : group.committed) {
    PartitionProgress* p = find(c.tp);
    if (p == nullptr) {
      // A commit on a topic (or partition) that no longer exists: no log to measure against.
      deleted.insert(c.tp.topic);
      continue;
    }
    p->committed = c.offset;
    p->lag = partition_lag(c.offset, p->high_watermark);
  }
  for (const auto& m : out.members) {
    auto owner = std::make_shared<const PartitionOwner>(
        PartitionOwner{m.member_id, m.client_id, strip_slash(m.host)});
    for (const auto& tp : m.assignment) {
      if (PartitionProgress* p = find(tp)) p->owner = owner;
    }
  }
  for (const auto& name : deleted) {
    if (topic_index.count(name)) continue;
    TopicProgress& t = out.topics.emplace_back();
    t.topic = name;
    t.exists = false;
  }
  std::sort(out.topics.begin(), out.topics.end(),
            [](const TopicProgress& a, const TopicProgress& b) { return a.topic < b.topic; });
  aggregate(out);
  return out;
}

}  // namespace kprogress
