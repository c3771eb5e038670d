#include "http/router.h"

#include <algorithm>
#include <stdexcept>

namespace kprogress {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;  // skip the leading '/'
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segments.push_back(path.substr(start));
      return segments;
    }
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Router& Router::add(std::vector<std::string> methods, std::string route, HttpHandler handler,
                    InlinePredicate runs_inline) {
  if (route.empty() || route.front() != '/') {
    throw std::invalid_argument("route must start with '/': " + route);
  }
  if (methods.empty()) throw std::invalid_argument("route without methods: " + route);
  if (!handler) throw std::invalid_argument("route without handler: " + route);

  Route r;
  r.route = route;
  size_t star = route.find('*');
  if (star != std::string::npos && (star != route.size() - 1 || route.find('{') != route.npos)) {
    throw std::invalid_argument("a prefix route has one '*', at its end, and no {name}: " + route);
  }
  if (star != std::string::npos) {
    r.kind = Kind::kPrefix;
  } else if (route.find('{') != std::string::npos) {
    r.kind = Kind::kTemplate;
    for (std::string_view segment : split_path(route)) {
      if (segment.find_first_of("{}") != std::string_view::npos && !is_param(segment)) {
        throw std::invalid_argument("a parameter is a whole segment, {name}: " + route);
      }
      r.segments.emplace_back(segment);
    }
  } else {
    r.kind = Kind::kExact;
  }

  for (const Route& existing : routes_) {
    if (existing.route != route) continue;
    for (const std::string& m : methods) {
      if (contains(existing.methods, m)) {
        throw std::invalid_argument("duplicate route " + m + " " + route);
      }
    }
  }
  r.methods = std::move(methods);
  r.handler = std::move(handler);
  r.runs_inline = std::move(runs_inline);
  routes_.push_back(std::move(r));
  return *this;
}

bool Router::matches(const Route& r, std::string_view path,
                     std::vector<std::pair<std::string, std::string>>* params) {
  switch (r.kind) {
    case Kind::kExact: return path == r.route;
    case Kind::kPrefix:
      return path.starts_with(std::string_view(r.route).substr(0, r.route.size() - 1));
    case Kind::kTemplate: {
      std::vector<std::string_view> segments = split_path(path);
      if (segments.size() != r.segments.size()) return false;
      std::vector<std::pair<std::string, std::string>> found;
      for (size_t i = 0; i < segments.size(); ++i) {
        const std::string& want = r.segments[i];
        if (is_param(want)) {
          if (segments[i].empty()) return false;
          found.emplace_back(want.substr(1, want.size() - 2), percent_decode(segments[i]));
        } else if (segments[i] != want) {
          return false;
        }
      }
      if (params != nullptr) *params = std::move(found);
      return true;
    }
  }
  return false;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  // Candidates in priority order: exact, then templates, then prefixes longest first.
  std::vector<const Route*> candidates;
  for (Kind kind : {Kind::kExact, Kind::kTemplate}) {
    for (const Route& r : routes_) {
      if (r.kind == kind && matches(r, path, nullptr)) candidates.push_back(&r);
    }
  }
  std::vector<const Route*> prefixes;
  for (const Route& r : routes_) {
    if (r.kind == Kind::kPrefix && matches(r, path, nullptr)) prefixes.push_back(&r);
  }
  std::stable_sort(prefixes.begin(), prefixes.end(), [](const Route* a, const Route* b) {
    return a->route.size() > b->route.size();
  });
  candidates.insert(candidates.end(), prefixes.begin(), prefixes.end());

  Match m;
  if (candidates.empty()) return m;
  for (const Route* r : candidates) {
    if (contains(r->methods, method)) {
      m.outcome = Match::Outcome::kFound;
      m.handler = &r->handler;
      if (r->runs_inline) m.runs_inline = &r->runs_inline;
      m.route = r->route;
      matches(*r, path, &m.path_params);
      return m;
    }
  }
  m.outcome = Match::Outcome::kMethodNotAllowed;
  m.route = candidates.front()->route;
  std::vector<std::string> allowed;
  for (const Route* r : candidates) {
    for (const std::string& method_allowed : r->methods) {
      if (!contains(allowed, method_allowed)) allowed.push_back(method_allowed);
    }
  }
  for (const std::string& a : allowed) {
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += a;
  }
  return m;
}

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  for (const Route& r : routes_) out.push_back(r.route);
  return out;
}

}  // namespace kprogress
