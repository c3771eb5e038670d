// What the two signature fuzz targets (v1_signature, v3_signature) share: an Authenticator on the
// fixed clock, the check every refusal must pass, and the SignedRequest of a text request.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "api/auth/authenticator.h"
#include "fuzz_support.h"

namespace kprogress::fuzz {

inline const FixedClock& fixed_clock() {
  static const FixedClock clock;
  return clock;
}

inline auth::Authenticator make_authenticator(const char* secret) {
  auto a = auth::Authenticator::create({{kAccessKeyId, secret, {}}}, fixed_clock());
  KP_FUZZ_CHECK(a.ok(), "Authenticator::create");
  return std::move(a).value();
}

// A refusal is one of `allowed` (code -> HTTP status), and echoes the secret only when the
// request itself carries it (a parameter's value).
inline void check_refusal(const GatewayError& e, const std::map<std::string, int>& allowed,
                          const std::string& where, std::string_view input) {
  auto it = allowed.find(e.code);
  KP_FUZZ_CHECK(it != allowed.end(), where + ": unexpected code " + e.code);
  KP_FUZZ_CHECK(it->second == e.http_status,
                where + ": " + e.code + " with status " + std::to_string(e.http_status));
  KP_FUZZ_CHECK(
      e.message.find(kSecret) == std::string::npos || input.find(kSecret) != std::string_view::npos,
      where + ": secret in message");
}

inline auth::SignedRequest to_signed(const TextRequest& t) {
  auth::SignedRequest r;
  r.method = t.method;
  r.path = t.path;
  r.query = t.query;
  r.headers = t.headers;
  r.body = t.body;
  r.content_type = header_of(t, "content-type");
  return r;
}

}  // namespace kprogress::fuzz
