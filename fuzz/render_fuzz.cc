// Fuzzes the alikafka JSON and XML writers (src/api/alikafka/render.h) with arbitrary progress
// and arbitrary names: topic, member, client and host names come from Kafka and its clients,
// gateway error messages echo request parameters. Invariants:
//   - every body parses back (JSON with nlohmann::json, XML with pugixml) and XML bodies hold
//     only characters XML 1.0 allows, raw or as references (strict parsers such as expat, which
//     Python's SDKs use, reject anything else);
//   - the structure and every number are the model's (topics without commits or that no longer
//     exist left out, LastTimestamp -1 when hidden, the 2019-09-16 fields only in that version);
//   - strings round-trip: in JSON whenever they are valid UTF-8, in XML whenever XML can hold
//     them (fuzz_support.h's xml_representable).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "api/alikafka/render.h"
#include "fuzz_support.h"

namespace kprogress::fuzz {
namespace {

using json = nlohmann::json;

GroupProgress make_progress(FuzzedDataProvider& in) {
  GroupProgress g;
  g.group_id = in.ConsumeRandomLengthString(64);
  g.state = static_cast<GroupState>(in.ConsumeIntegralInRange<int>(0, 5));
  const int topics = in.ConsumeIntegralInRange<int>(0, 4);
  for (int t = 0; t < topics; ++t) {
    TopicProgress topic;
    topic.topic = in.ConsumeRandomLengthString(64);
    topic.exists = in.ConsumeIntegralInRange<int>(0, 7) != 0;
    topic.total_lag = in.ConsumeIntegral<int64_t>();
    topic.last_timestamp = in.ConsumeIntegral<int64_t>();
    const int partitions = in.ConsumeIntegralInRange<int>(0, 4);
    for (int p = 0; p < partitions; ++p) {
      PartitionProgress part;
      part.tp = {topic.topic, PartitionId(in.ConsumeIntegral<int32_t>())};
      if (in.ConsumeIntegralInRange<int>(0, 3) != 0) {
        part.committed = Offset(in.ConsumeIntegral<int64_t>());
      }
      part.log_start = Offset(in.ConsumeIntegral<int64_t>());
      part.high_watermark = Offset(in.ConsumeIntegral<int64_t>());
      part.lag = in.ConsumeIntegral<int64_t>();
      part.last_timestamp = in.ConsumeIntegral<int64_t>();
      PartitionOwner owner;
      owner.member_id = in.ConsumeRandomLengthString(64);
      owner.client_id = in.ConsumeRandomLengthString(64);
      owner.host = in.ConsumeRandomLengthString(64);
      part.owner = std::make_shared<const PartitionOwner>(std::move(owner));
      topic.partitions.push_back(std::move(part));
    }
    g.topics.push_back(std::move(topic));
  }
  g.total_lag = in.ConsumeIntegral<int64_t>();
  g.last_timestamp = in.ConsumeIntegral<int64_t>();
  return g;
}

pugi::xml_document parse_xml(const std::string& body) {
  check_xml_chars(body);
  pugi::xml_document doc;
  pugi::xml_parse_result r = doc.load_buffer(
      body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  KP_FUZZ_CHECK(r, std::string(r.description()) + "\n" + body);
  return doc;
}

json parse_json(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::exception& e) {
    check_failed(__FILE__, __LINE__, "JSON body parses", std::string(e.what()) + "\n" + body);
  }
}

int64_t xml_int(pugi::xml_node n, const char* name) {
  pugi::xml_node c = n.child(name);
  KP_FUZZ_CHECK(c, std::string("missing ") + name);
  const std::string s = c.child_value();
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (...) {
    used = std::string::npos;
  }
  KP_FUZZ_CHECK(used == s.size(), std::string(name) + " = " + s);
  return v;
}

void check_string(const std::string& got, const std::string& want, bool json, const char* what) {
  if (json ? is_utf8(want) : xml_representable(want)) {
    KP_FUZZ_CHECK(got == want, std::string(what) + ": got \"" + got + "\", want \"" + want + "\"");
  }
}

void check_progress(const GroupProgress& g, const ProgressRenderOptions& o, ResponseFormat format,
                    const std::string& request_id) {
  const std::string body = render_progress(g, o, format, request_id);
  const bool v2019 = o.version == AlikafkaVersion::k20190916;
  auto ts = [&](int64_t v) { return o.hide_last_timestamp ? kTimestampUnknown : v; };
  std::vector<const TopicProgress*> topics;
  for (const auto& t : g.topics) {
    if (!t.exists) continue;
    for (const auto& p : t.partitions) {
      if (p.has_commit()) {
        topics.push_back(&t);
        break;
      }
    }
  }

  if (format == ResponseFormat::kJson) {
    const json j = parse_json(body);
    KP_FUZZ_CHECK(j.at("Code") == 200 && j.at("Success") == true, body);
    check_string(j.at("RequestId").get<std::string>(), request_id, true, "RequestId");
    const json& cp = j.at("ConsumerProgress");
    KP_FUZZ_CHECK(cp.at("TotalDiff") == g.total_lag, body);
    KP_FUZZ_CHECK(cp.at("LastTimestamp") == ts(g.last_timestamp), body);
    KP_FUZZ_CHECK(cp.contains("state") == v2019, body);
    if (v2019) KP_FUZZ_CHECK(cp.at("state") == group_state_name(g.state), body);
    const json& list = cp.at("TopicList").at("TopicList");
    KP_FUZZ_CHECK(list.size() == topics.size(), body);
    for (size_t i = 0; i < topics.size(); ++i) {
      const TopicProgress& t = *topics[i];
      const json& jt = list[i];
      check_string(jt.at("Topic").get<std::string>(), t.topic, true, "Topic");
      KP_FUZZ_CHECK(jt.at("TotalDiff") == t.total_lag, body);
      KP_FUZZ_CHECK(jt.at("LastTimestamp") == ts(t.last_timestamp), body);
      const json& offsets = jt.at("OffsetList").at("OffsetList");
      size_t k = 0;
      for (const auto& p : t.partitions) {
        if (!p.has_commit()) continue;
        KP_FUZZ_CHECK(k < offsets.size(), body);
        const json& jp = offsets[k++];
        KP_FUZZ_CHECK(jp.at("Partition") == p.tp.partition.value(), body);
        KP_FUZZ_CHECK(jp.at("ConsumerOffset") == p.committed->value(), body);
        KP_FUZZ_CHECK(jp.at("BrokerOffset") == p.high_watermark.value(), body);
        KP_FUZZ_CHECK(jp.at("LastTimestamp") == ts(p.last_timestamp), body);
        KP_FUZZ_CHECK(jp.contains("Accumulate") == v2019 && jp.size() == (v2019 ? 8u : 4u), body);
        if (!v2019) continue;
        KP_FUZZ_CHECK(jp.at("Accumulate") == p.lag, body);
        check_string(jp.at("ClientId").get<std::string>(), p.client_id(), true, "ClientId");
        check_string(jp.at("ClientIp").get<std::string>(), p.host(), true, "ClientIp");
        check_string(jp.at("MemberId").get<std::string>(), p.member_id(), true, "MemberId");
      }
      KP_FUZZ_CHECK(k == offsets.size(), body);
    }
    return;
  }

  const pugi::xml_document doc = parse_xml(body);
  const pugi::xml_node root = doc.child("GetConsumerProgressResponse");
  KP_FUZZ_CHECK(root, body);
  KP_FUZZ_CHECK(xml_int(root, "Code") == 200, body);
  check_string(root.child_value("RequestId"), request_id, false, "RequestId");
  const pugi::xml_node cp = root.child("ConsumerProgress");
  KP_FUZZ_CHECK(xml_int(cp, "TotalDiff") == g.total_lag, body);
  KP_FUZZ_CHECK(xml_int(cp, "LastTimestamp") == ts(g.last_timestamp), body);
  KP_FUZZ_CHECK(static_cast<bool>(cp.child("state")) == v2019, body);
  size_t i = 0;
  for (pugi::xml_node xt : cp.child("TopicList").children("TopicList")) {
    KP_FUZZ_CHECK(i < topics.size(), body);
    const TopicProgress& t = *topics[i++];
    check_string(xt.child_value("Topic"), t.topic, false, "Topic");
    KP_FUZZ_CHECK(xml_int(xt, "TotalDiff") == t.total_lag, body);
    KP_FUZZ_CHECK(xml_int(xt, "LastTimestamp") == ts(t.last_timestamp), body);
    auto part = t.partitions.begin();
    for (pugi::xml_node xp : xt.child("OffsetList").children("OffsetList")) {
      while (part != t.partitions.end() && !part->has_commit()) ++part;
      KP_FUZZ_CHECK(part != t.partitions.end(), body);
      const PartitionProgress& p = *part++;
      KP_FUZZ_CHECK(xml_int(xp, "Partition") == p.tp.partition.value(), body);
      KP_FUZZ_CHECK(xml_int(xp, "ConsumerOffset") == p.committed->value(), body);
      KP_FUZZ_CHECK(xml_int(xp, "BrokerOffset") == p.high_watermark.value(), body);
      KP_FUZZ_CHECK(xml_int(xp, "LastTimestamp") == ts(p.last_timestamp), body);
      KP_FUZZ_CHECK(static_cast<bool>(xp.child("Accumulate")) == v2019, body);
      if (!v2019) continue;
      KP_FUZZ_CHECK(xml_int(xp, "Accumulate") == p.lag, body);
      check_string(xp.child_value("ClientId"), p.client_id(), false, "ClientId");
      check_string(xp.child_value("ClientIp"), p.host(), false, "ClientIp");
      check_string(xp.child_value("MemberId"), p.member_id(), false, "MemberId");
    }
    while (part != t.partitions.end() && !part->has_commit()) ++part;
    KP_FUZZ_CHECK(part == t.partitions.end(), "a partition with a commit is missing\n" + body);
  }
  KP_FUZZ_CHECK(i == topics.size(), body);
}

void check_error(FuzzedDataProvider& in, ResponseFormat format) {
  GatewayError e;
  e.http_status = in.ConsumeIntegralInRange<int>(400, 599);
  e.code = in.ConsumeRandomLengthString(32);
  e.message = in.ConsumeRandomLengthString(256);
  e.retry_after_ms = in.ConsumeIntegralInRange<int64_t>(-1, 100000);
  const std::string request_id = in.ConsumeRandomLengthString(40);
  const std::string host_id = in.ConsumeRandomLengthString(40);
  ApiResponse r = render_gateway_error(e, format, request_id, host_id);
  KP_FUZZ_CHECK(r.status == e.http_status, std::to_string(r.status));
  KP_FUZZ_CHECK(r.headers.size() == (e.retry_after_ms > 0 ? 2u : 1u), r.body);
  KP_FUZZ_CHECK(r.headers[0].first == "x-acs-request-id" && r.headers[0].second == request_id,
                r.body);
  if (e.retry_after_ms > 0) {
    KP_FUZZ_CHECK(r.headers[1] == std::make_pair(std::string("x-acs-retry-after"),
                                                 std::to_string(e.retry_after_ms)),
                  r.headers[1].second);
  }
  const bool is_json = format == ResponseFormat::kJson;
  KP_FUZZ_CHECK(r.content_type == (is_json ? kJsonContentType : kXmlContentType), r.content_type);
  if (is_json) {
    const json j = parse_json(r.body);
    KP_FUZZ_CHECK(j.size() == 4u, r.body);
    check_string(j.at("RequestId").get<std::string>(), request_id, true, "RequestId");
    check_string(j.at("HostId").get<std::string>(), host_id, true, "HostId");
    check_string(j.at("Code").get<std::string>(), e.code, true, "Code");
    check_string(j.at("Message").get<std::string>(), e.message, true, "Message");
  } else {
    const pugi::xml_document doc = parse_xml(r.body);
    const pugi::xml_node root = doc.child("Error");
    KP_FUZZ_CHECK(root, r.body);
    check_string(root.child_value("RequestId"), request_id, false, "RequestId");
    check_string(root.child_value("HostId"), host_id, false, "HostId");
    check_string(root.child_value("Code"), e.code, false, "Code");
    check_string(root.child_value("Message"), e.message, false, "Message");
  }
}

}  // namespace
}  // namespace kprogress::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kprogress;
  using namespace kprogress::fuzz;
  FuzzedDataProvider in(data, size);
  const ResponseFormat format = in.ConsumeBool() ? ResponseFormat::kJson : ResponseFormat::kXml;
  if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
    check_error(in, format);
    return 0;
  }
  ProgressRenderOptions options;
  options.version = in.ConsumeBool() ? AlikafkaVersion::k20190916 : AlikafkaVersion::k20181015;
  options.hide_last_timestamp = in.ConsumeBool();
  const std::string request_id = in.ConsumeRandomLengthString(40);
  const GroupProgress g = make_progress(in);
  check_progress(g, options, format, request_id);
  return 0;
}
