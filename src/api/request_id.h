// Request ids as Alibaba's gateway makes them: a random UUID (version 4) in upper case,
// 36 characters, e.g. "60323EBA-A0A2-4CCA-912B-174F72BB5160". Thread-safe.
#pragma once

#include <string>

namespace kprogress {

std::string new_request_id();

}  // namespace kprogress
