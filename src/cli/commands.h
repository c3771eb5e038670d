// The subcommands of the `kprogress` binary. Each returns the process exit code (ExitCode).
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace kprogress::cli {

// Distinct exit codes, so scripts can tell failures apart.
enum ExitCode {
  kExitOk = 0,
  kExitFailure = 1,   // anything else (a bug, an unexpected error)
  kExitUsage = 2,     // bad command line (CLI11 uses this too)
  kExitNotFound = 3,  // the group does not exist
  kExitKafka = 4,     // Kafka unreachable, or did not answer in time
  kExitConfig = 5,    // the config file is invalid
};

struct KafkaFlags {
  std::string bootstrap;
  std::map<std::string, std::string> properties;  // -X key=value
  std::chrono::milliseconds timeout{10000};
};

int run_serve(const std::string& config_path);
int run_validate_config(const std::string& config_path);
int run_describe(const KafkaFlags& kafka, const std::string& group, const std::string& format);
int run_groups(const KafkaFlags& kafka, const std::string& format);

}  // namespace kprogress::cli
