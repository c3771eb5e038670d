#include "app/server_app.h"

#include <spdlog/spdlog.h>

#include "api/alikafka/alikafka_api.h"
#include "api/alikafka/render.h"
#include "api/auth/authenticator.h"
#include "api/native/native_api.h"
#include "api/request_id.h"
#include "http/http_server.h"
#include "kafka/monotonic_watermarks.h"
#include "kafka/rdkafka/rdkafka_client.h"
#include "metrics/exposition.h"
#include "progress/collector.h"
#include "progress/progress_service.h"

namespace kprogress {
namespace {

ApiRequest to_api_request(const HttpRequest& r) {
  return {r.method, r.path, r.query, r.headers, r.body, r.remote_address};
}

HttpResponse to_http_response(ApiResponse r) {
  return {r.status, std::move(r.content_type), std::move(r.headers), std::move(r.body)};
}

// The server's own errors (404, 405, 413, ...) in the gateway's shape, so that SDKs parse them.
HttpResponse render_server_error(const HttpRequest& request, int status, std::string_view message) {
  static const std::map<int, const char*> kCodes = {
      {400, "InvalidParameter"},  {404, "InvalidApi.NotFound"},   {405, "UnsupportedHTTPMethod"},
      {413, "RequestTooLarge"},   {431, "RequestHeaderTooLarge"}, {500, "InternalError"},
      {503, "ServiceUnavailable"}};
  auto it = kCodes.find(status);
  GatewayError e{status, it != kCodes.end() ? it->second : "Error", std::string(message)};
  ApiRequest api = to_api_request(request);
  ResponseFormat format = response_format(api, {});
  return to_http_response(
      render_gateway_error(e, format, new_request_id(), request.header("host")));
}

}  // namespace

struct ServerApp::Parts {
  // Declared in dependency order (destroyed in reverse): services use the collectors' record
  // caches, and both use the Kafka clients (per instance: its RdKafkaClient, then the
  // MonotonicWatermarks over it that they call).
  std::vector<std::unique_ptr<KafkaClient>> kafka;
  std::vector<std::unique_ptr<Collector>> collectors;
  std::vector<std::unique_ptr<ProgressService>> progress;
  std::unique_ptr<NativeApi> native;
  RequestMetrics request_metrics;
  MetricsGranularity granularity = MetricsGranularity::kPartition;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<AlikafkaApi> alikafka;
  std::unique_ptr<HttpServer> server;
  std::string listening;  // for the start-up line
};

ServerApp::ServerApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
ServerApp::~ServerApp() = default;

Result<std::unique_ptr<ServerApp>> ServerApp::create(const Config& config) {
  auto parts = std::make_unique<Parts>();
  std::vector<AlikafkaInstance> instances;
  std::vector<NativeApi::Instance> native_instances;
  const CollectorConfig& cc = config.collector;
  CollectorOptions collector_options;
  collector_options.interval = cc.interval;
  collector_options.cycle_timeout = cc.cycle_timeout;
  collector_options.concurrency = static_cast<size_t>(cc.concurrency);
  collector_options.include = cc.include;
  collector_options.exclude = cc.exclude;
  collector_options.expire_after = cc.expire_after;
  collector_options.lag_seconds = cc.lag_seconds;
  collector_options.evaluation.window_samples = static_cast<size_t>(cc.window);
  collector_options.evaluation.min_samples = static_cast<size_t>(cc.min_samples);
  collector_options.evaluation.allowed_lag = cc.allowed_lag;
  if (cc.warn_after) collector_options.evaluation.warn_after_s = cc.warn_after->count() / 1000.0;
  if (cc.error_after) collector_options.evaluation.error_after_s = cc.error_after->count() / 1000.0;
  parts->granularity =
      cc.granularity == "topic" ? MetricsGranularity::kTopic : MetricsGranularity::kPartition;
  for (const auto& i : config.instances) {
    RdKafkaOptions o;
    o.bootstrap_servers = i.bootstrap;
    o.properties = i.kafka;
    o.client_id = "kprogress-" + i.id;
    o.reader_name = i.id;
    auto client = RdKafkaClient::create(o);
    if (!client) return client.error().with_context("instance " + i.id);
    parts->kafka.push_back(std::move(*client));
    // The collector and fresh queries share one memory of end offsets: an answer below one of
    // theirs is a stale leader's, refused rather than reported as lag.
    parts->kafka.push_back(
        std::make_unique<MonotonicWatermarks>(*parts->kafka.back(), SystemClock::instance()));
    KafkaClient& kafka = *parts->kafka.back();
    const Collector* collector = nullptr;
    RecordFinder* shared_records = nullptr;
    if (cc.enabled) {
      auto c = Collector::create(i.id, kafka, SystemClock::instance(), collector_options);
      if (!c) return c.error().with_context(config.path + ": [collector]");
      parts->collectors.push_back(std::move(*c));
      collector = parts->collectors.back().get();
      // Fresh queries and the collector read the same records: one cache for both.
      shared_records = &parts->collectors.back()->records();
    }
    parts->progress.push_back(
        std::make_unique<ProgressService>(kafka, SystemClock::instance(), shared_records));
    instances.push_back(
        {i.id, i.region, parts->progress.back().get(), collector, config.server.max_staleness});
    native_instances.push_back({i.id, i.region, parts->progress.back().get(), collector});
  }
  parts->native =
      std::make_unique<NativeApi>(std::move(native_instances), config.server.request_timeout);

  Authenticate authenticate;
  if (config.auth.enabled) {
    std::vector<auth::AccessKey> keys;
    for (const auto& k : config.access_keys) keys.push_back({k.id, k.secret, k.instances});
    auto a = auth::Authenticator::create(std::move(keys), SystemClock::instance(),
                                         {config.auth.max_skew, config.auth.max_nonces});
    if (!a) return a.error().with_context(config.path);
    parts->authenticator = std::make_unique<auth::Authenticator>(std::move(*a));
    authenticate = [a = parts->authenticator.get()](
                       const auth::SignedRequest& r,
                       const ParamList& params) -> GatewayResult<Caller> {
      auto p = a->verify(r, params);
      if (!p) return p.error();
      return Caller{p->access_key_id, p->instances};
    };
  } else {
    spdlog::warn("authentication is off: anyone who can reach {} reads every group",
                 config.server.listen.to_string());
  }
  parts->alikafka =
      std::make_unique<AlikafkaApi>(std::move(instances), std::move(authenticate),
                                    AlikafkaApiOptions{config.server.request_timeout});

  Router router;
  AlikafkaApi* api = parts->alikafka.get();
  // Answers from memory run on the I/O thread (InlinePredicate); Kafka queries and answers
  // whose size grows with the cluster (/metrics, group lists) on the workers.
  const InlinePredicate always = [](const HttpRequest&) { return true; };
  router.add(
      {"GET", "POST"}, "/",
      [api](const HttpRequest& r) { return to_http_response(api->handle(to_api_request(r))); },
      [api](const HttpRequest& r) { return api->answers_from_memory(to_api_request(r)); });
  router.add(
      {"GET"}, "/healthz",
      [](const HttpRequest&) {
        return HttpResponse{200, "text/plain; charset=utf-8", {}, "ok\n"};
      },
      always);
  NativeApi* native = parts->native.get();
  router.add(
      {"GET"}, "/readyz",
      [native](const HttpRequest&) { return to_http_response(native->ready()); }, always);
  if (config.server.native_api) {
    Parts* p = parts.get();
    router.add({"GET"}, "/metrics", [p](const HttpRequest&) {
      MetricsInput in;
      for (const auto& c : p->collectors) in.instances.push_back(c->snapshot());
      in.granularity = p->granularity;
      in.requests = &p->request_metrics;
      in.now_ms = SystemClock::instance().now_ms();
      return HttpResponse{200, kMetricsContentType, {}, render_metrics(in)};
    });
    router.add(
        {"GET"}, "/api/v1/instances",
        [native](const HttpRequest&) { return to_http_response(native->instances()); }, always);
    router.add({"GET"}, "/api/v1/instances/{instance}/groups", [native](const HttpRequest& r) {
      return to_http_response(native->groups(r.path_param("instance")));
    });
    auto wants_fresh = [](const HttpRequest& r) {
      return r.query.find("fresh=true") != std::string::npos;
    };
    router.add(
        {"GET"}, "/api/v1/instances/{instance}/groups/{group}",
        [native, wants_fresh](const HttpRequest& r) {
          return to_http_response(
              native->group(r.path_param("instance"), r.path_param("group"), wants_fresh(r)));
        },
        [native, wants_fresh](const HttpRequest& r) {
          return native->group_in_memory(r.path_param("instance"), r.path_param("group"),
                                         wants_fresh(r));
        });
  }

  ServerOptions options;
  options.worker_threads = static_cast<size_t>(config.server.workers);
  options.max_in_flight = std::max<size_t>(options.max_in_flight, options.worker_threads);
  // A request may wait request_timeout on Kafka; never cut it off while it is being answered.
  options.shutdown_grace = config.server.request_timeout + std::chrono::seconds(1);
  if (auto v = options.validate(); !v) return v.error().with_context("server options");
  parts->server = std::make_unique<HttpServer>(options, std::move(router), render_server_error);
  parts->server->set_request_observer(
      [m = &parts->request_metrics](std::string_view route, std::string_view method, int status,
                                    std::chrono::nanoseconds d) {
        m->observe(route, method, status, d);
      });
  const auto& l = config.server.listen;
  if (auto r = parts->server->listen(l.host, l.port); !r) {
    return r.error().with_context("listening on " + l.to_string());
  }
  parts->listening = "http://" + l.host + ":" + std::to_string(parts->server->bound_port());
  if (config.server.tls) {
    const auto& t = *config.server.tls;
    if (auto r = parts->server->listen_tls(t.listen.host, t.listen.port, {t.cert_file, t.key_file});
        !r) {
      return r.error().with_context("listening (TLS) on " + t.listen.to_string());
    }
    parts->listening +=
        ", https://" + t.listen.host + ":" + std::to_string(parts->server->bound_tls_port());
  }
  return std::unique_ptr<ServerApp>(new ServerApp(std::move(parts)));
}

uint16_t ServerApp::port() const { return parts_->server->bound_port(); }
uint16_t ServerApp::tls_port() const { return parts_->server->bound_tls_port(); }

int ServerApp::run() {
  parts_->server->stop_on_signals(
      [](int sig) { spdlog::info("signal {}: draining in-flight requests", sig); });
  for (auto& c : parts_->collectors) c->start();
  spdlog::info("kprogress serving on {}", parts_->listening);
  parts_->server->run();
  for (auto& c : parts_->collectors) c->stop();
  spdlog::info("kprogress stopped");
  return 0;
}

}  // namespace kprogress
