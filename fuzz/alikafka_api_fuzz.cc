// Fuzzes the alikafka request path end to end without Kafka: AlikafkaApi::handle over a
// FakeKafkaClient (tests/unit/progress), once open (no authentication) and once behind an
// Authenticator with a fixed clock and key. The input is a request in fuzz_support.h's text form;
// the seeds are requests captured from every Alibaba SDK, which succeed as they are. Invariants:
//   - the status is one the API documents (never 5xx: the fake Kafka does not fail), the
//     content type is JSON or XML and the body parses as it says;
//   - the body's RequestId is the x-acs-request-id header; an error body has the gateway shape
//     and a documented code;
//   - a success has consistent sums (a topic's TotalDiff is the sum of its partitions'
//     Accumulate; the group's is the sum of the topics') and the numbers of the fake cluster;
//   - what authentication lets through is answered exactly as without authentication, and in
//     the version the signature covers (V1: the Version parameter; V3: x-acs-version).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <string>

#include "api/alikafka/alikafka_api.h"
#include "api/auth/authenticator.h"
#include "fake_kafka_client.h"
#include "fuzz_support.h"

namespace kprogress::fuzz {
namespace {

using json = nlohmann::json;

struct World {
  testing::FakeKafkaClient kafka;
  FixedClock clock;
  std::unique_ptr<ProgressService> progress;
  // The group's expected totals (computed through ProgressService once).
  std::map<std::string, int64_t> total_lag;

  World() {
    kafka.produce("orders", 0, 10, 1000);
    kafka.produce("orders", 1, 5, 2000);
    kafka.add_marker("orders", 1);
    kafka.create_topic("orders", 3);
    kafka.produce("payments", 0, 4, 3000);
    for (const char* g : {kCapturedGroup, "g"}) {
      kafka.commit(g, "orders", 0, 7);
      kafka.commit(g, "orders", 1, 6);
      kafka.commit(g, "orders", 2, 0);
      kafka.commit(g, "payments", 0, 2);
      kafka.group(g).state = GroupState::kStable;
      kafka.group(g).members = {{"m-1", "cid", "/10.1.2.3", "", {{"orders", PartitionId(0)}}}};
    }
    kafka.group("empty").state = GroupState::kEmpty;
    progress = std::make_unique<ProgressService>(kafka, clock);
    for (const char* g : {kCapturedGroup, "g", "empty"}) {
      auto p = progress->group_progress(g, Deadline::after(std::chrono::seconds(10)));
      KP_FUZZ_CHECK(p.ok(), p.ok() ? "" : p.error().message);
      total_lag[g] = p->total_lag;
    }
  }
};

World& world() {
  static World* w = new World();  // never destroyed: the fake outlives every thread it served
  return *w;
}

const std::map<std::string, int>& documented_errors() {
  static const std::map<std::string, int> kErrors = {
      {"MissingParameter", 400},
      {"InvalidParameter", 400},
      {"InvalidApi.NotFound", 404},
      {"InvalidVersion", 400},
      {"InvalidInstanceId.NotFound", 404},
      {"InvalidConsumerId.NotFound", 404},
      {"SignatureDoesNotMatch", 400},
      {"InvalidAccessKeyId.NotFound", 404},
      {"IncompleteSignature", 400},
      {"InvalidSignatureMethod", 400},
      {"InvalidTimeStamp.Expired", 400},
      {"InvalidTimeStamp.Format", 400},
      {"SignatureNonceUsed", 400},
      {"Throttling.User", 400},
      {"InvalidSecurityToken.NotSupported", 400},
      {"Forbidden.RAM", 403},
  };
  return kErrors;
}

// A response body as a tree of strings: JSON and XML checked with the same code. Only what the
// checks read: Code, RequestId, HostId, Message and the ConsumerProgress sums.
struct Parsed {
  std::string request_id, code, host_id, message;
  bool success = false;
  bool has_state = false;
  int64_t total_diff = 0, topics_total_diff = 0;
  bool sums_consistent = true;
  std::string detail;  // why sums_consistent is false
};

int64_t to_int(const std::string& s) {
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  check_failed(__FILE__, __LINE__, "an integer field", s);
}

Parsed parse_json(const std::string& body) {
  Parsed p;
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {
    check_failed(__FILE__, __LINE__, "JSON body parses", std::string(e.what()) + "\n" + body);
  }
  KP_FUZZ_CHECK(j.is_object() && j.contains("RequestId"), body);
  p.request_id = j["RequestId"].get<std::string>();
  if (j.contains("Success")) {
    p.success = j["Success"].get<bool>();
    const json& cp = j.at("ConsumerProgress");
    p.has_state = cp.contains("state");
    p.total_diff = cp.at("TotalDiff").get<int64_t>();
    for (const json& t : cp.at("TopicList").at("TopicList")) {
      int64_t topic_diff = t.at("TotalDiff").get<int64_t>();
      p.topics_total_diff += topic_diff;
      if (p.has_state) {
        int64_t sum = 0;
        for (const json& o : t.at("OffsetList").at("OffsetList"))
          sum += o.at("Accumulate").get<int64_t>();
        if (sum != topic_diff) {
          p.sums_consistent = false;
          p.detail = "topic " + t.at("Topic").get<std::string>() + ": " + std::to_string(sum) +
                     " != " + std::to_string(topic_diff);
        }
      }
    }
  } else {
    for (const char* k : {"HostId", "Code", "Message"}) KP_FUZZ_CHECK(j.contains(k), body);
    p.code = j["Code"].get<std::string>();
    p.host_id = j["HostId"].get<std::string>();
    p.message = j["Message"].get<std::string>();
  }
  return p;
}

Parsed parse_xml(const std::string& body) {
  Parsed p;
  check_xml_chars(body);
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(
      body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  KP_FUZZ_CHECK(r, std::string(r.description()) + "\n" + body);
  pugi::xml_node root = doc.document_element();
  p.request_id = root.child_value("RequestId");
  if (std::string(root.name()) == "GetConsumerProgressResponse") {
    p.success = std::string(root.child_value("Success")) == "true";
    pugi::xml_node cp = root.child("ConsumerProgress");
    KP_FUZZ_CHECK(cp, body);
    p.has_state = static_cast<bool>(cp.child("state"));
    p.total_diff = to_int(cp.child_value("TotalDiff"));
    for (pugi::xml_node t : cp.child("TopicList").children("TopicList")) {
      int64_t topic_diff = to_int(t.child_value("TotalDiff"));
      p.topics_total_diff += topic_diff;
      if (p.has_state) {
        int64_t sum = 0;
        for (pugi::xml_node o : t.child("OffsetList").children("OffsetList"))
          sum += to_int(o.child_value("Accumulate"));
        if (sum != topic_diff) {
          p.sums_consistent = false;
          p.detail = std::string("topic ") + t.child_value("Topic");
        }
      }
    }
  } else {
    KP_FUZZ_CHECK(std::string(root.name()) == "Error", body);
    for (const char* k : {"HostId", "Code", "Message"}) KP_FUZZ_CHECK(root.child(k), body);
    p.code = root.child_value("Code");
    p.host_id = root.child_value("HostId");
    p.message = root.child_value("Message");
  }
  return p;
}

// Checks one response; returns what it parsed.
Parsed check_response(const ApiResponse& r, const ApiRequest& request, const std::string& group) {
  const bool is_json = r.content_type == kJsonContentType;
  KP_FUZZ_CHECK(is_json || r.content_type == kXmlContentType, r.content_type);
  KP_FUZZ_CHECK(!r.headers.empty() && r.headers[0].first == "x-acs-request-id", r.body);
  Parsed p = is_json ? parse_json(r.body) : parse_xml(r.body);
  KP_FUZZ_CHECK(p.request_id == r.headers[0].second && p.request_id.size() == 36,
                p.request_id + " vs " + r.headers[0].second);
  if (r.status == 200) {
    KP_FUZZ_CHECK(p.success, r.body);
    KP_FUZZ_CHECK(p.sums_consistent, p.detail + "\n" + r.body);
    KP_FUZZ_CHECK(p.total_diff == p.topics_total_diff, r.body);
    auto expected = world().total_lag.find(group);
    KP_FUZZ_CHECK(expected != world().total_lag.end(), "200 for group " + group);
    KP_FUZZ_CHECK(p.total_diff == expected->second, r.body);
    return p;
  }
  auto it = documented_errors().find(p.code);
  KP_FUZZ_CHECK(it != documented_errors().end(),
                "status " + std::to_string(r.status) + " " + p.code + ": " + p.message);
  KP_FUZZ_CHECK(it->second == r.status, p.code + " with status " + std::to_string(r.status));
  const std::string host(request.header("host"));
  if (is_json ? is_utf8(host) : xml_representable(host)) {
    KP_FUZZ_CHECK(p.host_id == host, p.host_id + " vs " + host);
  }
  KP_FUZZ_CHECK(
      p.message.find(kSecret) == std::string::npos ||
          (request.query + request.body).find(kSecret) != std::string::npos ||
          std::any_of(request.headers.begin(), request.headers.end(),
                      [](const auto& h) { return h.second.find(kSecret) != std::string::npos; }),
      "secret in message");
  return p;
}

std::string without(std::string body, const std::string& request_id) {
  size_t at = body.find(request_id);
  if (at != std::string::npos) body.erase(at, request_id.size());
  return body;
}

std::string first_param(const ParamList& params, std::string_view name) {
  const std::string* v = find_param(params, name);
  return v ? *v : std::string();
}

}  // namespace
}  // namespace kprogress::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kprogress;
  using namespace kprogress::fuzz;
  World& w = world();
  const TextRequest text =
      parse_text_request(std::string_view(reinterpret_cast<const char*>(data), size));
  ApiRequest request{text.method, text.path, text.query, text.headers, text.body, "127.0.0.1"};

  const std::vector<AlikafkaInstance> instances = {{kInstanceId, kRegionId, w.progress.get()}};
  AlikafkaApi open(instances, nullptr, {});

  auto authenticator = auth::Authenticator::create({{kAccessKeyId, kSecret, {}}}, w.clock);
  KP_FUZZ_CHECK(authenticator.ok(), "Authenticator::create");
  Authenticate authenticate = [&](const auth::SignedRequest& r,
                                  const ParamList& params) -> GatewayResult<Caller> {
    auto p = authenticator->verify(r, params);
    if (!p) return p.error();
    return Caller{p->access_key_id, p->instances};
  };
  AlikafkaApi signed_api(instances, authenticate, {});

  // The group the request names, if its parameters decode (for the expected numbers).
  const auth::SignedRequest signed_request{
      text.method, text.path, text.query, text.headers, text.body, header_of(text, "content-type")};
  auto params = auth::request_params(signed_request);
  const std::string group = params.ok() ? first_param(*params, "ConsumerId") : std::string();

  ApiResponse open_response = open.handle(request);
  Parsed open_parsed = check_response(open_response, request, group);
  ApiResponse signed_response = signed_api.handle(request);
  Parsed signed_parsed = check_response(signed_response, request, group);

  if (signed_response.status == 200) {
    KP_FUZZ_CHECK(
        open_response.status == 200,
        "signed 200, open " + std::to_string(open_response.status) + "\n" + open_response.body);
    KP_FUZZ_CHECK(without(open_response.body, open_parsed.request_id) ==
                      without(signed_response.body, signed_parsed.request_id),
                  open_response.body + "\n" + signed_response.body);
    // The version answered is the one the signature covers.
    const bool v3 =
        auth::signature_scheme(signed_request) == auth::SignatureScheme::kV3AcsHmacSha256;
    const std::string signed_version =
        v3 ? *signed_request.header("x-acs-version") : first_param(*params, "Version");
    KP_FUZZ_CHECK(signed_parsed.has_state == (signed_version == "2019-09-16"),
                  "signed Version " + signed_version + ", answered " +
                      (signed_parsed.has_state ? "2019-09-16" : "2018-10-15") + "\n" +
                      signed_response.body);
  }
  return 0;
}
