#include "api/alikafka/render.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <string_view>

namespace kprogress {
namespace {

using ordered_json = nlohmann::ordered_json;

// One record per field, in the order the gateway writes them; JSON and XML are both built from
// this so that they cannot drift apart.
struct Node {
  std::string name;
  enum Kind { kInt, kString, kBool, kObject, kList } kind = kObject;
  int64_t i = 0;
  std::string s;
  bool b = false;
  std::vector<Node> children;  // kObject: fields; kList: items (each a kObject)

  static Node integer(std::string n, int64_t v) { return {std::move(n), kInt, v, {}, false, {}}; }
  static Node string(std::string n, std::string v) {
    return {std::move(n), kString, 0, std::move(v), false, {}};
  }
  static Node boolean(std::string n, bool v) { return {std::move(n), kBool, 0, {}, v, {}}; }
  static Node object(std::string n, std::vector<Node> c = {}) {
    return {std::move(n), kObject, 0, {}, false, std::move(c)};
  }
  // "X": {"X": [items]}: alikafka's double-wrapped list.
  static Node list(const std::string& n, std::vector<Node> items) {
    return object(n, {Node{n, kList, 0, {}, false, std::move(items)}});
  }
};

ordered_json to_json(const Node& node) {
  switch (node.kind) {
    case Node::kInt: return node.i;
    case Node::kString: return node.s;
    case Node::kBool: return node.b;
    case Node::kList: {
      ordered_json arr = ordered_json::array();
      for (const auto& item : node.children) arr.push_back(to_json(item));
      return arr;
    }
    case Node::kObject: {
      ordered_json obj = ordered_json::object();
      for (const auto& c : node.children) obj[c.name] = to_json(c);
      return obj;
    }
  }
  return nullptr;
}

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

void to_xml(const Node& node, pugi::xml_node parent) {
  switch (node.kind) {
    case Node::kInt:
      parent.append_child(node.name.c_str()).text().set(static_cast<long long>(node.i));
      return;
    case Node::kString:
      parent.append_child(node.name.c_str()).text().set(xml_text(node.s).c_str());
      return;
    case Node::kBool:
      parent.append_child(node.name.c_str()).text().set(node.b ? "true" : "false");
      return;
    case Node::kList:
      // <X><X>item</X><X>item</X></X>: each item repeats the list's name.
      for (const auto& item : node.children) {
        pugi::xml_node el = parent.append_child(node.name.c_str());
        for (const auto& c : item.children) to_xml(c, el);
      }
      return;
    case Node::kObject: {
      pugi::xml_node el = parent.append_child(node.name.c_str());
      for (const auto& c : node.children) to_xml(c, el);
      return;
    }
  }
}

std::string serialize(const Node& root, ResponseFormat format, const char* xml_root) {
  if (format == ResponseFormat::kJson) {
    // Invalid UTF-8 (a group or topic name is bytes) is replaced rather than thrown on.
    return to_json(root).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  }
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node top = doc.append_child(xml_root);
  for (const auto& c : root.children) to_xml(c, top);
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

Node partition_node(const PartitionProgress& p, const ProgressRenderOptions& o) {
  const int64_t ts = o.hide_last_timestamp ? kTimestampUnknown : p.last_timestamp;
  Node n = Node::object("", {
                                Node::integer("Partition", p.tp.partition.value()),
                                Node::integer("LastTimestamp", ts),
                                Node::integer("BrokerOffset", p.high_watermark.value()),
                                Node::integer("ConsumerOffset", p.committed->value()),
                            });
  if (o.version == AlikafkaVersion::k20190916) {
    n.children.push_back(Node::integer("Accumulate", p.lag));
    n.children.push_back(Node::string("ClientId", p.client_id));
    n.children.push_back(Node::string("ClientIp", p.host));
    n.children.push_back(Node::string("MemberId", p.member_id));
  }
  return n;
}

}  // namespace

std::string render_progress(const GroupProgress& g, const ProgressRenderOptions& o,
                            ResponseFormat format, const std::string& request_id) {
  std::vector<Node> topics;
  for (const auto& t : g.topics) {
    if (!t.exists) continue;
    std::vector<Node> offsets;
    for (const auto& p : t.partitions)
      if (p.has_commit()) offsets.push_back(partition_node(p, o));
    if (offsets.empty()) continue;
    topics.push_back(Node::object(
        "", {
                Node::integer("TotalDiff", t.total_lag),
                Node::integer("LastTimestamp",
                              o.hide_last_timestamp ? kTimestampUnknown : t.last_timestamp),
                Node::list("OffsetList", std::move(offsets)),
                Node::string("Topic", t.topic),
            }));
  }
  Node progress =
      Node::object("ConsumerProgress",
                   {Node::integer("TotalDiff", g.total_lag),
                    Node::integer("LastTimestamp",
                                  o.hide_last_timestamp ? kTimestampUnknown : g.last_timestamp)});
  if (o.version == AlikafkaVersion::k20190916) {
    progress.children.push_back(Node::string("state", group_state_name(g.state)));
  }
  progress.children.push_back(Node::list("TopicList", std::move(topics)));
  Node root = Node::object("", {
                                   Node::string("Message", "operation success."),
                                   Node::string("RequestId", request_id),
                                   std::move(progress),
                                   Node::boolean("Success", true),
                                   Node::integer("Code", 200),
                               });
  return serialize(root, format, "GetConsumerProgressResponse");
}

ApiResponse render_gateway_error(const GatewayError& error, ResponseFormat format,
                                 const std::string& request_id, const std::string& host_id) {
  Node root = Node::object("", {
                                   Node::string("RequestId", request_id),
                                   Node::string("HostId", host_id),
                                   Node::string("Code", error.code),
                                   Node::string("Message", error.message),
                               });
  ApiResponse out;
  out.status = error.http_status;
  out.content_type = format == ResponseFormat::kJson ? kJsonContentType : kXmlContentType;
  out.body = serialize(root, format, "Error");
  out.headers.emplace_back("x-acs-request-id", request_id);
  if (error.retry_after_ms > 0) {
    out.headers.emplace_back("x-acs-retry-after", std::to_string(error.retry_after_ms));
  }
  return out;
}

}  // namespace kprogress
