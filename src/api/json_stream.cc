#include "api/json_stream.h"

#include <nlohmann/json.hpp>

namespace kprogress {

void JsonStream::number(std::string_view name, double v) {
  key(name);
  // nlohmann's own formatting ("0.0", not "0"; null for NaN), so that bodies match its dumps.
  out_ += nlohmann::json(v).dump();
}

// nlohmann::json's escaping, and its replacement of invalid UTF-8 (names from Kafka are bytes),
// which the golden files pin.
void JsonStream::escaped(std::string_view v) {
  out_ +=
      nlohmann::json(std::string(v)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kprogress
