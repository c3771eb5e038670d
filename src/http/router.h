// Router: the route table. It maps (method, path) to a handler and to the route template that
// metrics and logs record (never the raw path, so that label values stay bounded). A route is one
// of three kinds, tried in this order:
//   exact      "/metrics"                matches that path only;
//   template   "/api/v1/groups/{group}"  `{name}` matches one non-empty segment, whose decoded
//                                        value the handler reads with HttpRequest::path_param();
//   prefix     "/ui/*"                   matches every path starting with "/ui/"; longest wins.
// Within a kind, routes are tried in the order they were added. A path that some route matches
// but no route allows the method for is a 405 (with the allowed methods); no match is a 404.
// Routes are added at start-up, before the server runs; match() is const and safe to call
// concurrently from any number of threads once no more routes are added.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http_message.h"

namespace kprogress {

// The route template recorded for requests that matched no route (404s, malformed requests).
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

class Router {
 public:
  struct Match {
    enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
    Outcome outcome = Outcome::kNotFound;
    const HttpHandler* handler = nullptr;              // kFound only; owned by the Router
    const InlinePredicate* runs_inline = nullptr;      // kFound with a predicate only
    std::string route = std::string(kUnmatchedRoute);  // template; for 405 the first path match
    std::vector<std::pair<std::string, std::string>> path_params;  // kFound only
    std::string allow;  // kMethodNotAllowed: the Allow header value, e.g. "GET, POST"
  };

  // Adds a route for `methods` (e.g. {"GET", "POST"}; case-sensitive) at `route`, which is an
  // exact path, a template with `{name}` segments, or a prefix ending in "*" (see above).
  // Throws std::invalid_argument (a start-up programming error) when `route` does not start with
  // '/', `methods` is empty, `handler` is empty, or the same route already has one of the methods.
  // `runs_inline`, when given, says which requests the handler answers without blocking (see
  // InlinePredicate); the others, and every request of a route without one, go to a worker.
  Router& add(std::vector<std::string> methods, std::string route, HttpHandler handler,
              InlinePredicate runs_inline = {});

  Match match(std::string_view method, std::string_view path) const;

  // Every route template, in the order added (for tests and a startup log line).
  std::vector<std::string> routes() const;

 private:
  enum class Kind { kExact, kTemplate, kPrefix };
  struct Route {
    Kind kind;
    std::string route;                  // as given
    std::vector<std::string> segments;  // kTemplate: the path split at '/'
    std::vector<std::string> methods;
    HttpHandler handler;
    InlinePredicate runs_inline;
  };

  // Whether `r` matches `path`; fills `params` for templates.
  static bool matches(const Route& r, std::string_view path,
                      std::vector<std::pair<std::string, std::string>>* params);

  std::vector<Route> routes_;
};

}  // namespace kprogress
