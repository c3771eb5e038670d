// Table: left-aligned text columns for the CLI, as kafka-consumer-groups prints them.
#pragma once

#include <string>
#include <vector>

namespace kprogress::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns separated by two spaces, each as wide as its widest cell; one line per row.
  std::string render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace kprogress::cli
