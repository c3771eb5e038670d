// The native JSON form of a group's progress: what alikafka's format cannot say (partitions
// without a commit, deleted topics, members, log start, the offset of the last consumed record).
// Used by `kprogress describe --format json` and the native HTTP API. Pure; thread-safe.
#pragma once

#include <functional>

#include "api/json_stream.h"
#include "progress/model.h"

namespace kprogress {

// Writes, as members of the object open in `out`:
// "group", "state", "total_lag", "last_timestamp", "computed_at_ms", "members": [{"member_id",
// "client_id", "host", "group_instance_id", "assignment": [{"topic", "partition"}]}],
// "topics": [{"topic", "exists", "total_lag", "last_timestamp", "partitions": [{"partition",
// "committed_offset" (null: no commit), "log_start_offset", "log_end_offset", "lag" (null: no
// commit), "last_timestamp" (null: no commit), "last_record_offset", "member_id", "client_id",
// "host", then whatever `partition_extra` writes}]}]
using PartitionExtra = std::function<void(JsonStream&, const PartitionProgress&)>;
void write_progress_members(JsonStream& out, const GroupProgress& progress,
                            const PartitionExtra& partition_extra = {});

// The whole object, compact.
std::string progress_json(const GroupProgress& progress);

}  // namespace kprogress
