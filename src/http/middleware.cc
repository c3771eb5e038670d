#include "http/middleware.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace kprogress {

HttpResponse invoke_recovering(const HttpHandler& handler, const HttpRequest& request,
                               std::string_view route, const ErrorRenderer& renderer) {
  try {
    HttpResponse response = handler(request);
    if (response.status >= 200 && response.status <= 999) return response;
    spdlog::error("http: handler for {} {} returned status {}", request.method, route,
                  response.status);
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} {} threw: {}", request.method, route, e.what());
  } catch (...) {
    spdlog::error("http: handler for {} {} threw a non-standard exception", request.method, route);
  }
  return render_error(renderer, request, 500, "the server failed to process the request");
}

HttpResponse render_error(const ErrorRenderer& renderer, const HttpRequest& request, int status,
                          std::string_view message) {
  if (renderer) {
    try {
      return renderer(request, status, message);
    } catch (const std::exception& e) {
      spdlog::error("http: error renderer threw for status {}: {}", status, e.what());
    } catch (...) {
      spdlog::error("http: error renderer threw for status {}", status);
    }
  }
  return render_plain_error(request, status, message);
}

void log_access(const RequestRecord& r) {
  double ms = std::chrono::duration<double, std::milli>(r.duration).count();
  spdlog::info("http: {} \"{} {}\" route={} status={} {:.1f}ms {}B", r.remote_address,
               r.method.empty() ? "-" : r.method, r.path.empty() ? "-" : r.path, r.route, r.status,
               ms, r.response_bytes);
}

void notify_observer(const RequestObserver& observer, const RequestRecord& r) {
  if (!observer) return;
  try {
    observer(r.route, r.method, r.status, r.duration);
  } catch (const std::exception& e) {
    spdlog::error("http: request observer threw: {}", e.what());
  } catch (...) {
    spdlog::error("http: request observer threw");
  }
}

}  // namespace kprogress
