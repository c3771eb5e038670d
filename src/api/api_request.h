// ApiRequest / ApiResponse: an HTTP exchange as the API layer sees it, independent of the HTTP
// server (src/http) that carries it. The composition root converts between the two. Plain
// values; safe to copy and share read-only between threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kprogress {

struct ApiRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // without the query
  std::string query;                                         // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_address;

  // The first value of a header (name in lower case), or "" when absent.
  std::string_view header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

struct ApiResponse {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

}  // namespace kprogress
