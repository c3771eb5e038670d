// Fuzzes the query-string / form-body decoding every request goes through first
// (src/api/urlcode.h). Invariants:
//   - parse_form(s) and percent_decode_form(s) agree on whether s has a malformed escape;
//   - a decoded component is never longer than its input;
//   - decoding what percent_encode_rfc3986 wrote gives the bytes back, and the encoding uses only
//     unreserved bytes and upper-case %XY;
//   - re-encoding a parsed list and parsing it again gives the same list (what the signature
//     code relies on: clients escape differently, the server decodes and re-encodes);
//   - canonical_query_rfc3986 sorts by name in byte order and keeps equal names in order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/urlcode.h"
#include "fuzz_support.h"

namespace kprogress {
namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// True when every '%' is followed by two hex digits: the documented condition for success.
bool escapes_well_formed(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

bool encoded_form(std::string_view e) {
  for (size_t i = 0; i < e.size(); ++i) {
    char c = e[i];
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) continue;
    if (c != '%' || i + 2 >= e.size()) return false;
    for (char h : {e[i + 1], e[i + 2]}) {
      if (!((h >= '0' && h <= '9') || (h >= 'A' && h <= 'F'))) return false;
    }
    i += 2;
  }
  return true;
}

}  // namespace
}  // namespace kprogress

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kprogress;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // One component.
  auto decoded = percent_decode_form(input);
  KP_FUZZ_CHECK(decoded.ok() == escapes_well_formed(input), std::string(input));
  if (decoded.ok()) KP_FUZZ_CHECK(decoded->size() <= input.size(), std::string(input));

  const std::string encoded = percent_encode_rfc3986(input);
  KP_FUZZ_CHECK(encoded_form(encoded), encoded);
  auto back = percent_decode_form(encoded);
  KP_FUZZ_CHECK(back.ok() && *back == input, encoded);

  // A whole query string or form body.
  auto params = parse_form(input);
  KP_FUZZ_CHECK(params.ok() == escapes_well_formed(input), std::string(input));
  if (!params.ok()) return 0;
  KP_FUZZ_CHECK(params->size() <= static_cast<size_t>(std::count(input.begin(), input.end(), '&')) + 1,
                std::string(input));

  std::string reencoded;
  for (const auto& [name, value] : *params) {
    if (!reencoded.empty()) reencoded.push_back('&');
    reencoded += percent_encode_rfc3986(name) + "=" + percent_encode_rfc3986(value);
  }
  auto reparsed = parse_form(reencoded);
  KP_FUZZ_CHECK(reparsed.ok() && *reparsed == *params, reencoded);

  // The canonical form: sorted by name (byte order), stable, and it parses back to the same
  // multiset in that order.
  const std::string canonical = canonical_query_rfc3986(*params);
  ParamList sorted = *params;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto canonical_params = parse_form(canonical);
  KP_FUZZ_CHECK(canonical_params.ok() && *canonical_params == sorted, canonical);
  return 0;
}
