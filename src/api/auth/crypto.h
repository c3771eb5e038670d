// The hashing kp_auth signs and verifies with, over OpenSSL 3: SHA-256, HMAC-SHA1,
// HMAC-SHA256, Base64 and lower-case hex, plus a constant-time comparison for signatures.
// Stateless functions; safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

namespace kprogress::auth {

// Raw digests (20 or 32 bytes).
std::string sha256(std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

std::string base64_encode(std::string_view bytes);
std::string hex_lower(std::string_view bytes);

// True when a and b are the same bytes. Takes time independent of where they differ (the
// length is not hidden).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace kprogress::auth
