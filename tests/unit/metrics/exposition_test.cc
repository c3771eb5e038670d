// render_metrics over hand-built snapshots: the exact lines of a small case, the family headers,
// granularity, escaping, what is left out instead of a sentinel, several instances.
#include "metrics/exposition.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "metrics/metric_names.h"
#include "snapshot_builder.h"

namespace kprogress {
namespace {

namespace names = metric_names;
using testing::add;
using ::testing::AllOf;
using testing::committed_partition;
using ::testing::Contains;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::instance;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::small_case;
using testing::uncommitted_partition;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The sample lines (no # HELP / # TYPE).
std::vector<std::string> samples(const std::string& text) {
  std::vector<std::string> out;
  for (auto& l : lines(text)) {
    if (!l.starts_with("#")) out.push_back(l);
  }
  return out;
}

std::string render(std::vector<std::shared_ptr<const InstanceSnapshot>> instances,
                   MetricsGranularity granularity = MetricsGranularity::kPartition) {
  MetricsInput in;
  in.instances = std::move(instances);
  in.granularity = granularity;
  in.now_ms = 1'700'000'001'000;
  return render_metrics(in);
}

const std::string kT0 =
    R"(cluster_name="c1",group="g1",topic="t",partition="0",member_host="10.0.0.1",consumer_id="m-1",client_id="app")";
const std::string kT2 =
    R"(cluster_name="c1",group="g1",topic="t",partition="2",member_host="10.0.0.1",consumer_id="m-1",client_id="app")";
const std::string kU0 =
    R"(cluster_name="c1",group="g1",topic="u",partition="0",member_host="",consumer_id="",client_id="")";
const std::string kG1 = R"(cluster_name="c1",group="g1")";
const std::string kC1 = R"(cluster_name="c1")";

// Every family of the small case that does not depend on the granularity, in order.
const std::vector<std::string> kGroupAndInstanceLines = {
    R"(kafka_consumergroup_group_topic_sum_lag{cluster_name="c1",group="g1",topic="t"} 5)",
    R"(kafka_consumergroup_group_topic_sum_lag{cluster_name="c1",group="g1",topic="u"} 3)",
    R"(kprogress_group_topic_max_lag{cluster_name="c1",group="g1",topic="t"} 5)",
    R"(kprogress_group_topic_max_lag{cluster_name="c1",group="g1",topic="u"} 3)",
    R"(kprogress_group_topic_max_lag_seconds{cluster_name="c1",group="g1",topic="t"} 12.5)",
    "kafka_consumergroup_group_max_lag{" + kG1 + "} 5",
    "kafka_consumergroup_group_max_lag_seconds{" + kG1 + "} 12.5",
    "kafka_consumergroup_group_sum_lag{" + kG1 + "} 8",
    "kprogress_group_status{" + kG1 + R"(,status="WARN"} 2)",
    "kprogress_group_members{" + kG1 + "} 1",
    "kprogress_group_state{" + kG1 + R"(,state="STABLE"} 1)",
    "kprogress_group_updated_timestamp_seconds{" + kG1 + "} 1700000000",
    "kprogress_collector_cycle_duration_seconds{" + kC1 + "} 0.5",
    "kprogress_collector_last_success_timestamp_seconds{" + kC1 + "} 1700000000.5",
    "kprogress_collector_kafka_calls{" + kC1 + "} 7",
    "kprogress_collector_record_reads{" + kC1 + "} 1",
    "kprogress_collector_groups{" + kC1 + "} 1",
    "kprogress_collector_partitions{" + kC1 + "} 4",
    "kprogress_collector_failed_groups{" + kC1 + "} 0",
    "kprogress_collector_cycles_total{" + kC1 + "} 3",
    "kprogress_instance_up{" + kC1 + "} 1",
};

TEST(RenderMetrics, SmallCaseEveryLine) {
  std::vector<std::string> want = {
      "kafka_consumergroup_group_offset{" + kT0 + "} 5",
      "kafka_consumergroup_group_offset{" + kT2 + "} 7",
      "kafka_consumergroup_group_offset{" + kU0 + "} 1",
      "kafka_consumergroup_group_lag{" + kT0 + "} 5",
      "kafka_consumergroup_group_lag{" + kT2 + "} 0",
      "kafka_consumergroup_group_lag{" + kU0 + "} 3",
      "kafka_consumergroup_group_lag_seconds{" + kT0 + "} 12.5",
      "kafka_consumergroup_group_lag_seconds{" + kT2 + "} 0",
      "kprogress_partition_status{" + kT0 + R"(,status="WARN"} 2)",
      "kprogress_partition_status{" + kT2 + R"(,status="OK"} 1)",
      "kprogress_partition_status{" + kU0 + R"(,status="OK"} 1)",
      "kprogress_partition_consume_rate{" + kT0 + "} 2",
      "kprogress_partition_produce_rate{" + kT0 + "} 1.5",
      "kprogress_partition_time_to_drain_seconds{" + kT0 + "} 10",
      "kprogress_partition_time_to_drain_seconds{" + kT2 + "} 0",
      R"(kafka_partition_latest_offset{cluster_name="c1",topic="t",partition="0"} 10)",
      R"(kafka_partition_latest_offset{cluster_name="c1",topic="t",partition="1"} 3)",
      R"(kafka_partition_latest_offset{cluster_name="c1",topic="t",partition="2"} 7)",
      R"(kafka_partition_latest_offset{cluster_name="c1",topic="u",partition="0"} 4)",
      R"(kafka_partition_earliest_offset{cluster_name="c1",topic="t",partition="0"} 2)",
      R"(kafka_partition_earliest_offset{cluster_name="c1",topic="t",partition="1"} 0)",
      R"(kafka_partition_earliest_offset{cluster_name="c1",topic="t",partition="2"} 0)",
      R"(kafka_partition_earliest_offset{cluster_name="c1",topic="u",partition="0"} 0)",
  };
  want.insert(want.end(), kGroupAndInstanceLines.begin(), kGroupAndInstanceLines.end());
  EXPECT_THAT(samples(render({small_case()})), ElementsAreArray(want));
}

TEST(RenderMetrics, TopicGranularityHasNoPartitionSeries) {
  const std::string text = render({small_case()}, MetricsGranularity::kTopic);
  EXPECT_THAT(samples(text), ElementsAreArray(kGroupAndInstanceLines));
  EXPECT_THAT(text, Not(HasSubstr("partition=")));
}

// Each family present once: # HELP and # TYPE straight before its samples, in kAll's order.
TEST(RenderMetrics, HeadersPrecedeEachFamilyOnce) {
  const auto all = lines(render({small_case()}));
  std::vector<std::string_view> seen;
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].starts_with("# HELP ")) continue;
    const auto* def = std::find_if(names::kAll.begin(), names::kAll.end(), [&](const auto& d) {
      return all[i] == "# HELP " + std::string(d.name) + " " + std::string(d.help);
    });
    ASSERT_NE(def, names::kAll.end()) << all[i];
    ASSERT_LT(i + 2, all.size());
    EXPECT_EQ(all[i + 1], "# TYPE " + std::string(def->name) +
                              (def->type == names::kCounter ? " counter" : " gauge"));
    EXPECT_TRUE(all[i + 2].starts_with(std::string(def->name) + "{")) << all[i + 2];
    seen.push_back(def->name);
  }
  EXPECT_EQ(seen.size(), 28u);  // every snapshot family; none for requests (no RequestMetrics)
  std::vector<std::string_view> order;
  for (const auto& d : names::kAll) {
    if (std::find(seen.begin(), seen.end(), d.name) != seen.end()) order.push_back(d.name);
  }
  EXPECT_EQ(seen, order);
  size_t types = 0;
  for (const auto& l : all) types += l.starts_with("# TYPE ") ? 1 : 0;
  EXPECT_EQ(types, seen.size());
}

TEST(RenderMetrics, EscapesLabelValues) {
  auto s = instance("c\"1", 1, 1000);
  GroupSnapshot g;
  g.group_id = "a\"b\\c\nd";
  add(g, committed_partition("t\\x", 0, 1, 2));
  s->groups.emplace(g.group_id, g);
  GroupSnapshot bad;
  bad.group_id = "caf\xC3";  // truncated UTF-8
  s->groups.emplace(bad.group_id, bad);
  const std::string text = render({s});
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(kafka_consumergroup_group_lag{cluster_name="c\"1",group="a\"b\\c\nd",topic="t\\x",partition="0",member_host="",consumer_id="",client_id=""} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr("kprogress_group_members{cluster_name=\"c\\\"1\",group=\"caf\xEF\xBF\xBD\"} 0"));
  for (const auto& l : lines(text)) {
    EXPECT_THAT(l, Not(HasSubstr("\r"))) << "raw control character";
  }
}

// What is not known is not written: no -1, NaN or Inf, and no series for what does not exist.
TEST(RenderMetrics, LeavesOutWhatIsUnknownInsteadOfSentinels) {
  auto s = instance("c1", 2, 1000);
  s->last_cycle.duration_ms = 10;
  GroupSnapshot g;
  g.group_id = "g";
  g.updated_ms = 1000;
  add(g, uncommitted_partition("t", 0, 5));
  PartitionSnapshot p = committed_partition("t", 1, 2, 9);
  p.lag_seconds = std::nullopt;                               // not read
  p.consume_rate = std::numeric_limits<double>::quiet_NaN();  // a bug upstream
  p.drain = {DrainState::kDraining, std::numeric_limits<double>::infinity()};
  add(g, p);
  s->groups.emplace("g", g);
  GroupSnapshot none;  // a group that exists with no commits
  none.group_id = "no-commits";
  add(none, uncommitted_partition("t", 0, 5));
  s->groups.emplace("no-commits", none);

  const std::string text = render({s});
  for (const auto& l : samples(text)) {
    const std::string value = l.substr(l.rfind(' ') + 1);
    EXPECT_FALSE(value.starts_with("-")) << l;
    EXPECT_THAT(value, AllOf(Not(HasSubstr("N")), Not(HasSubstr("n")), Not(HasSubstr("Inf")))) << l;
    // The only series of a partition without a commit are the topic-partition's offsets.
    if (l.find(R"(topic="t",partition="0")") != std::string::npos) {
      EXPECT_TRUE(l.starts_with("kafka_partition_")) << l;
    }
  }
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(kafka_consumergroup_group_lag{cluster_name="c1",group="g",topic="t",partition="1")"));
  for (const char* absent :
       {"kafka_consumergroup_group_lag_seconds", "kafka_consumergroup_group_max_lag_seconds",
        "kprogress_group_topic_max_lag_seconds", "kprogress_partition_consume_rate",
        "kprogress_partition_produce_rate", "kprogress_partition_time_to_drain_seconds"}) {
    EXPECT_THAT(text, Not(HasSubstr(absent))) << absent;
  }
  // The group without commits has its status, state and members, but no lag sums or maxima.
  EXPECT_THAT(
      text,
      HasSubstr(R"(kprogress_group_status{cluster_name="c1",group="no-commits",status="OK"} 1)"));
  EXPECT_THAT(text, Not(HasSubstr(R"(sum_lag{cluster_name="c1",group="no-commits")")));
  EXPECT_THAT(text, Not(HasSubstr(R"(max_lag{cluster_name="c1",group="no-commits")")));
}

TEST(RenderMetrics, InstanceBeforeItsFirstCycle) {
  EXPECT_THAT(samples(render({instance("c1", 0, 0)})),
              ElementsAreArray({"kprogress_collector_cycles_total{" + kC1 + "} 0",
                                "kprogress_instance_up{" + kC1 + "} 0"}));
}

TEST(RenderMetrics, InstanceWhoseLastCycleFailed) {
  auto s = instance("c1", 5, 1000);
  s->last_cycle.duration_ms = 2500;
  s->last_cycle.error = "listing groups: timed out";
  const auto got = samples(render({s}));
  EXPECT_THAT(got, Contains("kprogress_instance_up{" + kC1 + "} 0"));
  EXPECT_THAT(got, Contains("kprogress_collector_last_success_timestamp_seconds{" + kC1 + "} 1"));
  EXPECT_THAT(got, Contains("kprogress_collector_cycle_duration_seconds{" + kC1 + "} 2.5"));
}

TEST(RenderMetrics, NoInstancesNoSnapshotSeries) {
  EXPECT_THAT(render({}), IsEmpty());
  EXPECT_THAT(render({nullptr}), IsEmpty());
}

// Several instances: cluster_name tells them apart, and each family still appears once.
// Several groups on one topic: one series per topic-partition, from the group read last.
TEST(RenderMetrics, SeveralInstancesAndGroupsSharingATopic) {
  auto a = instance("a", 1, 1000);
  GroupSnapshot old_read;
  old_read.group_id = "g1";
  old_read.updated_ms = 500;  // its last read failed; older numbers
  add(old_read, committed_partition("t", 0, 1, 8, 1));
  GroupSnapshot fresh;
  fresh.group_id = "g2";
  fresh.updated_ms = 1000;
  add(fresh, committed_partition("t", 0, 4, 9, 2));
  a->groups.emplace("g1", old_read);
  a->groups.emplace("g2", fresh);
  auto b = instance("b", 1, 1000);
  b->groups.emplace("g1", old_read);

  const std::string text = render({a, b});
  const auto got = samples(text);
  std::vector<std::string> latest;
  for (const auto& l : got) {
    if (l.starts_with("kafka_partition_")) latest.push_back(l);
  }
  EXPECT_THAT(latest,
              ElementsAreArray({
                  R"(kafka_partition_latest_offset{cluster_name="a",topic="t",partition="0"} 9)",
                  R"(kafka_partition_latest_offset{cluster_name="b",topic="t",partition="0"} 8)",
                  R"(kafka_partition_earliest_offset{cluster_name="a",topic="t",partition="0"} 2)",
                  R"(kafka_partition_earliest_offset{cluster_name="b",topic="t",partition="0"} 1)",
              }));
  EXPECT_THAT(got, Contains(R"(kafka_consumergroup_group_sum_lag{cluster_name="a",group="g1"} 7)"));
  EXPECT_THAT(got, Contains(R"(kafka_consumergroup_group_sum_lag{cluster_name="a",group="g2"} 5)"));
  EXPECT_THAT(got, Contains(R"(kafka_consumergroup_group_sum_lag{cluster_name="b",group="g1"} 7)"));
  std::set<std::string> types;
  for (const auto& l : lines(text)) {
    if (l.starts_with("# TYPE ")) {
      EXPECT_TRUE(types.insert(l).second) << "twice: " << l;
    }
  }
}

TEST(RenderMetrics, RequestMetricsFollowTheSnapshotFamilies) {
  RequestMetrics requests;
  requests.observe("/metrics", "GET", 200, std::chrono::milliseconds(3));
  MetricsInput in;
  in.instances = {small_case()};
  in.requests = &requests;
  const std::string text = render_metrics(in);
  const auto up = text.find("kprogress_instance_up{");
  const auto http = text.find("# HELP kprogress_http_requests_total ");
  ASSERT_NE(up, std::string::npos);
  ASSERT_NE(http, std::string::npos);
  EXPECT_LT(up, http);
  EXPECT_THAT(
      text,
      HasSubstr(R"(kprogress_http_requests_total{code="200",method="GET",route="/metrics"} 1)"));
}

TEST(MetricsContentType, IsTheTextFormat) {
  EXPECT_STREQ(kMetricsContentType, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace kprogress
