// Middleware of the HTTP server, free of Boost.Beast so it can be tested alone: "recover" (a
// handler's exception becomes a 500 and a log line, never a crash), safe error rendering, and
// the per-request hooks (the access log line and the RequestObserver the metrics layer uses).
// Stateless functions, safe to call from any thread; they call the given callbacks, which must be
// safe to call concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>

#include "http/http_message.h"

namespace kprogress {

// Called once per response sent (including the server's own errors), after it was written or
// failed to be written, on an I/O thread; keep it cheap. `route_template` is the matched route
// or kUnmatchedRoute, `method` may be empty for a malformed request. Exceptions are swallowed.
using RequestObserver = std::function<void(std::string_view route_template, std::string_view method,
                                           int status, std::chrono::nanoseconds duration)>;

// What the access log records about one request.
struct RequestRecord {
  std::string_view remote_address;
  std::string_view method;
  std::string_view path;   // raw path, without the query (which may carry signatures)
  std::string_view route;  // route template
  int status = 0;
  std::chrono::nanoseconds duration{0};  // first byte of the request to last byte of the response
  size_t response_bytes = 0;             // body bytes
};

// Runs `handler`; an exception escaping it, or a status that cannot be a final answer (outside
// 200..999), is logged (with `route`) and becomes a 500 rendered by `renderer`. Never throws.
HttpResponse invoke_recovering(const HttpHandler& handler, const HttpRequest& request,
                               std::string_view route, const ErrorRenderer& renderer);

// `renderer(request, status, message)`, or render_plain_error() when `renderer` is empty or
// throws. The status of the returned response is the renderer's choice (normally `status`).
// Never throws.
HttpResponse render_error(const ErrorRenderer& renderer, const HttpRequest& request, int status,
                          std::string_view message);

// Writes the access log line of one request (spdlog, info).
void log_access(const RequestRecord& record);

// Calls `observer` if set, swallowing (and logging) its exceptions.
void notify_observer(const RequestObserver& observer, const RequestRecord& record);

}  // namespace kprogress
