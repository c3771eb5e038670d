// Waiting in tests without bare sleeps: poll a condition until it holds or a deadline passes.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace kprogress::testing {

// Calls `condition` every `interval` until it returns true (then true) or `timeout` passes
// (then false, after one last try).
inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(100)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(interval);
  }
  return condition();
}

}  // namespace kprogress::testing
