// GetConsumerProgress (spec/alikafka-api.md §1): the progress of one consumer group.
#include <algorithm>
#include <cctype>

#include "api/alikafka/alikafka_api.h"
#include "api/alikafka/errors.h"

namespace kprogress {
namespace {

// Booleans arrive as "true" (TypeScript) or "True" (Python's str(True)).
GatewayResult<bool> parse_bool(std::string_view name, std::string_view v) {
  std::string lower(v);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true") return true;
  if (lower == "false") return false;
  return GatewayError::invalid_parameter(name, "Use true or false.");
}

GatewayResult<std::string> required(const RpcCall& call, std::string_view name) {
  auto v = call.param(name);
  if (!v || v->empty()) return GatewayError::missing_parameter(name);
  return std::string(*v);
}

}  // namespace

std::shared_ptr<const GroupSnapshot> snapshot_answer(const AlikafkaInstance& instance,
                                                     const std::string& group_id,
                                                     std::chrono::milliseconds margin) {
  if (!instance.collector || instance.max_staleness <= margin) return nullptr;
  auto snapshot = instance.collector->snapshot();
  const GroupSnapshot* g = snapshot->find(group_id);
  if (!g || g->error || g->updated_ms <= 0) return nullptr;
  const int64_t age = SystemClock::instance().now_ms() - g->updated_ms;
  if (age > (instance.max_staleness - margin).count()) return nullptr;
  return std::shared_ptr<const GroupSnapshot>(std::move(snapshot), g);  // keeps the snapshot
}

GatewayResult<std::string> get_consumer_progress(const AlikafkaApi& api,
                                                 const AlikafkaApi::Context& ctx) {
  const RpcCall& call = ctx.call;
  auto region = required(call, "RegionId");
  if (!region) return region.error();
  auto instance_id = required(call, "InstanceId");
  if (!instance_id) return instance_id.error();
  auto group = required(call, "ConsumerId");
  if (!group) return group.error();

  ProgressRenderOptions render;
  render.version =
      call.version == "2018-10-15" ? AlikafkaVersion::k20181015 : AlikafkaVersion::k20190916;
  if (render.version == AlikafkaVersion::k20190916) {
    if (auto hide = call.param("HideLastTimestamp"); hide && !hide->empty()) {
      auto b = parse_bool("HideLastTimestamp", *hide);
      if (!b) return b.error();
      render.hide_last_timestamp = *b;
    }
  }

  const AlikafkaInstance* instance = api.find_instance(*instance_id);
  if (!instance || instance->region != *region) return instance_not_found(*instance_id, *region);
  if (!ctx.caller.may_read(instance->id)) return GatewayError::forbidden_ram();

  if (auto g = snapshot_answer(*instance, *group, std::chrono::milliseconds(0))) {
    return render_progress(g->to_progress(), render, call.format, ctx.request_id);
  }
  ProgressOptions options;
  options.want_last_timestamp = !render.hide_last_timestamp;
  auto progress = instance->progress->group_progress(*group, ctx.deadline, options);
  if (!progress) {
    return to_gateway_error(progress.error(), consumer_group_not_found(*group, instance->id));
  }
  return render_progress(*progress, render, call.format, ctx.request_id);
}

}  // namespace kprogress
