#include "progress/lag_math.h"

#include <algorithm>

namespace kprogress {

int64_t partition_lag(Offset committed, Offset high_watermark) {
  return std::max<int64_t>(0, high_watermark.value() - committed.value());
}

LastTimestampPlan plan_last_timestamp(Offset committed, Offset log_start) {
  if (committed.value() <= 0) return {kNothingConsumed, Offset(0)};
  if (committed.value() <= log_start.value()) return {kTimestampUnknown, Offset(0)};
  return {std::nullopt, log_start};
}

std::optional<Offset> widen_search(Offset committed, Offset from, Offset floor) {
  if (from.value() <= floor.value()) return std::nullopt;
  const int64_t width = committed.value() - from.value();
  const int64_t wider = width <= 0 ? 1 : width * 2;
  return Offset(std::max(floor.value(), committed.value() - wider));
}

void aggregate(TopicProgress& topic) {
  std::sort(topic.partitions.begin(), topic.partitions.end(),
            [](const auto& a, const auto& b) { return a.tp.partition < b.tp.partition; });
  topic.total_lag = 0;
  topic.last_timestamp = kTimestampUnknown;
  bool any = false;
  for (const auto& p : topic.partitions) {
    if (!p.has_commit()) continue;
    topic.total_lag += p.lag;
    topic.last_timestamp =
        any ? std::max(topic.last_timestamp, p.last_timestamp) : p.last_timestamp;
    any = true;
  }
}

void aggregate(GroupProgress& group) {
  std::sort(group.topics.begin(), group.topics.end(),
            [](const auto& a, const auto& b) { return a.topic < b.topic; });
  group.total_lag = 0;
  group.last_timestamp = kTimestampUnknown;
  bool any = false;
  for (auto& t : group.topics) {
    aggregate(t);
    const bool has_commit = std::any_of(t.partitions.begin(), t.partitions.end(),
                                        [](const auto& p) { return p.has_commit(); });
    if (!has_commit) continue;
    group.total_lag += t.total_lag;
    group.last_timestamp =
        any ? std::max(group.last_timestamp, t.last_timestamp) : t.last_timestamp;
    any = true;
  }
  // A group without a single commit has consumed nothing.
  if (!any) group.last_timestamp = kNothingConsumed;
}

}  // namespace kprogress
