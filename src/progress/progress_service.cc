#include "progress/progress_service.h"

#include <algorithm>
#include <future>
#include <set>
#include <unordered_map>

#include "progress/lag_math.h"

namespace kprogress {
namespace {

std::string strip_slash(const std::string& host) {
  return !host.empty() && host[0] == '/' ? host.substr(1) : host;
}

bool group_is_listed(KafkaClient& kafka, const std::string& group_id, Deadline deadline,
                     Result<void>& status) {
  auto groups = kafka.list_groups(deadline);
  if (!groups) {
    status = groups.error().with_context("listing groups");
    return false;
  }
  return std::any_of(groups->begin(), groups->end(),
                     [&](const GroupListing& g) { return g.group_id == group_id; });
}

}  // namespace

Result<GroupProgress> ProgressService::group_progress(const std::string& group_id,
                                                      Deadline deadline,
                                                      const ProgressOptions& options) {
  // The description (one coordinator round trip) runs while the offsets are fetched.
  auto describe =
      std::async(std::launch::async, [&] { return kafka_.describe_groups({group_id}, deadline); });
  auto committed = kafka_.committed_offsets(group_id, deadline);
  auto described = describe.get();
  if (!committed) return committed.error().with_context("reading committed offsets of " + group_id);
  if (!described) return described.error().with_context("describing group " + group_id);

  GroupProgress out;
  out.group_id = group_id;
  if (!described->empty()) {
    const GroupDescription& d = described->front();
    out.state = d.state;
    out.is_simple = d.is_simple;
    out.members = d.members;
  }

  // Kafka answers an unknown group with no offsets and state Dead; only the group listing can
  // then tell "exists without commits" (and groups of the new consumer protocol, which
  // librdkafka 2.0.2 describes as Dead) from "does not exist".
  if (committed->empty() && out.state == GroupState::kDead && out.members.empty()) {
    Result<void> status;
    if (!group_is_listed(kafka_, group_id, deadline, status)) {
      if (!status) return status.error();
      return Error::not_found("consumer group " + group_id + " does not exist");
    }
  }

  // Every partition of every topic the group has commits on or is assigned.
  std::set<std::string> topic_names;
  for (const auto& c : *committed) topic_names.insert(c.tp.topic);
  for (const auto& m : out.members)
    for (const auto& tp : m.assignment) topic_names.insert(tp.topic);
  if (topic_names.empty()) {
    aggregate(out);
    out.computed_at_ms = clock_.now_ms();
    return out;
  }

  auto topics = kafka_.topics({topic_names.begin(), topic_names.end()}, deadline);
  if (!topics) return topics.error().with_context("reading topic metadata");
  std::unordered_map<std::string, int32_t> partition_count;
  for (const auto& t : *topics) partition_count[t.topic] = t.partition_count;

  std::map<TopicPartition, PartitionProgress> parts;
  std::vector<TopicPartition> live;
  for (const auto& name : topic_names) {
    auto it = partition_count.find(name);
    if (it == partition_count.end()) continue;
    for (int32_t p = 0; p < it->second; ++p) {
      TopicPartition tp{name, PartitionId(p)};
      parts[tp].tp = tp;
      live.push_back(tp);
    }
  }
  std::set<std::string> deleted_topics;
  for (const auto& c : *committed) {
    auto it = parts.find(c.tp);
    if (it == parts.end()) {
      // A commit on a topic (or partition) that no longer exists: no log to measure against.
      deleted_topics.insert(c.tp.topic);
      continue;
    }
    it->second.committed = c.offset;
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

  auto marks = kafka_.watermarks(live, deadline);
  if (!marks) return marks.error().with_context("reading log end offsets");
  for (const auto& w : *marks) {
    auto it = parts.find(w.tp);
    if (it == parts.end()) continue;
    it->second.log_start = w.log_start;
    it->second.high_watermark = w.high_watermark;
  }

  std::vector<PartitionProgress*> with_commit;
  for (auto& [tp, p] : parts) {
    if (!p.committed) continue;
    p.lag = partition_lag(*p.committed, p.high_watermark);
    with_commit.push_back(&p);
  }
  if (options.want_last_timestamp) {
    if (auto r = resolve_last_timestamps(with_commit, deadline); !r) {
      return r.error().with_context("reading the last consumed records");
    }
  }

  std::map<std::string, TopicProgress> by_topic;
  for (auto& [tp, p] : parts) {
    auto& t = by_topic[tp.topic];
    t.topic = tp.topic;
    t.partitions.push_back(std::move(p));
  }
  for (const auto& name : deleted_topics) {
    if (by_topic.count(name)) continue;
    TopicProgress t;
    t.topic = name;
    t.exists = false;
    by_topic[name] = std::move(t);
  }
  for (auto& [name, t] : by_topic) out.topics.push_back(std::move(t));
  aggregate(out);
  out.computed_at_ms = clock_.now_ms();
  return out;
}

Result<void> ProgressService::resolve_last_timestamps(std::vector<PartitionProgress*>& partitions,
                                                      Deadline deadline) {
  struct Search {
    PartitionProgress* p;
    Offset from;
  };
  std::vector<Search> pending;
  for (PartitionProgress* p : partitions) {
    const LastTimestampPlan plan = plan_last_timestamp(*p->committed, p->log_start);
    if (plan.known) {
      p->last_timestamp = *plan.known;
      continue;
    }
    {
      std::lock_guard lock(cache_mu_);
      auto it = timestamp_cache_.find({p->tp, p->committed->value()});
      if (it != timestamp_cache_.end() && it->second.offset >= p->log_start) {
        p->last_timestamp = it->second.timestamp.value();
        p->last_record_offset = it->second.offset;
        continue;
      }
    }
    pending.push_back({p, Offset(p->committed->value() - 1)});
  }

  // Each round asks, for every unresolved partition, the newest record of a window below the
  // committed offset; windows that hold only transaction markers or compacted-away records
  // widen (doubling) towards the log start.
  while (!pending.empty()) {
    std::vector<RecordRangeQuery> queries;
    queries.reserve(pending.size());
    for (const auto& s : pending) queries.push_back({s.p->tp, s.from, *s.p->committed});
    auto results = kafka_.newest_records(queries, deadline);
    if (!results) return results.error();
    if (results->size() != pending.size()) {
      return Error::internal("newest_records answered " + std::to_string(results->size()) + " of " +
                             std::to_string(pending.size()) + " queries");
    }
    std::vector<Search> next;
    for (size_t i = 0; i < pending.size(); ++i) {
      Search s = pending[i];
      const RecordRangeResult& r = (*results)[i];
      if (r.error) {
        // The range fell below the log start while we looked: retention removed the record.
        if (r.error->code == ErrorCode::kNotFound) {
          s.p->last_timestamp = kTimestampUnknown;
          continue;
        }
        return r.error->with_context(s.p->tp.to_string());
      }
      if (r.record) {
        s.p->last_timestamp = r.record->timestamp.value();
        s.p->last_record_offset = r.record->offset;
        std::lock_guard lock(cache_mu_);
        if (timestamp_cache_.size() >= kMaxCachedTimestamps) timestamp_cache_.clear();
        timestamp_cache_[{s.p->tp, s.p->committed->value()}] = *r.record;
        continue;
      }
      auto wider = widen_search(*s.p->committed, s.from, s.p->log_start);
      if (!wider) {
        s.p->last_timestamp = kTimestampUnknown;  // no data record left below the commit
        continue;
      }
      s.from = *wider;
      next.push_back(s);
    }
    pending = std::move(next);
  }
  return {};
}

}  // namespace kprogress
