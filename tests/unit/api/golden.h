// The text of a golden file in tests/golden/ (README.md there), trailing newlines dropped.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace kprogress::testing {

inline std::string golden(const std::string& name) {
  std::ifstream in(std::string(KP_SOURCE_DIR) + "/tests/golden/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace kprogress::testing
