#include <spdlog/spdlog.h>

#include <cstdio>

#include "app/config.h"
#include "app/server_app.h"
#include "cli/commands.h"

namespace kprogress::cli {

int run_validate_config(const std::string& config_path) {
  auto config = load_config(config_path);
  if (!config) {
    std::fprintf(stderr, "kprogress: %s\n", config.error().message.c_str());
    return kExitConfig;
  }
  std::printf("%s: ok (%zu instance(s), authentication %s)\n", config_path.c_str(),
              config->instances.size(), config->auth.enabled ? "on" : "off");
  return kExitOk;
}

int run_serve(const std::string& config_path) {
  auto config = load_config(config_path);
  if (!config) {
    std::fprintf(stderr, "kprogress: %s\n", config.error().message.c_str());
    return kExitConfig;
  }
  auto app = ServerApp::create(*config);
  if (!app) {
    std::fprintf(stderr, "kprogress: %s\n", app.error().message.c_str());
    return kExitFailure;
  }
  return (*app)->run();
}

}  // namespace kprogress::cli
