// Config: what `kprogress serve --config FILE` reads (TOML; the README's "Configuration" is the
// reference). Loading happens in two steps, after Envoy: parse (types and field rules, every
// error naming the file, line and column) and validate (cross-field rules, in one place).
// Plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace kprogress {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
  bool is_loopback() const;
  std::string to_string() const;
};

struct TlsConfig {
  ListenAddress listen;
  std::string cert_file;
  std::string key_file;
};

struct ServerConfig {
  ListenAddress listen{"127.0.0.1", 8080};
  std::chrono::milliseconds request_timeout{10000};
  int workers = 16;
  std::optional<TlsConfig> tls;
  // GetConsumerProgress may answer from the collector's snapshot when it is younger than this;
  // 0 (the default): always fresh from Kafka.
  std::chrono::milliseconds max_staleness{0};
  // Serve the native JSON API (/api/v1/...) and /metrics; they are not signed (like every
  // Prometheus exporter): keep them on a trusted network, or turn them off.
  bool native_api = true;
};

struct CollectorConfig {
  bool enabled = true;
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds cycle_timeout{25000};
  int concurrency = 8;
  std::vector<std::string> include;  // group id regexes; empty: all
  std::vector<std::string> exclude;
  std::chrono::milliseconds expire_after{10 * 60 * 1000};
  bool lag_seconds = true;
  std::string granularity = "partition";  // metrics: "partition" or "topic"
  // Evaluation (Burrow's rules; see README).
  int window = 10;
  int min_samples = 3;
  int64_t allowed_lag = 0;
  std::optional<std::chrono::milliseconds> warn_after;  // lag in seconds thresholds
  std::optional<std::chrono::milliseconds> error_after;
};

struct AuthConfig {
  // Authentication is on unless the config says `enabled = false`; the server then refuses a
  // non-loopback listener.
  bool enabled = true;
  std::chrono::milliseconds max_skew{15 * 60 * 1000};
  size_t max_nonces = 100000;
};

struct AccessKeyConfig {
  std::string id;
  std::string secret;                  // resolved from secret / secret_env / secret_file
  std::vector<std::string> instances;  // empty: all
};

struct InstanceConfig {
  std::string id;
  std::string region;
  std::string bootstrap;
  std::map<std::string, std::string> kafka;  // extra librdkafka properties
};

struct Config {
  std::string path;  // the file it came from
  ServerConfig server;
  AuthConfig auth;
  CollectorConfig collector;
  std::vector<AccessKeyConfig> access_keys;
  std::vector<InstanceConfig> instances;
};

// Reads and checks FILE. Errors (kInvalidArgument) read "FILE:LINE:COL: what is wrong".
Result<Config> load_config(const std::string& path);
// The same from a string (tests); `path` names it in errors.
Result<Config> parse_config(const std::string& text, const std::string& path);
// Cross-field rules: unique instance ids and key ids, at least one instance, auth keys present
// when auth is on, no open (unauthenticated) non-loopback listener.
Result<void> validate_config(const Config& config);

// "10s", "250ms", "2m", "1h" -> milliseconds.
Result<std::chrono::milliseconds> parse_duration(const std::string& text);
// "host:port", "[::1]:port".
Result<ListenAddress> parse_listen_address(const std::string& text);

}  // namespace kprogress
