// JsonStream: writes one JSON document front to back, with no tree. nlohmann::json (used
// everywhere else) builds a tree of allocated nodes first, which for a group of many partitions
// costs more than the rest of the answer: the alikafka body of 10,000 partitions spent most of
// its time copying one, and the native group body about 1 ms of CPU per 100 partitions. Neither
// nlohmann::json nor another Debian package offers a plain streaming writer, so this is one.
//
// Values are written with the same rules as nlohmann::json's dump(): strings escaped (invalid
// UTF-8 replaced by U+FFFD), doubles in its shortest round-trip form (NaN and infinities as null),
// so that bodies do not change with the writer (tests/golden pins them).
//
// A member (with a name) belongs to the innermost open object, an element (no name) to the
// innermost open array or is the document itself. Names are written as they are: they must be
// ASCII without quotes, backslashes or control characters (the callers' are literals). Misuse (a
// member inside an array, closing what is not open) is a programming error and not checked.
// The small methods are inline: a body of 10,000 partitions makes about 100,000 calls.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kprogress {

class JsonStream {
 public:
  explicit JsonStream(size_t reserve = 256) { out_.reserve(reserve); }

  void begin_object() { open(nullptr, '{'); }
  void begin_object(std::string_view name) { open(&name, '{'); }
  void end_object() { close('}'); }
  void begin_array(std::string_view name) { open(&name, '['); }
  void end_array() { close(']'); }

  void integer(std::string_view name, int64_t v) {
    key(name);
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
  }
  void number(std::string_view name, double v);
  void string(std::string_view name, std::string_view v) {
    key(name);
    quoted(v);
  }
  void boolean(std::string_view name, bool v) {
    key(name);
    out_ += v ? "true" : "false";
  }
  void null(std::string_view name) {
    key(name);
    out_ += "null";
  }
  // Null when empty.
  void integer_or_null(std::string_view name, const std::optional<int64_t>& v) {
    v ? integer(name, *v) : null(name);
  }
  void number_or_null(std::string_view name, const std::optional<double>& v) {
    v ? number(name, *v) : null(name);
  }
  void string_or_null(std::string_view name, const std::optional<std::string>& v) {
    v ? string(name, *v) : null(name);
  }

  std::string take() { return std::move(out_); }

 private:
  void open(const std::string_view* name, char c) {
    if (name != nullptr) {
      key(*name);
    } else if (!first_.empty()) {
      comma();
    }
    out_ += c;
    first_.push_back(true);
  }
  void close(char c) {
    out_ += c;
    first_.pop_back();
  }
  void comma() {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
  void key(std::string_view name) {
    comma();
    out_ += '"';
    out_ += name;
    out_ += "\":";
  }
  // Printable ASCII without quote or backslash is written as is; anything else by escaped().
  void quoted(std::string_view v) {
    for (char c : v) {
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        escaped(v);
        return;
      }
    }
    out_ += '"';
    out_ += v;
    out_ += '"';
  }
  void escaped(std::string_view v);

  std::string out_;
  std::vector<bool> first_;  // per open object or array: nothing written in it yet
};

}  // namespace kprogress
