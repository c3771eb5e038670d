// Hand-built collector snapshots for the metrics tests: the numbers are written out, never
// computed, so that every expected line can be checked by reading the test.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "progress/snapshot.h"

namespace kprogress::testing {

// A group-partition with a commit at `committed` on a log [log_start, hw).
inline PartitionSnapshot committed_partition(const std::string& topic, int partition,
                                             int64_t committed, int64_t hw, int64_t log_start = 0) {
  PartitionSnapshot p;
  p.progress.tp = {topic, PartitionId(partition)};
  p.progress.committed = Offset(committed);
  p.progress.log_start = Offset(log_start);
  p.progress.high_watermark = Offset(hw);
  p.progress.lag = std::max<int64_t>(0, hw - committed);
  return p;
}

// A partition of a topic the group consumes, without a commit.
inline PartitionSnapshot uncommitted_partition(const std::string& topic, int partition, int64_t hw,
                                               int64_t log_start = 0) {
  PartitionSnapshot p;
  p.progress.tp = {topic, PartitionId(partition)};
  p.progress.log_start = Offset(log_start);
  p.progress.high_watermark = Offset(hw);
  p.evaluation.rule = Rule::kNoCommit;
  return p;
}

inline PartitionSnapshot& owned_by(PartitionSnapshot& p, const std::string& member,
                                   const std::string& client, const std::string& host) {
  p.progress.owner = std::make_shared<PartitionOwner>(PartitionOwner{member, client, host});
  return p;
}

inline void add(GroupSnapshot& g, PartitionSnapshot p) { g.partitions.insert(std::move(p)); }

// An instance whose last cycle (its `cycles`-th) succeeded.
inline std::shared_ptr<InstanceSnapshot> instance(const std::string& id, uint64_t cycles,
                                                  int64_t last_success_ms) {
  auto s = std::make_shared<InstanceSnapshot>();
  s->instance_id = id;
  s->cycles = cycles;
  s->last_success_ms = last_success_ms;
  return s;
}

// The small case of the golden test (exposition_test.cc spells out every line it renders to):
// instance c1, group g1 (STABLE, WARN, one member m-1) on topic t (partition 0 lagging 5 and
// draining, 1 without a commit, 2 caught up) and topic u (partition 0 lagging 3, unassigned,
// lag in seconds unknown).
inline std::shared_ptr<InstanceSnapshot> small_case() {
  auto s = instance("c1", 3, 1'700'000'000'500);
  s->last_cycle = {1'700'000'000'000, 500, 7, 1, 1, 4, 0, std::nullopt};

  GroupSnapshot g;
  g.group_id = "g1";
  g.state = GroupState::kStable;
  g.members.push_back(
      {"m-1", "app", "/10.0.0.1", "", {{"t", PartitionId(0)}, {"t", PartitionId(2)}}});
  g.updated_ms = 1'700'000'000'000;
  g.last_seen_ms = g.updated_ms;

  PartitionSnapshot t0 = committed_partition("t", 0, 5, 10, 2);
  owned_by(t0, "m-1", "app", "10.0.0.1");
  t0.lag_seconds = 12.5;
  t0.consume_rate = 2;
  t0.produce_rate = 1.5;
  t0.drain = {DrainState::kDraining, 10.0};
  t0.evaluation.status = Status::kWarn;
  t0.evaluation.rule = Rule::kLagSecondsWarn;
  add(g, t0);

  add(g, uncommitted_partition("t", 1, 3));

  PartitionSnapshot t2 = committed_partition("t", 2, 7, 7);
  owned_by(t2, "m-1", "app", "10.0.0.1");
  t2.lag_seconds = 0;
  t2.drain = {DrainState::kNoLag, 0.0};
  t2.evaluation.rule = Rule::kNoLag;
  add(g, t2);

  PartitionSnapshot u0 = committed_partition("u", 0, 1, 4);
  u0.evaluation.rule = Rule::kKeepingUp;
  add(g, u0);

  g.total_lag = 8;
  g.max_lag_seconds = 12.5;
  g.evaluation.status = Status::kWarn;
  g.evaluation.worst = Status::kWarn;
  s->groups.emplace(g.group_id, std::move(g));
  return s;
}

}  // namespace kprogress::testing
