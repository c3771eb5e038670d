// The timestamp format of Alibaba's signed requests: V1's `Timestamp` param and V3's
// `x-acs-date` header are both UTC `yyyy-MM-ddTHH:mm:ssZ`, e.g. 2016-02-23T12:46:24Z.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kprogress::auth {

// Milliseconds since the Unix epoch, or nullopt unless `s` is exactly that format (20 bytes,
// a real calendar date, hour 00-23, minute and second 00-59; no fractions, no offsets).
std::optional<int64_t> parse_acs_timestamp(std::string_view s);

// The same format for `epoch_ms` (sub-second part dropped). REQUIRES: year 0000..9999.
std::string format_acs_timestamp(int64_t epoch_ms);

}  // namespace kprogress::auth
