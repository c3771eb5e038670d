// The arithmetic of progress, as pure functions (tested table-driven in
// tests/unit/progress/lag_math_test.cc). No I/O, no clocks.
#pragma once

#include <cstdint>
#include <optional>

#include "common/types.h"
#include "progress/model.h"

namespace kprogress {

// lag = max(0, high_watermark - committed).
int64_t partition_lag(Offset committed, Offset high_watermark);

// What LastTimestamp a committed offset calls for, before any record is read.
struct LastTimestampPlan {
  // Set when the answer is known without reading (kNothingConsumed / kTimestampUnknown).
  std::optional<int64_t> known;
  // Otherwise: search for the newest record in [search_from, committed), starting with the
  // window [committed - 1, committed) and widening towards search_from.
  Offset search_from;
};
// committed <= 0: nothing consumed (0). committed <= log_start (and > 0): the records the group
// consumed were removed by retention (-1). Otherwise a search down to log_start.
LastTimestampPlan plan_last_timestamp(Offset committed, Offset log_start);

// The next, wider window to search when [from, committed) held no data record: doubles the
// width, never below `floor`. Empty when `from` is already at `floor` (nothing left: -1).
std::optional<Offset> widen_search(Offset committed, Offset from, Offset floor);

// Topic and group sums and maxima, over partitions that have a commit. Sorts partitions and
// topics into their canonical order.
void aggregate(TopicProgress& topic);
void aggregate(GroupProgress& group);

}  // namespace kprogress
