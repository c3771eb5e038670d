#include "metrics/text_format.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace kprogress::metrics_text {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one (overlong
// forms, surrogates and code points above U+10FFFF are invalid, as Go's utf8 package says).
size_t utf8_sequence(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void append_label_value(std::string& out, std::string_view value) {
  for (size_t i = 0; i < value.size();) {
    const char c = value[i];
    const char* escaped = c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : nullptr;
    if (escaped != nullptr) {
      out += escaped;
      ++i;
      continue;
    }
    const size_t n = utf8_sequence(value.substr(i));
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(value.data() + i, n);
      i += n;
    }
  }
}

void append_help(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_value(std::string& out, int64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

void append_value(std::string& out, double value) {
  // Whole numbers that a double holds exactly are written as integers: the shortest form of
  // 1700000000 is "1.7e+09", valid but hard to read. This also turns -0 into 0.
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && value > -kExact && value < kExact) {
    append_value(out, static_cast<int64_t>(value));
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

LabelSet& LabelSet::add(std::string_view name, std::string_view value) {
  if (!text_.empty()) text_ += ',';
  text_ += name;
  text_ += "=\"";
  append_label_value(text_, value);
  text_ += '"';
  return *this;
}

void FamilyBuffer::head(const LabelSet& labels, std::string_view extra_label,
                        std::string_view extra_value) {
  body_ += def_.name;
  if (!labels.text().empty() || !extra_label.empty()) {
    body_ += '{';
    body_ += labels.text();
    if (!extra_label.empty()) {
      if (!labels.text().empty()) body_ += ',';
      body_ += extra_label;
      body_ += "=\"";
      append_label_value(body_, extra_value);
      body_ += '"';
    }
    body_ += '}';
  }
  body_ += ' ';
}

void FamilyBuffer::add(const LabelSet& labels, int64_t value) {
  head(labels);
  append_value(body_, value);
  body_ += '\n';
}

void FamilyBuffer::add(const LabelSet& labels, double value) {
  if (!std::isfinite(value)) return;
  head(labels);
  append_value(body_, value);
  body_ += '\n';
}

void FamilyBuffer::add(const LabelSet& labels, std::string_view extra_label,
                       std::string_view extra_value, int64_t value) {
  head(labels, extra_label, extra_value);
  append_value(body_, value);
  body_ += '\n';
}

size_t FamilyBuffer::text_size() const {
  if (body_.empty()) return 0;
  // "# HELP name help\n# TYPE name histogram\n" at most (help escaping may add a few bytes).
  return 2 * def_.name.size() + 2 * def_.help.size() + 32 + body_.size();
}

void FamilyBuffer::append_to(std::string& out) const {
  if (body_.empty()) return;
  out += "# HELP ";
  out += def_.name;
  out += ' ';
  append_help(out, def_.help);
  out += "\n# TYPE ";
  out += def_.name;
  switch (def_.type) {
    case metric_names::MetricType::kGauge: out += " gauge\n"; break;
    case metric_names::MetricType::kCounter: out += " counter\n"; break;
    case metric_names::MetricType::kHistogram: out += " histogram\n"; break;
  }
  out += body_;
}

}  // namespace kprogress::metrics_text
