// ServerApp: the composition root of `kprogress serve`. It builds, from a validated Config, one
// Kafka client (librdkafka) and ProgressService per instance, the authenticator, the alikafka
// API and the HTTP server with its one route table, then serves until SIGINT/SIGTERM.
// Not thread-safe: create and run it from main.
#pragma once

#include <memory>

#include "app/config.h"
#include "common/result.h"

namespace kprogress {

class ServerApp {
 public:
  // Builds everything and opens the listeners; no Kafka connection is required yet (clusters
  // that are down give errors per request, not a failed start). Errors name what failed.
  static Result<std::unique_ptr<ServerApp>> create(const Config& config);
  ~ServerApp();

  // Serves until a signal; returns the process exit code (0 after a clean drain).
  int run();

  // The bound ports (tests listen on port 0).
  uint16_t port() const;
  uint16_t tls_port() const;

 private:
  struct Parts;
  explicit ServerApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace kprogress
