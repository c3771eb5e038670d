#include "api/alikafka/alikafka_api.h"

#include <algorithm>

#include "api/request_id.h"

namespace kprogress {
namespace {

// When the parameters cannot be decoded, still answer in the format the client asked for: look
// for a well-formed "Format=..." pair among the raw ones.
ParamList lenient_format(const ApiRequest& request) {
  for (const std::string* raw : {&request.query, &request.body}) {
    size_t start = 0;
    while (start <= raw->size()) {
      size_t end = raw->find('&', start);
      if (end == std::string::npos) end = raw->size();
      std::string_view pair(raw->data() + start, end - start);
      if (pair.rfind("Format=", 0) == 0) return {{"Format", std::string(pair.substr(7))}};
      start = end + 1;
    }
  }
  return {};
}

auth::SignedRequest signed_request_of(const ApiRequest& request) {
  return {request.method,  request.path, request.query,
          request.headers, request.body, std::string(request.header("content-type"))};
}

}  // namespace

bool Caller::may_read(const std::string& instance_id) const {
  return instances.empty() ||
         std::find(instances.begin(), instances.end(), instance_id) != instances.end();
}

AlikafkaApi::AlikafkaApi(std::vector<AlikafkaInstance> instances, Authenticate authenticate,
                         AlikafkaApiOptions options)
    : authenticate_(std::move(authenticate)), options_(options) {
  for (auto& i : instances) instances_[i.id] = std::move(i);
  // The one table of actions and the versions each answers.
  actions_["GetConsumerProgress"] = {{"2018-10-15", "2019-09-16"}, get_consumer_progress};
}

bool AlikafkaApi::answers_from_memory(const ApiRequest& request) const {
  auto params = auth::request_params(signed_request_of(request));
  if (!params) return false;
  const std::string* action = find_param(*params, "Action");
  const std::string* instance_id = find_param(*params, "InstanceId");
  const std::string* region = find_param(*params, "RegionId");
  const std::string* group = find_param(*params, "ConsumerId");
  if (!action || *action != "GetConsumerProgress" || !instance_id || !region || !group) {
    return false;
  }
  const AlikafkaInstance* instance = find_instance(*instance_id);
  if (!instance || instance->region != *region) return false;
  return snapshot_answer(*instance, *group, kInlineMargin) != nullptr;
}

const AlikafkaInstance* AlikafkaApi::find_instance(const std::string& id) const {
  auto it = instances_.find(id);
  return it == instances_.end() ? nullptr : &it->second;
}

ApiResponse AlikafkaApi::handle(const ApiRequest& request) const {
  const std::string request_id = new_request_id();
  std::string host_id(request.header("host"));
  const auth::SignedRequest signed_request = signed_request_of(request);
  auto params = auth::request_params(signed_request);
  ResponseFormat format = response_format(request, params ? *params : lenient_format(request));
  auto fail = [&](const GatewayError& e) {
    return render_gateway_error(e, format, request_id, host_id);
  };
  if (!params) return fail(params.error());

  Caller caller;
  if (authenticate_) {
    auto who = authenticate_(signed_request, *params);
    if (!who) return fail(who.error());
    caller = std::move(*who);
  }
  auto call = parse_rpc_call(request, std::move(*params));
  if (!call) return fail(call.error());

  auto action = actions_.find(call->action);
  if (action == actions_.end()) return fail(GatewayError::api_not_found());
  const auto& versions = action->second.versions;
  if (std::find(versions.begin(), versions.end(), call->version) == versions.end()) {
    return fail(GatewayError::invalid_version());
  }

  Context ctx{*call, caller, request_id, Deadline::after(options_.request_timeout)};
  auto body = action->second.handler(*this, ctx);
  if (!body) return fail(body.error());
  ApiResponse out;
  out.status = 200;
  out.content_type = call->format == ResponseFormat::kJson ? kJsonContentType : kXmlContentType;
  out.body = std::move(*body);
  out.headers.emplace_back("x-acs-request-id", request_id);
  return out;
}

}  // namespace kprogress
