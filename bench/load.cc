// bench_load: a small HTTP/1.1 keep-alive load client (no dependency beyond POSIX sockets).
// C threads each hold one connection and send GET PATH back to back, for --requests in total
// (sequential latency with -c 1) or for --duration seconds (throughput).
//
//   bench_load --port P [--host 127.0.0.1] --path '/?Action=...' [-c C]
//              [--requests N | --duration S] [--warmup W]
//
// Bodies with Content-Length or chunked (the end is found by the last chunk, "0\r\n\r\n": a
// benchmark client, not a parser). Prints one JSON object: requests, non-200 answers, errors,
// elapsed seconds, requests per second, and latency percentiles in milliseconds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int connect_to(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Sends one request and reads the whole answer. Returns the status, -1 on a broken connection.
// *closed is set when the server asked to close the connection.
int roundtrip(int fd, const std::string& req, std::string& buf, bool* closed) {
  size_t off = 0;
  while (off < req.size()) {
    ssize_t n = ::send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return -1;
    off += static_cast<size_t>(n);
  }
  buf.clear();
  char tmp[65536];
  size_t header_end = std::string::npos;
  size_t need = 0;
  bool chunked = false;  // Go's net/http (Burrow) sends large bodies chunked
  for (;;) {
    if (header_end != std::string::npos && !chunked && buf.size() >= need) break;
    if (chunked && buf.size() >= need && buf.compare(buf.size() - 7, 7, "\r\n0\r\n\r\n") == 0)
      break;
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = buf.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      std::string head = buf.substr(0, header_end);
      for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      size_t cl = head.find("content-length:");
      size_t len = cl == std::string::npos ? 0 : std::strtoul(head.c_str() + cl + 15, nullptr, 10);
      chunked = head.find("transfer-encoding: chunked") != std::string::npos;
      need = header_end + 4 + (chunked ? 5 : len);  // chunked: until the last-chunk line
      *closed = head.find("connection: close") != std::string::npos;
    }
  }
  if (buf.size() < 12) return -1;
  return std::atoi(buf.c_str() + 9);
}

double pct(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", path = "/";
  int port = 0, conns = 1, warmup = 5;
  long requests = 0;
  double duration = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--host")
      host = v;
    else if (k == "--port")
      port = std::stoi(v);
    else if (k == "--path")
      path = v;
    else if (k == "-c")
      conns = std::stoi(v);
    else if (k == "--requests")
      requests = std::stol(v);
    else if (k == "--duration")
      duration = std::stod(v);
    else if (k == "--warmup")
      warmup = std::stoi(v);
    else {
      std::fprintf(stderr, "bench_load: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (port == 0 || (requests == 0 && duration == 0)) {
    std::fprintf(stderr, "bench_load: --port and --requests or --duration are required\n");
    return 2;
  }
  const std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: keep-alive\r\n\r\n";
  std::atomic<long> issued{0}, non200{0}, errors{0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(conns));
  std::atomic<bool> go{false};
  Clock::time_point start, stop_at;
  std::vector<std::thread> threads;
  for (int c = 0; c < conns; ++c) {
    threads.emplace_back([&, c] {
      std::string buf;
      int fd = connect_to(host, port);
      for (int w = 0; w < warmup && fd >= 0; ++w) {  // warm the connection and the server
        bool closed = false;
        if (roundtrip(fd, req, buf, &closed) < 0 || closed) {
          ::close(fd);
          fd = connect_to(host, port);
        }
      }
      while (!go.load()) std::this_thread::yield();
      for (;;) {
        if (requests > 0 ? issued.fetch_add(1) >= requests : Clock::now() >= stop_at) break;
        if (fd < 0) fd = connect_to(host, port);
        if (fd < 0) {
          ++errors;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        bool closed = false;
        auto t0 = Clock::now();
        int status = roundtrip(fd, req, buf, &closed);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (status < 0) {
          ++errors;
          ::close(fd);
          fd = -1;
          continue;
        }
        if (status != 200) ++non200;
        lat[static_cast<size_t>(c)].push_back(ms);
        if (closed) {
          ::close(fd);
          fd = -1;
        }
      }
      if (fd >= 0) ::close(fd);
    });
  }
  start = Clock::now();
  stop_at =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
  go = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  std::printf(
      "{\"connections\":%d,\"requests\":%zu,\"non200\":%ld,\"errors\":%ld,\"elapsed_s\":%.3f,"
      "\"rps\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%."
      "3f}\n",
      conns, all.size(), non200.load(), errors.load(), elapsed, all.size() / elapsed, pct(all, 50),
      pct(all, 90), pct(all, 99), pct(all, 0), pct(all, 100));
  return 0;
}
