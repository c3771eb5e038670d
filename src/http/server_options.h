// ServerOptions: the limits and sizes of an HttpServer, with production defaults. Every limit
// protects the process from a client (slow, oversized, too many) or from a slow backend (too many
// blocked handler jobs). A plain value; validate() checks it before a server is built from it.
#pragma once

#include <chrono>
#include <cstddef>

#include "common/result.h"

namespace kprogress {

struct ServerOptions {
  // Request line plus header fields; more is answered 431.
  size_t max_header_bytes = 8 * 1024;
  // Body after any chunked decoding; more (or a Content-Length announcing more) is answered 413.
  size_t max_body_bytes = 1024 * 1024;
  // Open connections over all listeners; a connection accepted beyond this is closed at once.
  size_t max_connections = 1024;
  // From the first byte of a request (or accept, or the TLS handshake) to its last byte: a client
  // slower than this is disconnected. Bounds slowloris-style clients.
  std::chrono::milliseconds read_timeout{10'000};
  // How long a keep-alive connection may wait for its next request before it is closed.
  std::chrono::milliseconds idle_timeout{60'000};
  // How long writing one response may take before the connection is closed.
  std::chrono::milliseconds write_timeout{30'000};
  // Threads that run handlers (which may block on Kafka); the I/O threads never do.
  size_t worker_threads = 16;
  // Threads that run sockets, parsing and timers. One or two are plenty.
  size_t io_threads = 1;
  // Handler jobs running or queued for a worker; a request beyond this is answered 503 at once.
  size_t max_in_flight = 128;
  // After stop(): how long in-flight requests may take to finish before connections are cut.
  std::chrono::milliseconds shutdown_grace{10'000};
  // One spdlog line per request at info level.
  bool access_log = true;

  // Every number positive, io_threads <= 16, max_in_flight >= worker_threads.
  [[nodiscard]] Result<void> validate() const;
};

}  // namespace kprogress
