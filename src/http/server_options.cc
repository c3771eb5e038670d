#include "http/server_options.h"

#include <string>

namespace kprogress {

Result<void> ServerOptions::validate() const {
  auto positive = [](const char* name, long long value) -> Result<void> {
    if (value <= 0) {
      return Error::invalid_argument(std::string("http server option ") + name +
                                     " must be positive, got " + std::to_string(value));
    }
    return {};
  };
  const std::pair<const char*, long long> numbers[] = {
      {"max_header_bytes", static_cast<long long>(max_header_bytes)},
      {"max_body_bytes", static_cast<long long>(max_body_bytes)},
      {"max_connections", static_cast<long long>(max_connections)},
      {"read_timeout", read_timeout.count()},
      {"idle_timeout", idle_timeout.count()},
      {"write_timeout", write_timeout.count()},
      {"worker_threads", static_cast<long long>(worker_threads)},
      {"io_threads", static_cast<long long>(io_threads)},
      {"max_in_flight", static_cast<long long>(max_in_flight)},
      {"shutdown_grace", shutdown_grace.count()},
  };
  for (const auto& [name, value] : numbers) {
    if (Result<void> r = positive(name, value); !r) return r;
  }
  if (io_threads > 16) {
    return Error::invalid_argument("http server option io_threads must be at most 16, got " +
                                   std::to_string(io_threads));
  }
  if (max_in_flight < worker_threads) {
    return Error::invalid_argument(
        "http server option max_in_flight (" + std::to_string(max_in_flight) +
        ") must be at least worker_threads (" + std::to_string(worker_threads) + ")");
  }
  return {};
}

}  // namespace kprogress
