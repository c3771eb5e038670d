#include "kafka/wire/kafka_codec.h"

namespace kprogress::wire {
namespace {

class Writer {
 public:
  void int8(int8_t v) { out_.push_back(static_cast<char>(v)); }
  void int16(int16_t v) { be(static_cast<uint16_t>(v), 2); }
  void int32(int32_t v) { be(static_cast<uint32_t>(v), 4); }
  void int64(int64_t v) { be(static_cast<uint64_t>(v), 8); }
  void string(std::string_view s) {
    int16(static_cast<int16_t>(s.size()));
    out_.append(s);
  }
  // The request with its size in front.
  std::string framed() const {
    Writer size;
    size.int32(static_cast<int32_t>(out_.size()));
    return size.out_ + out_;
  }

 private:
  void be(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// Reads the response; the first read past the end sets `truncated` and returns zeros.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  int16_t int16() { return static_cast<int16_t>(be(2)); }
  int32_t int32() { return static_cast<int32_t>(be(4)); }
  int64_t int64() { return static_cast<int64_t>(be(8)); }
  std::string string() {
    const int16_t n = int16();
    if (n < 0) {
      bad_ = true;  // null where a string must be
      return {};
    }
    return take(static_cast<size_t>(n));
  }
  std::optional<std::string> nullable_string() {
    const int16_t n = int16();
    if (n < 0) return std::nullopt;
    return take(static_cast<size_t>(n));
  }
  // An array's length; a negative one (null) reads as empty. Each element takes at least
  // `min_element_size` bytes, so a length the rest of the answer cannot hold is refused before
  // anything is reserved for it.
  size_t array_length(size_t min_element_size) {
    const int32_t n = int32();
    if (n <= 0) return 0;
    if (static_cast<size_t>(n) > (in_.size() - at_) / min_element_size) {
      bad_ = true;
      return 0;
    }
    return static_cast<size_t>(n);
  }
  bool ok() const { return !bad_; }
  bool at_end() const { return at_ == in_.size(); }

 private:
  uint64_t be(int bytes) {
    if (bad_ || in_.size() - at_ < static_cast<size_t>(bytes)) {
      bad_ = true;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in_[at_++]);
    return v;
  }
  std::string take(size_t n) {
    if (bad_ || in_.size() - at_ < n) {
      bad_ = true;
      return {};
    }
    std::string s(in_.substr(at_, n));
    at_ += n;
    return s;
  }

  std::string_view in_;
  size_t at_ = 0;
  bool bad_ = false;
};

Writer header(int16_t api_key, int16_t version, int32_t correlation_id,
              std::string_view client_id) {
  Writer w;
  w.int16(api_key);
  w.int16(version);
  w.int32(correlation_id);
  w.string(client_id);
  return w;
}

Error malformed(const char* what, const char* why) {
  return Error::internal(std::string("malformed ") + what + " answer from Kafka: " + why);
}

// Reads the response header; an error when it answers another request.
std::optional<Error> check_correlation(Reader& r, int32_t expected, const char* what) {
  const int32_t got = r.int32();
  if (!r.ok()) return malformed(what, "shorter than its header");
  if (got != expected) {
    return Error::internal(std::string(what) + ": the answer is to request " + std::to_string(got) +
                           ", not " + std::to_string(expected));
  }
  return std::nullopt;
}

}  // namespace

std::string find_coordinator_request(int32_t correlation_id, std::string_view client_id,
                                     std::string_view group_id) {
  Writer w = header(kFindCoordinatorKey, kFindCoordinatorVersion, correlation_id, client_id);
  w.string(group_id);
  w.int8(0);  // key type: a group
  return w.framed();
}

std::string offset_fetch_all_request(int32_t correlation_id, std::string_view client_id,
                                     std::string_view group_id) {
  Writer w = header(kOffsetFetchKey, kOffsetFetchVersion, correlation_id, client_id);
  w.string(group_id);
  w.int32(-1);  // topics: null, i.e. all
  return w.framed();
}

std::string list_offsets_request(int32_t correlation_id, std::string_view client_id, int64_t spec,
                                 const std::vector<TopicPartitions>& topics) {
  Writer w = header(kListOffsetsKey, kListOffsetsVersion, correlation_id, client_id);
  w.int32(-1);  // replica id: a client
  w.int8(0);    // read_uncommitted
  w.int32(static_cast<int32_t>(topics.size()));
  for (const auto& t : topics) {
    w.string(t.topic);
    w.int32(static_cast<int32_t>(t.partitions.size()));
    for (int32_t p : t.partitions) {
      w.int32(p);
      w.int32(-1);  // current leader epoch: unknown
      w.int64(spec);
    }
  }
  return w.framed();
}

Result<CoordinatorAnswer> parse_find_coordinator_response(std::string_view response,
                                                          int32_t correlation_id) {
  Reader r(response);
  if (auto e = check_correlation(r, correlation_id, "FindCoordinator")) return *e;
  CoordinatorAnswer a;
  (void)r.int32();  // throttle time
  a.error_code = r.int16();
  a.error_message = r.nullable_string().value_or("");
  a.node_id = r.int32();
  a.host = r.string();
  a.port = r.int32();
  if (!r.ok()) return malformed("FindCoordinator", "truncated");
  if (!r.at_end()) return malformed("FindCoordinator", "bytes after the end");
  return a;
}

Result<OffsetFetchAnswer> parse_offset_fetch_response(std::string_view response,
                                                      int32_t correlation_id) {
  Reader r(response);
  if (auto e = check_correlation(r, correlation_id, "OffsetFetch")) return *e;
  OffsetFetchAnswer a;
  (void)r.int32();  // throttle time
  // A topic: name (2+), partitions (4); a partition: 4 + 8 + 4 + 2 + 2 bytes at least.
  const size_t topics = r.array_length(6);
  for (size_t t = 0; t < topics && r.ok(); ++t) {
    const std::string topic = r.string();
    const size_t partitions = r.array_length(20);
    a.partitions.reserve(a.partitions.size() + partitions);
    for (size_t p = 0; p < partitions && r.ok(); ++p) {
      FetchedOffset f;
      f.topic = topic;
      f.partition = r.int32();
      f.offset = r.int64();
      (void)r.int32();  // the leader epoch of the commit
      f.metadata = r.nullable_string().value_or("");
      f.error_code = r.int16();
      a.partitions.push_back(std::move(f));
    }
  }
  a.error_code = r.int16();
  if (!r.ok()) return malformed("OffsetFetch", "truncated or a length out of range");
  if (!r.at_end()) return malformed("OffsetFetch", "bytes after the end");
  return a;
}

Result<std::vector<ListedOffset>> parse_list_offsets_response(std::string_view response,
                                                              int32_t correlation_id) {
  Reader r(response);
  if (auto e = check_correlation(r, correlation_id, "ListOffsets")) return *e;
  std::vector<ListedOffset> out;
  (void)r.int32();  // throttle time
  // A partition: 4 + 2 + 8 + 8 + 4 bytes.
  const size_t topics = r.array_length(6);
  for (size_t t = 0; t < topics && r.ok(); ++t) {
    const std::string topic = r.string();
    const size_t partitions = r.array_length(26);
    out.reserve(out.size() + partitions);
    for (size_t p = 0; p < partitions && r.ok(); ++p) {
      ListedOffset o;
      o.topic = topic;
      o.partition = r.int32();
      o.error_code = r.int16();
      (void)r.int64();  // timestamp
      o.offset = r.int64();
      (void)r.int32();  // leader epoch
      out.push_back(std::move(o));
    }
  }
  if (!r.ok()) return malformed("ListOffsets", "truncated or a length out of range");
  if (!r.at_end()) return malformed("ListOffsets", "bytes after the end");
  return out;
}

}  // namespace kprogress::wire
