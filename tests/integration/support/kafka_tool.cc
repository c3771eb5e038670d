#include "kafka_tool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace kprogress::testing {
namespace {

std::string source_dir() {
  if (const char* dir = std::getenv("KPROGRESS_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
#ifdef KP_SOURCE_DIR
  return KP_SOURCE_DIR;
#else
  throw std::runtime_error("KPROGRESS_SOURCE_DIR is not set");
#endif
}

std::optional<int64_t> number_or_dash(const std::string& s) {
  if (s == "-") return std::nullopt;
  return std::stoll(s);
}

}  // namespace

ToolResult run_kafka_tool(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  const std::string script = source_dir() + "/scripts/kafka";
  std::vector<std::string> argv_s = {script, "tool"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);  // its own process group, so that a timeout kills the JVM too
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);

  ToolResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      kill(-pid, SIGKILL);
      killed = true;
      break;
    }
    if (poll(fds, 2, static_cast<int>(left)) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = (!killed && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
}

std::vector<GroupToolRow> parse_group_table(const std::string& out) {
  std::vector<GroupToolRow> rows;
  std::istringstream lines(out);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> cols;
    for (std::string w; words >> w;) cols.push_back(w);
    if (cols.empty()) continue;
    if (cols[0] == "GROUP" && cols.size() > 2 && cols[1] == "TOPIC") {
      header = cols;
      continue;
    }
    if (header.empty() || cols.size() != header.size()) continue;
    GroupToolRow row;
    for (size_t i = 0; i < header.size(); ++i) {
      const std::string& h = header[i];
      const std::string& v = cols[i];
      if (h == "GROUP")
        row.group = v;
      else if (h == "TOPIC")
        row.topic = v;
      else if (h == "PARTITION")
        row.partition = std::stoi(v);
      else if (h == "CURRENT-OFFSET")
        row.current_offset = number_or_dash(v);
      else if (h == "LOG-END-OFFSET")
        row.log_end_offset = number_or_dash(v);
      else if (h == "LAG")
        row.lag = number_or_dash(v);
      else if (h == "CONSUMER-ID")
        row.consumer_id = v;
      else if (h == "HOST")
        row.host = v;
      else if (h == "CLIENT-ID")
        row.client_id = v;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<GroupToolRow> describe_group_with_tool(const std::string& bootstrap,
                                                   const std::string& group, bool* missing) {
  ToolResult r = run_kafka_tool(
      {"consumer-groups", "--bootstrap-server", bootstrap, "--describe", "--group", group});
  // 3.9 says "Consumer group 'G' does not exist."; 4.x prints GroupIdNotFoundException, and
  // exits 0 either way.
  const std::string all = r.out + "\n" + r.err;
  const bool absent = all.find("does not exist") != std::string::npos ||
                      all.find("GroupIdNotFoundException") != std::string::npos;
  if (missing != nullptr) *missing = absent;
  if (absent) return {};
  if (r.exit_code != 0 || all.find("Error: ") != std::string::npos) {
    throw std::runtime_error("kafka-consumer-groups --describe --group " + group + " exited " +
                             std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" +
                             r.err);
  }
  return parse_group_table(r.out);
}

}  // namespace kprogress::testing
