#include "api/alikafka/rpc_call.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace kprogress {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool is_v3(const ApiRequest& request) {
  return starts_with_icase(request.header("authorization"), "ACS3-");
}

std::optional<std::string_view> first(const ParamList& params, std::string_view name) {
  if (const std::string* v = find_param(params, name)) return std::string_view(*v);
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> RpcCall::param(std::string_view name) const {
  return first(params, name);
}

ResponseFormat response_format(const ApiRequest& request, const ParamList& params) {
  if (auto f = first(params, "Format")) {
    if (iequals(*f, "JSON")) return ResponseFormat::kJson;
    if (iequals(*f, "XML")) return ResponseFormat::kXml;
  }
  if (is_v3(request) || !request.header("x-acs-version").empty()) return ResponseFormat::kJson;
  if (request.header("accept").find("application/json") != std::string_view::npos)
    return ResponseFormat::kJson;
  return ResponseFormat::kXml;
}

GatewayResult<RpcCall> parse_rpc_call(const ApiRequest& request, ParamList params) {
  RpcCall call;
  call.v3_signed = is_v3(request);
  call.format = response_format(request, params);
  if (auto f = first(params, "Format"); f && !iequals(*f, "JSON") && !iequals(*f, "XML")) {
    return GatewayError::invalid_parameter("Format", "Use JSON or XML.");
  }
  // V3 puts Action and Version in headers; old SDKs (aliyun-python-sdk-core) send both the
  // headers and the parameters. A parameter wins for V1, the header for V3.
  auto pick = [&](std::string_view param_name, std::string_view header_name) {
    auto from_param = first(params, param_name);
    std::string_view from_header = request.header(header_name);
    if (call.v3_signed && !from_header.empty()) return std::string(from_header);
    if (from_param) return std::string(*from_param);
    return std::string(from_header);
  };
  call.action = pick("Action", "x-acs-action");
  call.version = pick("Version", "x-acs-version");
  // One value per name: a repeated parameter could make the action read another value than the
  // one a signature covered.
  std::unordered_set<std::string_view> seen;
  for (const auto& [name, value] : params) {
    if (!seen.insert(name).second) {
      return GatewayError::invalid_parameter(name, "It is given more than once.");
    }
  }
  call.params = std::move(params);
  if (call.action.empty()) return GatewayError::missing_parameter("Action");
  if (call.version.empty()) return GatewayError::missing_parameter("Version");
  return call;
}

}  // namespace kprogress
