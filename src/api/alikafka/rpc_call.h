// RpcCall: one alikafka RPC request, decoded from HTTP: its action, version, response format
// and parameters, wherever the client put them (spec/alikafka-api.md §1.1, §2.2 "Server-side
// dispatch"): V1 clients send Action/Version/Format as parameters, in the query or in a form
// body; V3 clients send x-acs-action / x-acs-version headers and only business parameters.
// Plain values; thread-safe to read.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/api_request.h"
#include "api/gateway_error.h"
#include "api/urlcode.h"

namespace kprogress {

enum class ResponseFormat { kJson, kXml };

struct RpcCall {
  std::string action;
  std::string version;
  ResponseFormat format = ResponseFormat::kXml;
  bool v3_signed = false;  // Authorization: ACS3-...
  ParamList params;        // query, then form body, in order received

  // The first value of a parameter (names are case-sensitive), or nullopt.
  std::optional<std::string_view> param(std::string_view name) const;
};

// The response format the request asks for, decided even when the rest of it is invalid so that
// errors come back in the shape the client parses: Format=JSON|XML (any case) when given;
// otherwise JSON for V3-style requests (x-acs-version header or ACS3 Authorization, whose
// clients send Accept: application/json) and XML, the documented RPC default, for the rest.
ResponseFormat response_format(const ApiRequest& request, const ParamList& params);

// Action and version from headers (V3) or parameters (V1); MissingParameter when absent,
// InvalidParameter for a Format other than JSON or XML.
GatewayResult<RpcCall> parse_rpc_call(const ApiRequest& request, ParamList params);

}  // namespace kprogress
