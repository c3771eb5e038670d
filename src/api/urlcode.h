// URL encoding as the alikafka API needs it: decoding query strings and
// application/x-www-form-urlencoded bodies (the same grammar), and the RFC 3986 percent-encoding
// that both signature versions canonicalize with (spec/alikafka-api.md §2.1 step 3).
// Pure functions over bytes; no locale, no allocation beyond the result. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kprogress {

// Decoded name/value pairs in the order they were received. Duplicates and empty values are
// kept: a signature covers exactly what was sent.
using ParamList = std::vector<std::pair<std::string, std::string>>;

// The value of the first pair named `name`, or nullptr.
const std::string* find_param(const ParamList& params, std::string_view name);

// Decodes one form component: '+' becomes a space and %XY (hex digits of either case) the byte
// 0xXY. A '%' not followed by two hex digits is an error (kInvalidArgument). The result is bytes;
// it is not checked to be UTF-8.
Result<std::string> percent_decode_form(std::string_view s);

// Percent-encodes every byte but the unreserved A-Z a-z 0-9 - _ . ~ as upper-case %XY, so a
// space is %20 (never '+') and '*' is %2A.
std::string percent_encode_rfc3986(std::string_view s);

// Parses "a=1&b=&c" into {{"a","1"},{"b",""},{"c",""}}: pairs split at '&', the name ends at
// the first '='; a pair without '=' has an empty value; empty pairs ("a&&b", a leading or
// trailing '&') are skipped. Both parts are decoded with percent_decode_form; a malformed escape
// fails the whole string. The empty string gives an empty list. More than `max_params` pairs is
// an error (kInvalidArgument), found before the extra pairs are decoded or stored.
Result<ParamList> parse_form(std::string_view s, size_t max_params = SIZE_MAX);

// The canonical form both signature versions sign: params sorted by name in byte order (equal
// names keep their order), each percent_encode_rfc3986(name) + "=" +
// percent_encode_rfc3986(value), joined with '&'. Empty values stay ("SignatureType=").
std::string canonical_query_rfc3986(const ParamList& params);

}  // namespace kprogress
