// AlikafkaApi: the alikafka OpenAPI endpoint ("/"). It decodes the RPC request, authenticates
// it, finds the action in one table (action -> supported versions -> handler) and renders the
// answer or the gateway error in the format the client asked for. Every response carries a
// RequestId in its body and in the x-acs-request-id header.
// Thread-safe: handle() may be called from many threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/alikafka/render.h"
#include "api/alikafka/rpc_call.h"
#include "api/api_request.h"
#include "api/auth/signed_request.h"
#include "progress/collector.h"
#include "progress/progress_service.h"

namespace kprogress {

// Who signed the request, as the authenticator established it.
struct Caller {
  std::string access_key_id;           // empty when authentication is off
  std::vector<std::string> instances;  // empty: every instance
  bool may_read(const std::string& instance_id) const;
};

// Verifies a request's signature; the API is open when no authenticator is set.
using Authenticate =
    std::function<GatewayResult<Caller>(const auth::SignedRequest&, const ParamList&)>;

struct AlikafkaInstance {
  std::string id;
  std::string region;
  ProgressService* progress = nullptr;  // not owned
  // When set with max_staleness > 0, a group whose collected numbers are younger than
  // max_staleness is answered from the collector's snapshot instead of a fresh Kafka query.
  const Collector* collector = nullptr;  // not owned
  std::chrono::milliseconds max_staleness{0};
};

struct AlikafkaApiOptions {
  std::chrono::milliseconds request_timeout{10000};
};

class AlikafkaApi {
 public:
  AlikafkaApi(std::vector<AlikafkaInstance> instances, Authenticate authenticate,
              AlikafkaApiOptions options);

  ApiResponse handle(const ApiRequest& request) const;

  // Whether handle() would answer `request` from memory (a collector snapshot young enough)
  // rather than from Kafka, so that the HTTP server may run it on an I/O thread. It decodes the
  // parameters only: it never authenticates (a V1 nonce must be spent once), and requests that
  // end in an error are not claimed. The snapshot must be younger than max_staleness by
  // kInlineMargin, so that it is still young enough when handle() looks again.
  bool answers_from_memory(const ApiRequest& request) const;
  static constexpr std::chrono::milliseconds kInlineMargin{1000};

  // The context an action handler gets.
  struct Context {
    const RpcCall& call;
    const Caller& caller;
    const std::string& request_id;
    Deadline deadline;
  };
  using Handler = std::function<GatewayResult<std::string>(const AlikafkaApi&, const Context&)>;

  // REQUIRES: a handler's use of it; nullptr when unknown.
  const AlikafkaInstance* find_instance(const std::string& id) const;

 private:
  struct Action {
    std::vector<std::string> versions;
    Handler handler;
  };
  std::map<std::string, AlikafkaInstance> instances_;
  Authenticate authenticate_;
  AlikafkaApiOptions options_;
  std::map<std::string, Action> actions_;
};

// The collector's numbers for `group_id` when they are younger than the instance's max_staleness
// less `margin` and not a failure; nullptr otherwise, and for an instance without a collector or
// with max_staleness 0 (get_consumer_progress.cc).
std::shared_ptr<const GroupSnapshot> snapshot_answer(const AlikafkaInstance& instance,
                                                     const std::string& group_id,
                                                     std::chrono::milliseconds margin);

// The GetConsumerProgress action (get_consumer_progress.cc).
GatewayResult<std::string> get_consumer_progress(const AlikafkaApi& api,
                                                 const AlikafkaApi::Context& ctx);

}  // namespace kprogress
