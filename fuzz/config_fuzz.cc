// Fuzzes the TOML config parser (parse_config in src/app/config.h, library kp_config) with
// arbitrary files; the seeds are the README's examples. Invariants:
//   - an error is a value (never an exception or a crash) and reads "fuzz.toml:..." so that it
//     names the file;
//   - parsing is deterministic; an accepted config passes validate_config again;
//   - listen addresses round-trip through ListenAddress::to_string and parse_listen_address
//     (hosts without brackets);
//   - a config that turns authentication off listens only on loopback, as the README promises
//     ("false is allowed only when every listener is on loopback");
//   - every timeout of an accepted config can be used as a Deadline without overflowing the
//     clock (ASan/UBSan see the overflow).
// parse_duration and parse_listen_address also get the raw input.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "app/config.h"
#include "common/clock.h"
#include "fuzz_support.h"

namespace kprogress::fuzz {
namespace {

constexpr const char* kPath = "fuzz.toml";

// Only for hosts without brackets: parse_listen_address takes any bytes before the last ':' as
// the host, and "[a]b]:1" cannot be written back (such a host fails later, at resolution).
void check_round_trip(const ListenAddress& a) {
  if (a.host.find_first_of("[]") != std::string::npos) return;
  auto again = parse_listen_address(a.to_string());
  KP_FUZZ_CHECK(again.ok(), a.to_string());
  KP_FUZZ_CHECK(again->host == a.host && again->port == a.port,
                a.to_string() + " -> " + again->to_string());
}

// What "loopback" has to mean for a listener that serves without authentication: the name
// localhost, or an IP literal in 127.0.0.0/8 or ::1. Anything else is resolved by the server and
// can bind a public interface.
bool truly_loopback(const std::string& host) {
  if (host == "localhost") return true;
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) return buf[0] == 127;
  if (inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::equal(buf, buf + 16, kLoopback6);
  }
  return false;
}

void use_as_deadline(std::chrono::milliseconds d) {
  Deadline deadline = Deadline::after(d);
  (void)deadline.remaining_ms();
}

}  // namespace
}  // namespace kprogress::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kprogress;
  using namespace kprogress::fuzz;
  const std::string text(reinterpret_cast<const char*>(data), size);

  if (auto d = parse_duration(text); d.ok()) KP_FUZZ_CHECK(d->count() >= 0, text);
  if (auto a = parse_listen_address(text); a.ok()) check_round_trip(*a);

  auto config = parse_config(text, kPath);
  if (!config.ok()) {
    KP_FUZZ_CHECK(config.error().message.rfind(std::string(kPath) + ":", 0) == 0,
                  config.error().message);
    return 0;
  }
  auto again = parse_config(text, kPath);
  KP_FUZZ_CHECK(again.ok(), again.error().message);
  KP_FUZZ_CHECK(validate_config(*config).ok(), "accepted, then refused by validate_config");
  KP_FUZZ_CHECK(config->path == kPath, config->path);

  check_round_trip(config->server.listen);
  if (config->server.tls) check_round_trip(config->server.tls->listen);
  if (!config->auth.enabled) {
    KP_FUZZ_CHECK(truly_loopback(config->server.listen.host),
                  "authentication off on listener " + config->server.listen.to_string());
    if (config->server.tls) {
      KP_FUZZ_CHECK(truly_loopback(config->server.tls->listen.host),
                    "authentication off on TLS listener " + config->server.tls->listen.to_string());
    }
  }
  KP_FUZZ_CHECK(config->instances.size() >= 1, "accepted without an instance");
  if (config->auth.enabled) KP_FUZZ_CHECK(!config->access_keys.empty(), "auth on without keys");

  use_as_deadline(config->server.request_timeout);
  use_as_deadline(config->collector.cycle_timeout);
  return 0;
}
