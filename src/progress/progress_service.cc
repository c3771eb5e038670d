#include "progress/progress_service.h"

#include <algorithm>

#include "progress/assemble.h"
#include "progress/lag_math.h"

namespace kprogress {

uint64_t ProgressService::queries_started() const {
  std::lock_guard lock(mu_);
  return queries_started_;
}

uint64_t ProgressService::queries_shared() const {
  std::lock_guard lock(mu_);
  return queries_shared_;
}

Result<GroupProgress> ProgressService::group_progress(const std::string& group_id,
                                                      Deadline deadline,
                                                      const ProgressOptions& options) {
  const Key key{group_id, options.want_last_timestamp};
  std::shared_future<Result<GroupProgress>> shared;
  std::promise<Result<GroupProgress>> mine;
  bool leader = false;
  {
    std::lock_guard lock(mu_);
    auto it = in_flight_.find(key);
    if (it != in_flight_.end()) {
      shared = it->second;
      ++queries_shared_;
    } else {
      shared = mine.get_future().share();
      in_flight_.emplace(key, shared);
      ++queries_started_;
      leader = true;
    }
  }
  if (leader) {
    Result<GroupProgress> r = query(group_id, deadline, options);
    {
      std::lock_guard lock(mu_);
      in_flight_.erase(key);
    }
    mine.set_value(r);
    return r;
  }
  // A follower waits no longer than its own deadline.
  if (shared.wait_until(deadline.at()) != std::future_status::ready) {
    return Error::deadline_exceeded("the Kafka query for group " + group_id +
                                    " (shared with an earlier identical request) did not finish "
                                    "in time");
  }
  return shared.get();
}

Result<GroupProgress> ProgressService::query(const std::string& group_id, Deadline deadline,
                                             const ProgressOptions& options) {
  // The description (one coordinator round trip) runs while the offsets are fetched.
  auto describe =
      std::async(std::launch::async, [&] { return kafka_.describe_groups({group_id}, deadline); });
  auto committed = kafka_.committed_offsets(group_id, deadline);
  auto described = describe.get();
  if (!committed) return committed.error().with_context("reading committed offsets of " + group_id);
  if (!described) return described.error().with_context("describing group " + group_id);

  GroupInputs inputs{group_id, std::move(*committed), std::nullopt};
  if (!described->empty()) inputs.description = described->front();

  if (looks_absent(inputs)) {
    // Kafka answers an unknown group with no offsets and state Dead; only the group listing can
    // then tell "exists without commits" (and groups of the new consumer protocol, which
    // librdkafka 2.0.2 describes as Dead) from "does not exist".
    auto groups = kafka_.list_groups(deadline);
    if (!groups) return groups.error().with_context("listing groups");
    const bool listed = std::any_of(groups->begin(), groups->end(),
                                    [&](const GroupListing& g) { return g.group_id == group_id; });
    if (!listed) return Error::not_found("consumer group " + group_id + " does not exist");
  }

  const std::set<std::string> topic_names = topics_of(inputs);
  std::unordered_map<std::string, int32_t> partition_count;
  WatermarkMap marks;
  if (!topic_names.empty()) {
    auto topics = kafka_.topics({topic_names.begin(), topic_names.end()}, deadline);
    if (!topics) return topics.error().with_context("reading topic metadata");
    for (const auto& t : *topics) partition_count[t.topic] = t.partition_count;
    const auto live = partitions_of(topic_names, partition_count);
    if (!live.empty()) {
      auto w = kafka_.watermarks(live, deadline);
      if (!w) return w.error().with_context("reading log end offsets");
      for (auto& m : *w) marks[m.tp] = m;
    }
  }

  GroupProgress out = assemble_group(inputs, partition_count, marks);
  if (options.want_last_timestamp) {
    std::vector<PartitionProgress*> with_commit;
    for (auto& t : out.topics)
      for (auto& p : t.partitions)
        if (p.has_commit()) with_commit.push_back(&p);
    if (auto r = records_.resolve_last(with_commit, deadline); !r) {
      return r.error().with_context("reading the last consumed records");
    }
    aggregate(out);
  }
  out.computed_at_ms = clock_.now_ms();
  return out;
}

}  // namespace kprogress
