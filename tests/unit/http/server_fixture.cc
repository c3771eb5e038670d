#include "server_fixture.h"

#include <stdexcept>

namespace kprogress::http_test {

void Gate::open() {
  std::lock_guard lock(mu_);
  open_ = true;
  cv_.notify_all();
}

void Gate::pass() {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, kDeadline, [&] { return open_; });
}

HttpResponse text(std::string body, int status) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

HttpResponse json_error(const HttpRequest& request, int status, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = "{\"status\":" + std::to_string(status) + ",\"path\":\"" + request.path + "\"}";
  return r;
}

ServerOptions test_options() {
  ServerOptions o;
  o.worker_threads = 4;
  o.max_in_flight = 64;
  o.shutdown_grace = 5s;
  return o;
}

RunningServer::RunningServer(Router router, ServerOptions options, ErrorRenderer renderer,
                             const CertFiles* tls) {
  server_ = std::make_unique<HttpServer>(options, std::move(router), std::move(renderer));
  server_->set_request_observer([this](std::string_view route, std::string_view method, int status,
                                       std::chrono::nanoseconds) {
    std::lock_guard lock(mu_);
    observed_.push_back({std::string(route), std::string(method), status});
  });
  Result<void> listening = server_->listen("127.0.0.1", 0);
  EXPECT_TRUE(listening.ok()) << listening.error().message;
  if (tls != nullptr) {
    Result<void> tls_listening =
        server_->listen_tls("127.0.0.1", 0, TlsFiles{tls->cert_file, tls->key_file});
    EXPECT_TRUE(tls_listening.ok()) << tls_listening.error().message;
  }
  done_ = std::async(std::launch::async, [this] { server_->run(); });
}

RunningServer::~RunningServer() {
  server_->stop();
  EXPECT_TRUE(stopped_within(kDeadline)) << "run() did not return after stop()";
}

bool RunningServer::stopped_within(std::chrono::milliseconds timeout) {
  return done_.wait_for(timeout) == std::future_status::ready;
}

std::vector<Observed> RunningServer::observed() {
  std::lock_guard lock(mu_);
  return observed_;
}

bool RunningServer::observed_contains(const Observed& o) {
  return eventually([&] {
    auto all = observed();
    return std::find(all.begin(), all.end(), o) != all.end();
  });
}

Router basic_router() {
  Router router;
  router.add({"GET", "POST"}, "/", [](const HttpRequest&) { return text("root"); });
  router.add({"POST", "PUT"}, "/echo", [](const HttpRequest& r) {
    std::string names;
    for (const auto& [name, value] : r.headers) names += name + ",";
    HttpResponse response = text(r.method + "|" + r.path + "|" + r.query + "|" + r.body + "|" +
                                 r.header("X-Custom-Header") + "|" + r.remote_address);
    response.headers.emplace_back("X-Header-Names", names);
    return response;
  });
  router.add({"GET"}, "/throw",
             [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("handler bug"); });
  router.add({"GET"}, "/api/v1/groups/{group}",
             [](const HttpRequest& r) { return text("group=" + r.path_param("group")); });
  router.add({"GET"}, "/ui/*", [](const HttpRequest& r) { return text("ui:" + r.path); });
  return router;
}

Result<ClientResponse> get(uint16_t port, std::string target) {
  ClientRequest request;
  request.target = std::move(target);
  return fetch(port, request);
}

}  // namespace kprogress::http_test
