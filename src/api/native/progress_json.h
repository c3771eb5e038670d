// The native JSON form of a group's progress: what alikafka's format cannot say (partitions
// without a commit, deleted topics, members, log start, the offset of the last consumed record).
// Used by `kprogress describe --format json` and the native HTTP API. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "progress/model.h"

namespace kprogress {

// {"group", "state", "total_lag", "last_timestamp", "computed_at_ms", "members": [...],
//  "topics": [{"topic", "exists", "total_lag", "last_timestamp", "partitions": [{"partition",
//  "committed_offset" (null: no commit), "log_start_offset", "log_end_offset", "lag" (null: no
//  commit), "last_timestamp" (null: no commit), "last_record_offset", "member_id",
//  "client_id", "host"}]}]}
nlohmann::ordered_json progress_to_json(const GroupProgress& progress);

}  // namespace kprogress
