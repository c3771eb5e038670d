#include "app/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <toml++/toml.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace kprogress {
namespace {

constexpr int64_t kMaxDurationMs = int64_t{8760} * 3600 * 1000;

std::string where(const std::string& path, const toml::source_region& src) {
  return path + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

// Field-by-field reading with errors that name the place. The first error wins.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  void fail(const toml::node& at, const std::string& what) {
    if (error_.empty()) error_ = where(path_, at.source()) + ": " + what;
  }
  void fail_file(const std::string& what) {
    if (error_.empty()) error_ = path_ + ": " + what;
  }

  // Rejects keys the schema does not know: a typo must not be silently ignored.
  void only_keys(const toml::table& t, std::initializer_list<const char*> allowed,
                 const std::string& section) {
    for (const auto& [k, v] : t) {
      bool known = false;
      for (const char* a : allowed) known = known || k.str() == a;
      if (!known) fail(v, "unknown key \"" + std::string(k.str()) + "\" in " + section);
    }
  }

  std::optional<std::string> string(const toml::table& t, const char* key, bool required,
                                    const std::string& section) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail(t, section + " needs \"" + key + "\"");
      return std::nullopt;
    }
    if (!n->is_string()) {
      fail(*n, std::string("\"") + key + "\" must be a string");
      return std::nullopt;
    }
    return n->value<std::string>();
  }

  std::optional<int64_t> integer(const toml::table& t, const char* key, int64_t lo, int64_t hi) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
      fail(*n, std::string("\"") + key + "\" must be an integer");
      return std::nullopt;
    }
    int64_t v = *n->value<int64_t>();
    if (v < lo || v > hi) {
      fail(*n, std::string("\"") + key + "\" must be between " + std::to_string(lo) + " and " +
                   std::to_string(hi));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> boolean(const toml::table& t, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      fail(*n, std::string("\"") + key + "\" must be true or false");
      return std::nullopt;
    }
    return n->value<bool>();
  }

  std::optional<std::chrono::milliseconds> duration(const toml::table& t, const char* key) {
    auto s = string(t, key, false, "");
    if (!s) return std::nullopt;
    auto d = parse_duration(*s);
    if (!d) {
      fail(*t.get(key), d.error().message);
      return std::nullopt;
    }
    return *d;
  }

  std::optional<ListenAddress> listen(const toml::table& t, const char* key) {
    auto s = string(t, key, false, "");
    if (!s) return std::nullopt;
    auto a = parse_listen_address(*s);
    if (!a) {
      fail(*t.get(key), a.error().message);
      return std::nullopt;
    }
    return *a;
  }

  std::vector<std::string> string_list(const toml::table& t, const char* key) {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* arr = n->as_array();
    if (!arr) {
      fail(*n, std::string("\"") + key + "\" must be a list of strings");
      return out;
    }
    for (const auto& item : *arr) {
      if (!item.is_string()) {
        fail(item, std::string("\"") + key + "\" must be a list of strings");
        return out;
      }
      out.push_back(*item.value<std::string>());
    }
    return out;
  }

  const toml::table* table(const toml::table& t, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      fail(*n, std::string("[") + key + "] must be a table");
      return nullptr;
    }
    return n->as_table();
  }

  // [[key]]: an array of tables.
  std::vector<const toml::table*> tables(const toml::table& t, const char* key) {
    std::vector<const toml::table*> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      fail(*n, std::string("\"") + key + "\" must be written as [[" + key + "]] tables");
      return out;
    }
    for (const auto& item : *arr) out.push_back(item.as_table());
    return out;
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string error_;
};

void read_server(Reader& r, const toml::table& t, ServerConfig& s) {
  r.only_keys(t, {"listen", "request_timeout", "workers", "tls", "max_staleness", "native_api"},
              "[server]");
  if (auto v = r.listen(t, "listen")) s.listen = *v;
  if (auto v = r.duration(t, "max_staleness")) s.max_staleness = *v;
  if (auto v = r.boolean(t, "native_api")) s.native_api = *v;
  if (auto v = r.duration(t, "request_timeout")) s.request_timeout = *v;
  if (auto v = r.integer(t, "workers", 1, 1024)) s.workers = static_cast<int>(*v);
  if (const toml::table* tls = r.table(t, "tls")) {
    r.only_keys(*tls, {"listen", "cert", "key"}, "[server.tls]");
    TlsConfig c;
    auto listen = r.string(*tls, "listen", true, "[server.tls]");
    if (listen) {
      auto a = parse_listen_address(*listen);
      if (!a)
        r.fail(*tls->get("listen"), a.error().message);
      else
        c.listen = *a;
    }
    c.cert_file = r.string(*tls, "cert", true, "[server.tls]").value_or("");
    c.key_file = r.string(*tls, "key", true, "[server.tls]").value_or("");
    s.tls = c;
  }
}

void read_collector(Reader& r, const toml::table& t, CollectorConfig& c) {
  r.only_keys(t,
              {"enabled", "interval", "cycle_timeout", "concurrency", "include", "exclude",
               "expire_after", "lag_seconds", "granularity", "window", "min_samples", "allowed_lag",
               "warn_after", "error_after"},
              "[collector]");
  if (auto v = r.boolean(t, "enabled")) c.enabled = *v;
  if (auto v = r.duration(t, "interval")) c.interval = *v;
  if (auto v = r.duration(t, "cycle_timeout")) c.cycle_timeout = *v;
  if (auto v = r.integer(t, "concurrency", 1, 256)) c.concurrency = static_cast<int>(*v);
  c.include = r.string_list(t, "include");
  c.exclude = r.string_list(t, "exclude");
  if (auto v = r.duration(t, "expire_after")) c.expire_after = *v;
  if (auto v = r.boolean(t, "lag_seconds")) c.lag_seconds = *v;
  if (auto v = r.string(t, "granularity", false, "[collector]")) {
    if (*v != "partition" && *v != "topic") {
      r.fail(*t.get("granularity"), "\"granularity\" must be \"partition\" or \"topic\"");
    }
    c.granularity = *v;
  }
  if (auto v = r.integer(t, "window", 2, 255)) c.window = static_cast<int>(*v);
  if (auto v = r.integer(t, "min_samples", 1, 255)) c.min_samples = static_cast<int>(*v);
  if (auto v = r.integer(t, "allowed_lag", 0, INT64_MAX)) c.allowed_lag = *v;
  if (auto v = r.duration(t, "warn_after")) c.warn_after = *v;
  if (auto v = r.duration(t, "error_after")) c.error_after = *v;
}

void read_auth(Reader& r, const toml::table& t, AuthConfig& a) {
  r.only_keys(t, {"enabled", "max_clock_skew", "max_nonces"}, "[auth]");
  if (auto v = r.boolean(t, "enabled")) a.enabled = *v;
  if (auto v = r.duration(t, "max_clock_skew")) a.max_skew = *v;
  if (auto v = r.integer(t, "max_nonces", 1, 100000000)) a.max_nonces = static_cast<size_t>(*v);
}

void read_access_key(Reader& r, const toml::table& t, AccessKeyConfig& k) {
  r.only_keys(t, {"id", "secret", "secret_env", "secret_file", "instances"}, "[[access_key]]");
  k.id = r.string(t, "id", true, "[[access_key]]").value_or("");
  auto inline_secret = r.string(t, "secret", false, "");
  auto env = r.string(t, "secret_env", false, "");
  auto file = r.string(t, "secret_file", false, "");
  int given = !!inline_secret + !!env + !!file;
  if (given != 1) {
    r.fail(t, "[[access_key]] " + k.id + " needs exactly one of secret, secret_env, secret_file");
  } else if (inline_secret) {
    k.secret = *inline_secret;
  } else if (env) {
    const char* v = std::getenv(env->c_str());
    if (!v || !*v)
      r.fail(*t.get("secret_env"), "environment variable " + *env + " is not set");
    else
      k.secret = v;
  } else {
    std::ifstream in(*file);
    if (!in) {
      r.fail(*t.get("secret_file"), "cannot read secret file " + *file);
    } else {
      std::getline(in, k.secret);
      while (!k.secret.empty() && (k.secret.back() == '\r' || k.secret.back() == ' '))
        k.secret.pop_back();
      if (k.secret.empty()) r.fail(*t.get("secret_file"), "secret file " + *file + " is empty");
    }
  }
  k.instances = r.string_list(t, "instances");
}

void read_instance(Reader& r, const toml::table& t, InstanceConfig& i) {
  r.only_keys(t, {"id", "region", "bootstrap", "kafka"}, "[[instance]]");
  i.id = r.string(t, "id", true, "[[instance]]").value_or("");
  i.region = r.string(t, "region", true, "[[instance]] " + i.id).value_or("");
  i.bootstrap = r.string(t, "bootstrap", true, "[[instance]] " + i.id).value_or("");
  if (const toml::table* k = r.table(t, "kafka")) {
    for (const auto& [key, v] : *k) {
      if (!v.is_string()) {
        r.fail(v, "librdkafka property \"" + std::string(key.str()) + "\" must be a string");
        continue;
      }
      i.kafka[std::string(key.str())] = *v.value<std::string>();
    }
  }
}

}  // namespace

bool ListenAddress::is_loopback() const {
  // IP literals only (and the name localhost): the server resolves any other name, and
  // "127.example.org" can point anywhere.
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::string ListenAddress::to_string() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

Result<std::chrono::milliseconds> parse_duration(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  const std::string unit = text.substr(i);
  if (i == 0 || i > 12) {
    return Error::invalid_argument("\"" + text + "\" is not a duration (write e.g. 10s or 500ms)");
  }
  const int64_t n = std::stoll(text.substr(0, i));
  int64_t ms;
  if (unit == "ms")
    ms = n;
  else if (unit == "s")
    ms = n * 1000;
  else if (unit == "m")
    ms = n * 60000;
  else if (unit == "h")
    ms = n * 3600000;
  else
    return Error::invalid_argument("\"" + text + "\": the unit must be ms, s, m or h");
  // No setting needs more, and far larger values overflow steady_clock when used as a deadline.
  if (ms > kMaxDurationMs) {
    return Error::invalid_argument("\"" + text + "\" is too long (at most 8760h, one year)");
  }
  return std::chrono::milliseconds(ms);
}

Result<ListenAddress> parse_listen_address(const std::string& text) {
  ListenAddress a;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error::invalid_argument("\"" + text + "\" is not host:port");
    }
    a.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return Error::invalid_argument("\"" + text + "\" is not host:port");
    }
    a.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  // "[]:80" would reach the resolver as "", which binds every interface.
  if (a.host.empty()) return Error::invalid_argument("\"" + text + "\" has no host");
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return Error::invalid_argument("\"" + text + "\": the port must be a number from 0 to 65535");
  }
  a.port = static_cast<uint16_t>(std::stoi(port));
  return a;
}

Result<Config> parse_config(const std::string& text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Error::invalid_argument(where(path, e.source()) + ": " + std::string(e.description()));
  }
  Config c;
  c.path = path;
  Reader r(path);
  r.only_keys(root, {"server", "auth", "collector", "access_key", "instance"}, "the file");
  if (const toml::table* s = r.table(root, "server")) read_server(r, *s, c.server);
  if (const toml::table* t = r.table(root, "collector")) read_collector(r, *t, c.collector);
  if (const toml::table* a = r.table(root, "auth")) read_auth(r, *a, c.auth);
  for (const toml::table* t : r.tables(root, "access_key")) {
    c.access_keys.emplace_back();
    read_access_key(r, *t, c.access_keys.back());
  }
  for (const toml::table* t : r.tables(root, "instance")) {
    c.instances.emplace_back();
    read_instance(r, *t, c.instances.back());
  }
  if (r.failed()) return Error::invalid_argument(r.error());
  if (auto v = validate_config(c); !v) return v.error();
  return c;
}

Result<Config> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::invalid_argument(path + ": cannot open the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

Result<void> validate_config(const Config& c) {
  auto fail = [&](const std::string& what) {
    return Error::invalid_argument(c.path + ": " + what);
  };
  if (c.instances.empty()) return fail("no [[instance]]: kprogress needs at least one cluster");
  std::set<std::string> ids;
  for (const auto& i : c.instances) {
    if (i.id.empty()) return fail("an [[instance]] has an empty id");
    if (!ids.insert(i.id).second) return fail("instance id \"" + i.id + "\" is used twice");
    if (i.bootstrap.empty()) return fail("instance \"" + i.id + "\" has an empty bootstrap");
  }
  std::set<std::string> keys;
  for (const auto& k : c.access_keys) {
    if (k.id.empty()) return fail("an [[access_key]] has an empty id");
    if (!keys.insert(k.id).second) return fail("access key \"" + k.id + "\" is defined twice");
    for (const auto& i : k.instances) {
      if (!ids.count(i)) {
        return fail("access key \"" + k.id + "\" names instance \"" + i +
                    "\", which is not configured");
      }
    }
  }
  const auto& col = c.collector;
  if (col.interval.count() <= 0) return fail("[collector] interval must be positive");
  if (col.cycle_timeout.count() <= 0) return fail("[collector] cycle_timeout must be positive");
  if (col.min_samples > col.window) {
    return fail("[collector] min_samples (" + std::to_string(col.min_samples) +
                ") cannot exceed window (" + std::to_string(col.window) + ")");
  }
  if (col.warn_after && col.error_after && *col.warn_after > *col.error_after) {
    return fail("[collector] warn_after cannot be later than error_after");
  }
  if (c.server.max_staleness.count() > 0 && !col.enabled) {
    return fail("[server] max_staleness needs the collector ([collector] enabled = true)");
  }
  if (c.auth.enabled && c.access_keys.empty()) {
    return fail(
        "authentication is on but no [[access_key]] is configured (add one, or set "
        "[auth] enabled = false on a loopback listener)");
  }
  if (!c.auth.enabled) {
    if (!c.server.listen.is_loopback()) {
      return fail("refusing to serve without authentication on " + c.server.listen.to_string() +
                  ": set [auth] enabled = true with an [[access_key]], or listen on 127.0.0.1");
    }
    if (c.server.tls && !c.server.tls->listen.is_loopback()) {
      return fail("refusing to serve without authentication on " +
                  c.server.tls->listen.to_string());
    }
  }
  return {};
}

}  // namespace kprogress
