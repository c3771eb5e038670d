#include "progress/collector.h"

#include <malloc.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "kafka/counting_kafka_client.h"
#include "progress/assemble.h"
#include "progress/lag_math.h"

namespace kprogress {
namespace {

// Whether a live member owns the partition, when the group's state says for sure: a Stable group's
// assignment is complete, an Empty group has no members. During a rebalance, or when the group
// could not be described (or is of the KIP-848 protocol, which librdkafka 2.0.2 reports as Dead),
// it is unknown.
std::optional<bool> assigned(GroupState state, const PartitionProgress& p) {
  switch (state) {
    case GroupState::kStable: return p.owner != nullptr;
    case GroupState::kEmpty: return false;
    default: return std::nullopt;
  }
}

// After a cycle, the previous snapshot and the cycle's working data have just been freed; glibc
// keeps such pages resident for reuse. Handing them back keeps resident memory in step with what
// is tracked (bench/: bytes per group-partition) instead of with the busiest moment of a cycle.
void release_free_memory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace

GroupProgress GroupSnapshot::to_progress() const {
  GroupProgress g;
  g.group_id = group_id;
  g.state = state;
  g.members = members;
  g.computed_at_ms = updated_ms;
  std::map<std::string, TopicProgress> topics;
  for (const auto& p : partitions) {
    TopicProgress& t = topics[p.progress.tp.topic];
    t.topic = p.progress.tp.topic;
    t.partitions.push_back(p.progress);
  }
  for (auto& [name, t] : topics) g.topics.push_back(std::move(t));
  aggregate(g);
  return g;
}

Result<std::unique_ptr<Collector>> Collector::create(std::string instance_id, KafkaClient& kafka,
                                                     const Clock& clock, CollectorOptions options) {
  if (auto v = validate(options.evaluation); !v) return v.error();
  std::unique_ptr<Collector> c(new Collector(std::move(instance_id), kafka, clock, options));
  auto compile = [](const std::vector<std::string>& in,
                    std::vector<std::regex>& out) -> Result<void> {
    for (const auto& pattern : in) {
      try {
        out.emplace_back(pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return Error::invalid_argument("group pattern \"" + pattern +
                                       "\" is not a valid regex: " + e.what());
      }
    }
    return {};
  };
  if (auto r = compile(options.include, c->include_); !r) return r.error();
  if (auto r = compile(options.exclude, c->exclude_); !r) return r.error();
  return c;
}

Collector::Collector(std::string instance_id, KafkaClient& kafka, const Clock& clock,
                     CollectorOptions options)
    : instance_id_(std::move(instance_id)),
      kafka_(kafka),
      clock_(clock),
      options_(std::move(options)),
      records_(kafka) {
  auto empty = std::make_shared<InstanceSnapshot>();
  empty->instance_id = instance_id_;
  snapshot_ = empty;
}

Collector::~Collector() { stop(); }

std::shared_ptr<const InstanceSnapshot> Collector::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

bool Collector::tracked(const std::string& group_id) const {
  auto matches = [&](const std::vector<std::regex>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::regex& r) { return std::regex_match(group_id, r); });
  };
  if (!include_.empty() && !matches(include_)) return false;
  return !matches(exclude_);
}

void Collector::start() {
  std::lock_guard lock(run_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(run_mu_);
    while (!stopping_) {
      lock.unlock();
      run_cycle();
      release_free_memory();
      lock.lock();
      wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
    }
  });
}

void Collector::stop() {
  {
    std::lock_guard lock(run_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Collector::run_cycle() {
  std::lock_guard cycle_lock(cycle_mu_);
  CountingKafkaClient kafka(kafka_);
  const uint64_t reads_before = records_.reads();
  const uint64_t record_calls_before = records_.calls();
  const Deadline deadline = Deadline::after(options_.cycle_timeout);
  const int64_t started = clock_.now_ms();
  const auto previous = snapshot();

  auto next = std::make_shared<InstanceSnapshot>();
  next->instance_id = instance_id_;
  next->cycles = previous->cycles + 1;
  next->last_success_ms = previous->last_success_ms;
  CycleStats& stats = next->last_cycle;
  stats.started_ms = started;

  auto publish = [&] {
    stats.duration_ms = clock_.now_ms() - started;
    stats.kafka_calls = kafka.calls() + (records_.calls() - record_calls_before);
    stats.record_reads = records_.reads() - reads_before;
    std::lock_guard lock(mu_);
    snapshot_ = next;
  };
  auto fail_cycle = [&](const Error& e) {
    // Nothing new is known: keep every group as it was, and say why.
    next->groups = previous->groups;
    stats.error = e.message;
    stats.groups = next->groups.size();
    publish();
  };

  auto listed = kafka.list_groups(deadline);
  if (!listed) return fail_cycle(listed.error().with_context("listing groups"));
  std::vector<std::string> ids;
  std::unordered_map<std::string, GroupDescription> descriptions;
  std::vector<std::string> to_describe;
  for (const auto& g : *listed) {
    if (!tracked(g.group_id)) continue;
    ids.push_back(g.group_id);
    // The listing already says that an Empty group has no members, and that is all a
    // description would add: describing it would cost the coordinator one request per group
    // (librdkafka 2.0.2 asks for one group per DescribeGroups), as much as its offsets. A group
    // that a consumer joins meanwhile shows its members from the next cycle on.
    if (g.state == GroupState::kEmpty) {
      descriptions[g.group_id] = GroupDescription{g.group_id, GroupState::kEmpty, g.is_simple};
    } else {
      to_describe.push_back(g.group_id);
    }
  }
  std::sort(ids.begin(), ids.end());
  std::sort(to_describe.begin(), to_describe.end());

  // Committed offsets: one coordinator request per group, `concurrency` at a time.
  std::vector<Result<std::vector<CommittedOffset>>> committed(ids.size(),
                                                              Error::internal("not read"));
  {
    std::atomic<size_t> next_index{0};
    std::vector<std::thread> workers;
    const size_t n = std::min(options_.concurrency, ids.size());
    for (size_t w = 0; w < n; ++w) {
      workers.emplace_back([&] {
        for (size_t i = next_index++; i < ids.size(); i = next_index++) {
          committed[i] = kafka.committed_offsets(ids[i], deadline);
        }
      });
    }
    for (auto& t : workers) t.join();
  }
  std::map<std::string, std::string> describe_errors;
  if (!to_describe.empty()) {
    auto described = kafka.describe_groups(to_describe, deadline);
    if (described) {
      for (auto& d : *described) descriptions[d.group_id] = std::move(d);
    } else {
      // One group whose coordinator does not answer fails the whole batch: ask each group
      // alone, so that only the groups that really cannot be described are marked failed.
      for (const auto& id : to_describe) {
        auto one = kafka.describe_groups({id}, deadline);
        if (!one) {
          describe_errors[id] = one.error().with_context("describing group " + id).message;
          continue;
        }
        for (auto& d : *one) descriptions[d.group_id] = std::move(d);
      }
    }
  }

  // Partition counts and end offsets once, for every partition of every group.
  std::vector<GroupInputs> inputs;
  std::set<std::string> all_topics;
  std::map<std::string, std::string> group_errors;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!committed[i]) {
      group_errors[ids[i]] = committed[i].error().message;
      continue;
    }
    if (auto it = describe_errors.find(ids[i]); it != describe_errors.end()) {
      group_errors[ids[i]] = it->second;
      continue;
    }
    GroupInputs in{ids[i], std::move(*committed[i]), std::nullopt};
    if (auto it = descriptions.find(ids[i]); it != descriptions.end()) in.description = it->second;
    for (const auto& t : topics_of(in)) all_topics.insert(t);
    inputs.push_back(std::move(in));
  }
  std::unordered_map<std::string, int32_t> partition_count;
  WatermarkMap marks;
  if (!all_topics.empty()) {
    auto topics = kafka.topics({all_topics.begin(), all_topics.end()}, deadline);
    if (!topics) return fail_cycle(topics.error().with_context("reading topic metadata"));
    for (const auto& t : *topics) partition_count[t.topic] = t.partition_count;
    const auto live = partitions_of(all_topics, partition_count);
    if (!live.empty()) {
      auto w = kafka.watermarks(live, deadline);
      if (!w) return fail_cycle(w.error().with_context("reading end offsets"));
      for (auto& m : *w) marks[m.tp] = m;
    }
  }

  // Assemble, then read records for all groups at once (only cache misses reach Kafka).
  std::vector<GroupProgress> progress;
  progress.reserve(inputs.size());
  for (const auto& in : inputs) progress.push_back(assemble_group(in, partition_count, marks));
  std::vector<PartitionProgress*> with_commit;
  for (auto& g : progress)
    for (auto& t : g.topics)
      for (auto& p : t.partitions)
        if (p.has_commit()) with_commit.push_back(&p);
  std::optional<std::string> records_error;
  if (auto r = records_.resolve_last(with_commit, deadline); !r) {
    records_error = "reading the last consumed records: " + r.error().message;
  }
  std::map<const PartitionProgress*, RecordFinder::Oldest> oldest;
  if (options_.lag_seconds && !records_error) {
    auto o = records_.oldest_unconsumed(with_commit, deadline);
    if (!o) {
      records_error = "reading the oldest unconsumed records: " + o.error().message;
    } else {
      for (const auto& x : *o) oldest[x.partition] = x;
    }
  }

  const int64_t now = clock_.now_ms();
  for (auto& g : progress) {
    aggregate(g);
    GroupSnapshot gs;
    gs.group_id = g.group_id;
    gs.state = g.state;
    gs.members = g.members;
    gs.updated_ms = now;
    gs.last_seen_ms = now;
    gs.error = records_error;
    const GroupSnapshot* before = previous->find(g.group_id);
    std::vector<PartitionEvaluation> evaluations;
    std::vector<const PartitionSnapshot*> evaluated;
    size_t live_partitions = 0;
    for (const auto& t : g.topics)
      if (t.exists) live_partitions += t.partitions.size();
    gs.partitions.reserve(live_partitions);  // exact: one allocation, and `evaluated` stays valid
    for (auto& t : g.topics) {
      if (!t.exists) continue;  // commits on a deleted topic: no ghost lag
      for (auto& p : t.partitions) {
        PartitionSnapshot ps;
        const PartitionSnapshot* was = nullptr;
        if (before) {
          if (const PartitionSnapshot* b = before->partitions.find(p.tp)) {
            was = b;
            ps.history = b->history;
          }
        }
        ps.progress = p;
        if (p.has_commit()) {
          const bool unmoved = was && was->progress.committed == p.committed;
          ps.committed_since_ms = unmoved ? was->committed_since_ms.value_or(now) : now;
        }
        Sample sample{now, p.committed ? p.committed->value() : kNoCommit,
                      p.high_watermark.value()};
        if (ps.history.append(sample) == AppendResult::kOutOfOrder) {
          ps.history.clear();  // the wall clock stepped back: start the history afresh
          ps.history.append(sample);
        }
        UnconsumedRecords unconsumed;
        if (auto it = oldest.find(&p); it != oldest.end()) {
          if (it->second.record) {
            unconsumed.oldest_timestamp_ms = it->second.record->timestamp.value();
          } else {
            unconsumed.no_data_record = true;
          }
        }
        ps.only_markers_left = unconsumed.no_data_record;
        if (p.has_commit()) {
          ps.lag_seconds = lag_seconds(now, p.lag, unconsumed);
          const SampleWindow w = ps.history.window();
          ps.consume_rate = consumption_rate(w);
          ps.produce_rate = production_rate(w);
          ps.drain = time_to_drain(effective_lag(p.lag, unconsumed.no_data_record), ps.consume_rate,
                                   ps.produce_rate);
          ps.evaluation = evaluate_partition(
              {w, now, unconsumed, std::nullopt, ps.committed_since_ms, assigned(g.state, p)},
              options_.evaluation);
          if (ps.lag_seconds) {
            gs.max_lag_seconds = std::max(gs.max_lag_seconds.value_or(0), *ps.lag_seconds);
          }
        }
        const PartitionSnapshot& added = gs.partitions.insert(std::move(ps));
        if (added.progress.has_commit()) {
          evaluations.push_back(added.evaluation);
          evaluated.push_back(&added);
        }
      }
    }
    gs.total_lag = g.total_lag;
    gs.last_timestamp = g.last_timestamp;
    gs.evaluation = evaluate_group(evaluations);
    next->groups.emplace(gs.group_id, std::move(gs));
  }

  // Groups that could not be read keep their last numbers, marked with the error; groups no
  // longer listed stay until they have been gone for expire_after.
  for (const auto& [id, error] : group_errors) {
    GroupSnapshot gs;
    if (const GroupSnapshot* before = previous->find(id)) gs = *before;
    gs.group_id = id;
    gs.last_seen_ms = now;
    gs.error = error;
    next->groups[id] = std::move(gs);
  }
  const std::set<std::string> listed_ids(ids.begin(), ids.end());
  for (const auto& [id, g] : previous->groups) {
    if (listed_ids.count(id) || next->groups.count(id)) continue;
    if (now - g.last_seen_ms < options_.expire_after.count()) next->groups.emplace(id, g);
  }

  stats.groups = next->groups.size();
  for (const auto& [id, g] : next->groups) stats.partitions += g.partitions.size();
  stats.failed_groups = group_errors.size();
  next->last_success_ms = clock_.now_ms();
  publish();
}

}  // namespace kprogress
