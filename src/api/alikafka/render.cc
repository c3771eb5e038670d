#include "api/alikafka/render.h"

#include <algorithm>
#include <pugixml.hpp>
#include <sstream>
#include <string_view>
#include <vector>

#include "api/json_stream.h"

namespace kprogress {
namespace {

// Each body is written once, as a sequence of calls on a writer (write_progress<W>,
// write_error<W>); JsonWriter and XmlWriter turn the same calls into the two formats, so that
// they cannot drift apart. Field names are ASCII literals; values are escaped by each format's
// rules. The writers stream: no tree of the answer is built (a 10,000-partition answer used to
// spend most of its time copying one).
//
// Shapes: an object is "Name": {...} / <Name>...</Name>; a list is alikafka's double wrap,
// "X": {"X": [{...}, {...}]} / <X><X>...</X><X>...</X></X>.

// alikafka's shapes over JsonStream.
class JsonWriter {
 public:
  explicit JsonWriter(size_t reserve) : out_(reserve) {}

  void begin_root(const char* /*xml_root*/) { out_.begin_object(); }
  void end_root() { out_.end_object(); }
  void begin_object(std::string_view name) { out_.begin_object(name); }
  void end_object() { out_.end_object(); }
  void begin_list(std::string_view name) {
    out_.begin_object(name);
    out_.begin_array(name);
  }
  void end_list() {
    out_.end_array();
    out_.end_object();
  }
  void begin_item() { out_.begin_object(); }
  void end_item() { out_.end_object(); }
  void integer(std::string_view name, int64_t v) { out_.integer(name, v); }
  void string(std::string_view name, std::string_view v) { out_.string(name, v); }
  void boolean(std::string_view name, bool v) { out_.boolean(name, v); }
  std::string take() { return out_.take(); }

 private:
  JsonStream out_;
};

bool is_xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

// What XML 1.0 can hold of `s`: the document says UTF-8, and names are bytes that Kafka and
// clients may fill with anything. Invalid UTF-8 and characters outside XML's Char production
// (control characters, which pugixml would write as references that strict parsers such as
// expat reject) become U+FFFD, as the JSON writer does for invalid UTF-8.
std::string xml_text(std::string_view s) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80             ? 1
               : (c & 0xE0) == 0xC0 ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 0;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    bool ok = n != 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    // Overlong forms and surrogates are not UTF-8; is_xml_char refuses the rest.
    ok = ok && !(n == 2 && cp < 0x80) && !(n == 3 && cp < 0x800) && !(n == 4 && cp < 0x10000) &&
         is_xml_char(cp);
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append(kReplacement);
      ++i;
    }
  }
  return out;
}

class XmlWriter {
 public:
  void begin_root(const char* xml_root) {
    pugi::xml_node decl = doc_.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    open_.push_back(doc_.append_child(xml_root));
  }
  void end_root() { open_.pop_back(); }
  void begin_object(const char* name) { open_.push_back(open_.back().append_child(name)); }
  void end_object() { open_.pop_back(); }
  void begin_list(const char* name) {
    lists_.push_back(name);
    begin_object(name);
  }
  void end_list() {
    lists_.pop_back();
    end_object();
  }
  void begin_item() { begin_object(lists_.back()); }  // each item repeats the list's name
  void end_item() { end_object(); }
  void integer(const char* name, int64_t v) {
    open_.back().append_child(name).text().set(static_cast<long long>(v));
  }
  void string(const char* name, const std::string& v) {
    open_.back().append_child(name).text().set(xml_text(v).c_str());
  }
  void boolean(const char* name, bool v) {
    open_.back().append_child(name).text().set(v ? "true" : "false");
  }
  std::string take() {
    std::ostringstream out;
    doc_.save(out, "", pugi::format_raw);
    return out.str();
  }

 private:
  pugi::xml_document doc_;
  std::vector<pugi::xml_node> open_;
  std::vector<const char*> lists_;
};

bool any_commit(const TopicProgress& t) {
  return std::any_of(t.partitions.begin(), t.partitions.end(),
                     [](const PartitionProgress& p) { return p.has_commit(); });
}

template <typename W>
void write_partition(W& w, const PartitionProgress& p, const ProgressRenderOptions& o) {
  w.begin_item();
  w.integer("Partition", p.tp.partition.value());
  w.integer("LastTimestamp", o.hide_last_timestamp ? kTimestampUnknown : p.last_timestamp);
  w.integer("BrokerOffset", p.high_watermark.value());
  w.integer("ConsumerOffset", p.committed->value());
  if (o.version == AlikafkaVersion::k20190916) {
    w.integer("Accumulate", p.lag);
    w.string("ClientId", p.client_id());
    w.string("ClientIp", p.host());
    w.string("MemberId", p.member_id());
  }
  w.end_item();
}

template <typename W>
void write_progress(W& w, const GroupProgress& g, const ProgressRenderOptions& o,
                    const std::string& request_id) {
  const auto ts = [&](int64_t v) { return o.hide_last_timestamp ? kTimestampUnknown : v; };
  w.begin_root("GetConsumerProgressResponse");
  w.string("Message", std::string("operation success."));
  w.string("RequestId", request_id);
  w.begin_object("ConsumerProgress");
  w.integer("TotalDiff", g.total_lag);
  w.integer("LastTimestamp", ts(g.last_timestamp));
  if (o.version == AlikafkaVersion::k20190916) {
    w.string("state", std::string(group_state_name(g.state)));
  }
  w.begin_list("TopicList");
  for (const auto& t : g.topics) {
    // Partitions without a commit and deleted topics are left out (the format cannot say "none").
    if (!t.exists || !any_commit(t)) continue;
    w.begin_item();
    w.integer("TotalDiff", t.total_lag);
    w.integer("LastTimestamp", ts(t.last_timestamp));
    w.begin_list("OffsetList");
    for (const auto& p : t.partitions)
      if (p.has_commit()) write_partition(w, p, o);
    w.end_list();
    w.string("Topic", t.topic);
    w.end_item();
  }
  w.end_list();
  w.end_object();
  w.boolean("Success", true);
  w.integer("Code", 200);
  w.end_root();
}

template <typename W>
void write_error(W& w, const GatewayError& error, const std::string& request_id,
                 const std::string& host_id) {
  w.begin_root("Error");
  w.string("RequestId", request_id);
  w.string("HostId", host_id);
  w.string("Code", error.code);
  w.string("Message", error.message);
  w.end_root();
}

size_t partitions_of(const GroupProgress& g) {
  size_t n = 0;
  for (const auto& t : g.topics) n += t.partitions.size();
  return n;
}

}  // namespace

std::string render_progress(const GroupProgress& g, const ProgressRenderOptions& o,
                            ResponseFormat format, const std::string& request_id) {
  if (format == ResponseFormat::kJson) {
    JsonWriter w(512 + 240 * partitions_of(g));
    write_progress(w, g, o, request_id);
    return w.take();
  }
  XmlWriter w;
  write_progress(w, g, o, request_id);
  return w.take();
}

ApiResponse render_gateway_error(const GatewayError& error, ResponseFormat format,
                                 const std::string& request_id, const std::string& host_id) {
  ApiResponse out;
  out.status = error.http_status;
  if (format == ResponseFormat::kJson) {
    JsonWriter w(256);
    write_error(w, error, request_id, host_id);
    out.body = w.take();
    out.content_type = kJsonContentType;
  } else {
    XmlWriter w;
    write_error(w, error, request_id, host_id);
    out.body = w.take();
    out.content_type = kXmlContentType;
  }
  out.headers.emplace_back("x-acs-request-id", request_id);
  if (error.retry_after_ms > 0) {
    out.headers.emplace_back("x-acs-retry-after", std::to_string(error.retry_after_ms));
  }
  return out;
}

}  // namespace kprogress
