// Log start and high watermark of many partitions through rd_kafka_offsets_for_times (one
// ListOffsets request per leader), which in librdkafka 2.0.2 fails as a whole when any one
// partition fails. This file turns that into an answer per partition: on a call-level error it
// refreshes metadata and retries, then splits the set in halves until the failing partitions
// are named exactly. Thread-safe (the handle is; nothing else is shared).
#pragma once

#include <librdkafka/rdkafka.h>

#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "kafka/kafka_client.h"
#include "kafka/rdkafka/connection.h"

namespace kprogress::rdk {

// REQUIRES: `rk` was created with isolation.level=read_uncommitted, so that LATEST is the high
// watermark and not the last stable offset.
// One Watermarks per distinct partition, in the order of `partitions`.
// `rk_latest` asks ListOffsets(latest), `rk_earliest` ListOffsets(earliest); two handles (two
// connections per broker) let a broker serve both at once. They may be the same handle.
Result<std::vector<Watermarks>> query_watermarks(rd_kafka_t* rk_latest, rd_kafka_t* rk_earliest,
                                                 ConnectionState& state,
                                                 const std::vector<TopicPartition>& partitions,
                                                 Deadline deadline);

}  // namespace kprogress::rdk
