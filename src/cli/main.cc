// kprogress: how far each Kafka consumer group has got, and how far behind it is.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "app/config.h"
#include "cli/commands.h"

namespace {

void add_kafka_flags(CLI::App* cmd, kprogress::cli::KafkaFlags& k, std::string& timeout) {
  cmd->add_option("--bootstrap,-b", k.bootstrap, "Kafka bootstrap servers, HOST:PORT[,...]")
      ->required();
  cmd->add_option("-X", k.properties,
                  "librdkafka property KEY=VALUE (SASL, TLS ...); may be repeated")
      ->delimiter(',')
      ->check([](const std::string& kv) {
        return kv.find('=') == std::string::npos ? std::string("expected KEY=VALUE") : "";
      });
  cmd->add_option("--timeout", timeout, "deadline for the Kafka calls, e.g. 10s")
      ->default_val("10s");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kprogress::cli;
  // Logs go to stderr; stdout carries the commands' output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("kprogress"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"kprogress: how far each Kafka consumer group has got, and how far behind it is."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kprogress 0.1.0");

  std::string config_path;
  auto* serve =
      app.add_subcommand("serve", "Serve the alikafka API (GetConsumerProgress) over HTTP");
  serve->add_option("--config,-c", config_path, "TOML config file")->required();

  auto* validate = app.add_subcommand("validate-config", "Check a config file and exit");
  validate->add_option("--config,-c", config_path, "TOML config file")->required();

  KafkaFlags kafka;
  std::string timeout, group, format = "table";
  auto* describe = app.add_subcommand(
      "describe", "Per-partition progress of one group, like kafka-consumer-groups --describe");
  add_kafka_flags(describe, kafka, timeout);
  describe->add_option("--group,-g", group, "consumer group id")->required();
  describe->add_option("--format,-f", format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  auto* groups = app.add_subcommand("groups", "Every group with its state, members and lag");
  add_kafka_flags(groups, kafka, timeout);
  groups->add_option("--format,-f", format, "table or json")
      ->check(CLI::IsMember({"table", "json"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (describe->parsed() || groups->parsed()) {
    auto d = kprogress::parse_duration(timeout);
    if (!d || d->count() <= 0) {
      std::fprintf(stderr, "--timeout: \"%s\" is not a duration like 10s or 500ms\n",
                   timeout.c_str());
      return kExitUsage;
    }
    kafka.timeout = *d;
  }
  if (serve->parsed()) return run_serve(config_path);
  if (validate->parsed()) return run_validate_config(config_path);
  if (describe->parsed()) return run_describe(kafka, group, format);
  if (groups->parsed()) return run_groups(kafka, format);
  return kExitUsage;
}
