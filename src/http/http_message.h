// HttpRequest and HttpResponse: the HTTP messages that route handlers see and return, in plain
// standard types, so that code above src/http never includes Boost.Beast. Also the two callback
// types the server is built from: a Handler answers one request; an ErrorRenderer writes the body
// of the responses the server produces itself (400, 404, 405, 413, 431, 500, 503), so that an API
// layer can give them its own shape (alikafka's JSON/XML gateway errors, for instance).
// Plain values: safe to copy and to use from any thread. Callbacks are called concurrently from
// the server's threads and must be safe for that.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kprogress {

struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"; methods are case-sensitive in HTTP
  std::string path;    // the target up to '?', raw (not percent-decoded), always starts with '/'
  std::string query;   // raw, after the '?' (without it); empty when there is none
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order sent
  std::string body;
  std::string remote_address;  // peer IP address, without port ("127.0.0.1", "::1")
  // Values of `{name}` segments of the matched route template, percent-decoded, in order.
  std::vector<std::pair<std::string, std::string>> path_params;

  // The value of the first header called `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
  // The value of the path parameter `name`, or "" when the route has none of that name.
  std::string path_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // sent as Content-Type when not empty
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Answers one request. May block (it may wait on Kafka for seconds): the server runs handlers on
// worker threads, never on its I/O threads. An exception escaping it becomes a 500.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Whether `request` can be answered without blocking, from memory, in microseconds: the server
// then runs the route's handler on the I/O thread that read the request, sparing the two thread
// hand-offs to and from a worker (most of a snapshot answer's latency). Called on I/O threads:
// must be cheap, non-blocking and safe to call concurrently; when in doubt, answer false. An
// exception counts as false.
using InlinePredicate = std::function<bool(const HttpRequest&)>;

// Renders an error response the server produces itself. `request` is as much of the request as
// was parsed: for a malformed or oversized request, method and path may be empty. `message` is a
// short English explanation meant for the client (never internal details). The server adds
// `Allow` (405) and `Connection` headers afterwards. Called on I/O or worker threads: keep it
// cheap and non-blocking. Must not throw; if it does, the default rendering is used.
using ErrorRenderer =
    std::function<HttpResponse(const HttpRequest& request, int status, std::string_view message)>;

// The default ErrorRenderer: text/plain, "<status> <reason>: <message>\n".
HttpResponse render_plain_error(const HttpRequest& request, int status, std::string_view message);

// The standard reason phrase of `status` ("Not Found"), or "" for an unknown code.
std::string_view http_reason_phrase(int status);

// Percent-decodes `s` ("%2F" -> "/"); '+' is kept as is (it is a space only in forms). Malformed
// escapes are kept verbatim.
std::string percent_decode(std::string_view s);

}  // namespace kprogress
