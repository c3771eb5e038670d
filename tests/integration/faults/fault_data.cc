// fault_data: the fault tests' hands on the cluster's data, so that the Python driver knows the
// exact numbers it will ask kprogress for. Reads a JSON array of operations on stdin, runs them
// in order against $KPROGRESS_TEST_BOOTSTRAP through TestCluster (librdkafka, not kprogress's
// code), and prints one JSON array of results on stdout:
//   {"op":"create_topic","topic":T,"partitions":N,"replication_factor":R}      -> {}
//   {"op":"produce","topic":T,"partition":P,"count":N,"timestamp_ms":TS}
//       N records with timestamps TS, TS+1, ...                                -> {"offsets":[..]}
//   {"op":"commit","group":G,"offsets":[[T,P,OFFSET],...]}                     -> {}
//   {"op":"delete_topic","topic":T}                                            -> {}
// Exit 0 when every operation succeeded; 1 with the failing operation on stderr otherwise.
// Topics stay after the process ends (the driver deletes them at the end of its scenario).
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "test_cluster.h"

using json = nlohmann::json;
using kprogress::testing::ProducedRecord;
using kprogress::testing::TestCluster;

int main() {
  // Never destroyed: TestCluster deletes the topics it created in its destructor, and these must
  // outlive this process. Every produce() has flushed before it returned.
  auto* cluster = new TestCluster();
  json ops;
  try {
    ops = json::parse(std::cin);
  } catch (const std::exception& e) {
    std::cerr << "fault_data: stdin is not JSON: " << e.what() << "\n";
    return 1;
  }
  json results = json::array();
  for (const auto& op : ops) {
    try {
      const std::string kind = op.at("op");
      json result = json::object();
      if (kind == "create_topic") {
        cluster->create_topic(op.at("topic"), op.at("partitions"), op.at("replication_factor"));
      } else if (kind == "produce") {
        std::vector<ProducedRecord> records;
        const int count = op.at("count");
        const int64_t ts = op.at("timestamp_ms");
        const int32_t partition = op.at("partition");
        for (int i = 0; i < count; ++i) {
          records.push_back({partition, "k" + std::to_string(i), "v" + std::to_string(i), ts + i});
        }
        result["offsets"] = cluster->produce(op.at("topic"), records);
      } else if (kind == "commit") {
        std::map<std::pair<std::string, int32_t>, int64_t> offsets;
        for (const auto& o : op.at("offsets")) offsets[{o.at(0), o.at(1)}] = o.at(2);
        cluster->commit_offsets(op.at("group"), offsets);
      } else if (kind == "delete_topic") {
        cluster->delete_topic(op.at("topic"));
      } else {
        throw std::runtime_error("unknown op \"" + kind + "\"");
      }
      results.push_back(std::move(result));
    } catch (const std::exception& e) {
      std::cerr << "fault_data: " << op.dump() << ": " << e.what() << "\n";
      std::cout << results.dump() << "\n";
      return 1;
    }
  }
  std::cout << results.dump() << "\n";
  std::fflush(stdout);
  return 0;
}
