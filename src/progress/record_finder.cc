#include "progress/record_finder.h"

#include <unordered_map>

#include "progress/lag_math.h"

namespace kprogress {
namespace {

struct QueryHash {
  size_t operator()(const RecordRangeQuery& q) const {
    size_t h = TopicPartitionHash()(q.tp);
    h = h * 31 + std::hash<int64_t>()(q.from.value());
    h = h * 31 + std::hash<int64_t>()(q.until.value());
    return h * 2 + (q.pick == RecordPick::kNewest ? 1 : 0);
  }
};
struct QueryEq {
  bool operator()(const RecordRangeQuery& a, const RecordRangeQuery& b) const {
    return a.tp == b.tp && a.from == b.from && a.until == b.until && a.pick == b.pick;
  }
};

}  // namespace

Result<std::vector<RecordRangeResult>> RecordFinder::read_unique(
    const std::vector<RecordRangeQuery>& queries, Deadline deadline) {
  // Many groups often wait at the same offset of the same partition (caught up at its end, or
  // committed together): the record is read once. The reader would otherwise take repeats of a
  // partition in later rounds, one round trip each.
  std::vector<RecordRangeQuery> unique;
  std::vector<size_t> slot(queries.size());
  std::unordered_map<RecordRangeQuery, size_t, QueryHash, QueryEq> seen;
  seen.reserve(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    auto [it, added] = seen.try_emplace(queries[i], unique.size());
    if (added) unique.push_back(queries[i]);
    slot[i] = it->second;
  }
  auto results = kafka_.newest_records(unique, deadline);
  {
    std::lock_guard lock(mu_);
    reads_ += unique.size();
    ++calls_;
  }
  if (!results) return results.error();
  if (results->size() != unique.size()) {
    return Error::internal("the record reader answered " + std::to_string(results->size()) +
                           " of " + std::to_string(unique.size()) + " queries");
  }
  std::vector<RecordRangeResult> out;
  out.reserve(queries.size());
  for (size_t i : slot) out.push_back((*results)[i]);
  return out;
}

uint64_t RecordFinder::reads() const {
  std::lock_guard lock(mu_);
  return reads_;
}

size_t RecordFinder::KeyHash::operator()(const Key& k) const {
  // The flat map mixes the bits itself (this hash does not claim to avalanche).
  const uint64_t h = (uint64_t{k.topic} << 32) ^ static_cast<uint32_t>(k.partition);
  return static_cast<size_t>(h ^ (static_cast<uint64_t>(k.committed) * 0x9E3779B97F4A7C15ull));
}

RecordFinder::Key RecordFinder::key_of(const TopicPartition& tp, Offset committed) {
  auto [it, added] = topic_ids_.try_emplace(tp.topic, static_cast<uint32_t>(topic_ids_.size()));
  return {it->second, tp.partition.value(), committed.value()};
}

std::optional<RecordRef> RecordFinder::cached(Cache& cache, const TopicPartition& tp,
                                              Offset committed, bool* hit) {
  std::lock_guard lock(mu_);
  auto it = cache.find(key_of(tp, committed));
  *hit = it != cache.end();
  return *hit ? it->second : std::nullopt;
}

void RecordFinder::remember(Cache& cache, const TopicPartition& tp, Offset committed,
                            std::optional<RecordRef> value) {
  std::lock_guard lock(mu_);
  // Bounded: cleared wholesale when full; the next cycle reads what it needs again.
  if (cache.size() >= max_entries_) cache.clear();
  cache.insert_or_assign(key_of(tp, committed), value);
}

uint64_t RecordFinder::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

Result<void> RecordFinder::resolve_last(const std::vector<PartitionProgress*>& partitions,
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
      p->last_record_offset.reset();
      continue;
    }
    bool hit = false;
    auto c = cached(last_, p->tp, *p->committed, &hit);
    if (hit && c && c->offset >= p->log_start) {
      p->last_timestamp = c->timestamp.value();
      p->last_record_offset = c->offset;
      continue;
    }
    pending.push_back({p, Offset(p->committed->value() - 1)});
  }

  // Each round asks, for every unresolved partition, the newest record of a window below the
  // committed offset; windows that hold only transaction markers or compacted-away records
  // widen (doubling) towards the log start.
  while (!pending.empty()) {
    std::vector<RecordRangeQuery> queries;
    queries.reserve(pending.size());
    for (const auto& s : pending) {
      queries.push_back({s.p->tp, s.from, *s.p->committed, RecordPick::kNewest});
    }
    auto results = read_unique(queries, deadline);
    if (!results) return results.error();
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
        remember(last_, s.p->tp, *s.p->committed, r.record);
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

Result<std::vector<RecordFinder::Oldest>> RecordFinder::oldest_unconsumed(
    const std::vector<PartitionProgress*>& partitions, Deadline deadline) {
  std::vector<Oldest> out;
  std::vector<PartitionProgress*> to_read;
  for (PartitionProgress* p : partitions) {
    if (!p->committed || p->lag <= 0) continue;
    bool hit = false;
    auto c = cached(oldest_, p->tp, *p->committed, &hit);
    if (hit && c && c->offset >= p->log_start) {
      out.push_back({p, c});
      continue;
    }
    to_read.push_back(p);
  }
  if (to_read.empty()) return out;
  std::vector<RecordRangeQuery> queries;
  for (PartitionProgress* p : to_read) {
    // Records below the log start are gone: the oldest unconsumed one is at the log start.
    const Offset from(std::max(p->committed->value(), p->log_start.value()));
    queries.push_back({p->tp, from, p->high_watermark, RecordPick::kOldest});
  }
  auto results = read_unique(queries, deadline);
  if (!results) return results.error();
  for (size_t i = 0; i < to_read.size() && i < results->size(); ++i) {
    const RecordRangeResult& r = (*results)[i];
    if (r.error) {
      if (r.error->code == ErrorCode::kNotFound) {
        out.push_back({to_read[i], std::nullopt});  // raced with retention; next cycle knows
        continue;
      }
      return r.error->with_context(to_read[i]->tp.to_string());
    }
    // Only found records are cached: "nothing yet" changes as soon as something is produced.
    if (r.record) remember(oldest_, to_read[i]->tp, *to_read[i]->committed, r.record);
    out.push_back({to_read[i], r.record});
  }
  return out;
}

}  // namespace kprogress
