// Shared by the libFuzzer targets in this directory: a check that always aborts (assert is off
// under NDEBUG, and a failed invariant must be a crash libFuzzer records), the text form of an
// HTTP request the request fuzzers read, the fixed clock and key they sign with, and a UTF-8
// test. Header-only; single-threaded use (one fuzz input at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/auth/acs_time.h"
#include "common/clock.h"

namespace kprogress::fuzz {

[[noreturn]] inline void check_failed(const char* file, int line, const char* condition,
                                      const std::string& detail) {
  std::fprintf(stderr, "%s:%d: invariant failed: %s\n%s\n", file, line, condition,
               detail.c_str());
  std::abort();
}

// KP_FUZZ_CHECK(condition, detail): abort (libFuzzer saves the input) unless `condition`.
#define KP_FUZZ_CHECK(condition, detail)                                              \
  do {                                                                                \
    if (!(condition)) ::kprogress::fuzz::check_failed(__FILE__, __LINE__, #condition, \
                                                      (detail));                      \
  } while (0)

// True when the check named `name` is listed in the environment variable KP_FUZZ_IGNORE
// (comma-separated): a run can step over a known finding while it awaits its fix, and keep
// looking for others (fuzz/run --ignore; fuzz/README.md lists the names).
inline bool ignored(std::string_view name) {
  static const std::string list = [] {
    const char* v = std::getenv("KP_FUZZ_IGNORE");
    return "," + std::string(v != nullptr ? v : "") + ",";
  }();
  return list.find("," + std::string(name) + ",") != std::string::npos;
}

// The key and the time every captured SDK request in tests/golden/sdk_requests/ was signed with
// and at, so that the seeds pass verification and mutations start from accepted requests.
inline constexpr const char* kAccessKeyId = "LTAI5tTestKeyId";
inline constexpr const char* kSecret = "kprogress-test-secret";
inline constexpr const char* kOtherSecret = "not-the-secret";
inline constexpr const char* kInstanceId = "alikafka_pre-cn-mp919o4v0001";
inline constexpr const char* kRegionId = "cn-hangzhou";
inline constexpr const char* kCapturedGroup = "cg test*()~!'/\xE6\xB6\x88\xE8\xB4\xB9";

class FixedClock final : public Clock {
 public:
  FixedClock() : ms_(*auth::parse_acs_timestamp("2026-11-24T19:02:45Z")) {}
  int64_t now_ms() const override { return ms_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_));
  }

 private:
  int64_t ms_;
};

// A request in the text form the request fuzzers read (the seeds are captured SDK requests in
// this form, see fuzz/seed-corpus):
//   METHOD SP TARGET LF  (NAME ":" VALUE LF)*  LF  BODY
// TARGET splits at its first '?' into path and raw query. Header names are lower-cased and
// values trimmed of spaces and tabs, as the HTTP layer does; everything else is kept byte for
// byte. Missing parts are empty; a header line without ':' has an empty value.
struct TextRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline TextRequest parse_text_request(std::string_view text) {
  TextRequest r;
  auto next_line = [&text]() {
    size_t lf = text.find('\n');
    std::string_view line = text.substr(0, lf);
    text = lf == std::string_view::npos ? std::string_view() : text.substr(lf + 1);
    return line;
  };
  std::string_view first = next_line();
  size_t space = first.find(' ');
  r.method = std::string(first.substr(0, space));
  std::string_view target =
      space == std::string_view::npos ? std::string_view() : first.substr(space + 1);
  size_t question = target.find('?');
  r.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) r.query = std::string(target.substr(question + 1));
  while (!text.empty()) {
    std::string_view line = next_line();
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : trim_ows(line.substr(colon + 1));
    r.headers.emplace_back(std::move(name), std::string(value));
  }
  r.body = std::string(text);
  return r;
}

// The first value of header `name` (lower case), or "".
inline std::string header_of(const TextRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
inline bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < n + 1) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// True when `s` survives a trip through an XML text node: valid UTF-8 without the control
// characters XML 1.0 cannot hold, and without '\r' (which parsers turn into '\n').
inline bool xml_representable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t' && c != '\n') return false;
  }
  return is_utf8(s);
}

inline bool is_xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// Checks that an XML body is well-formed as far as characters go, which pugixml does not check:
// valid UTF-8 (it declares UTF-8), every character in XML 1.0's Char production, and every
// character reference (&#N; &#xN;) to such a character. Strict parsers (expat, which Python's
// SDKs use; Java's) reject a document that breaks any of these.
// Check name: xml-chars.
inline void check_xml_chars(const std::string& body) {
  if (ignored("xml-chars")) return;
  KP_FUZZ_CHECK(is_utf8(body), "an XML body that is not UTF-8:\n" + body);
  for (size_t i = 0; i < body.size();) {
    auto c = static_cast<unsigned char>(body[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(body[i + k]) & 0x3F);
    KP_FUZZ_CHECK(is_xml_char(cp), "character U+" + std::to_string(cp) + " (decimal) at byte " +
                                       std::to_string(i) + " of an XML body:\n" + body);
    if (c == '&' && i + 2 < body.size() && body[i + 1] == '#') {
      size_t end = body.find(';', i);
      KP_FUZZ_CHECK(end != std::string::npos, body);
      const bool hex = body[i + 2] == 'x';
      const size_t from = i + (hex ? 3 : 2);
      const std::string digits = body.substr(from, end - from);
      KP_FUZZ_CHECK(!digits.empty() && digits.size() <= 8, body);
      const unsigned long ref = std::stoul(digits, nullptr, hex ? 16 : 10);
      KP_FUZZ_CHECK(is_xml_char(static_cast<uint32_t>(ref)),
                    "reference to a character XML 1.0 forbids: " + body.substr(i, end - i + 1) +
                        " in:\n" + body);
    }
    i += n;
  }
}

}  // namespace kprogress::fuzz
