#include "kafka/rdkafka/admin_calls.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <unordered_set>

#include "kafka/rdkafka/errors.h"

namespace kprogress::rdk {
namespace {

using std::chrono::milliseconds;

// librdkafka's largest admin request timeout (rd_kafka_AdminOptions_set_request_timeout).
constexpr int kCoordinatorRequestTimeoutMs = 3600 * 1000;

// Leave librdkafka a little time to report its own timeout (which says more than ours) before
// our wait on the queue ends.
int request_timeout_ms(const Deadline& deadline) {
  const int left = deadline.remaining_ms();
  return std::max(1, left - std::min(100, left / 4));
}

GroupState map_state(rd_kafka_consumer_group_state_t s) {
  switch (s) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE: return GroupState::kPreparingRebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
      return GroupState::kCompletingRebalance;
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: return GroupState::kStable;
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: return GroupState::kDead;
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: return GroupState::kEmpty;
    default: return GroupState::kUnknown;
  }
}

std::string str(const char* s) { return s != nullptr ? s : ""; }

// The error an event carries, as an Error naming `what`; a timeout becomes no_answer_error.
std::optional<Error> event_error(const AdminContext& ctx, rd_kafka_event_t* ev,
                                 const std::string& what, int budget_ms) {
  const rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    return no_answer_error(ctx.rk, *ctx.state, what, budget_ms);
  }
  return Error{error_code_for(err), what + ": " + str(rd_kafka_event_error_string(ev))};
}

// Waits before retrying a coordinator error: 50 ms doubling to 1 s, never past the deadline.
// Returns false when no time is left for another try.
bool backoff(int attempt, const Deadline& deadline) {
  const auto pause = milliseconds(std::min(1000, 50 << std::min(attempt, 5)));
  if (deadline.remaining_ms() <= pause.count()) return false;
  std::this_thread::sleep_for(pause);
  return true;
}

std::vector<TopicPartition> to_partitions(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, PartitionId(list->elems[i].partition)});
  }
  return out;
}

}  // namespace

Result<EventPtr> run_admin(
    const AdminContext& ctx, rd_kafka_admin_op_t op, Deadline deadline, const std::string& what,
    const std::string& coordinator_key,
    const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& start) {
  const int budget = deadline.remaining_ms();
  if (budget <= 0) return Error::deadline_exceeded(what + ": no time left to ask");
  const bool to_coordinator = !coordinator_key.empty();
  if (to_coordinator) {
    if (auto waiting = ctx.pending->waiting_ms(coordinator_key)) {
      std::string message = what + ": the group coordinator has not answered an earlier request (" +
                            std::to_string(*waiting) + " ms ago)";
      if (auto last = ctx.state->last_error(); !last.empty()) {
        message += " (last error: " + last + ")";
      }
      return Error::unavailable(std::move(message));
    }
  }
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(ctx.rk, op));
  char errstr[256];
  const int timeout = to_coordinator ? kCoordinatorRequestTimeoutMs : request_timeout_ms(deadline);
  if (rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout, errstr, sizeof errstr) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error::internal(what + ": " + errstr);
  }
  QueuePtr queue(rd_kafka_queue_new(ctx.rk));
  start(options.get(), queue.get());
  EventPtr ev(rd_kafka_queue_poll(queue.get(), std::max(1, deadline.remaining_ms())));
  if (!ev) {
    // A coordinator request keeps running; destroying our queue would not stop it, but parking
    // it lets the next call for the same key see that it is still unanswered.
    if (to_coordinator) ctx.pending->park(coordinator_key, std::move(queue));
    return no_answer_error(ctx.rk, *ctx.state, what, budget);
  }
  return ev;
}

namespace {

// Whether the `failed` brokers of a ListGroups can only be brokers that the cluster no longer
// lists: librdkafka 2.0.2 asks every broker it ever learnt of, dead ones included, but a broker
// that left the cluster's metadata coordinates no group (its groups moved to live brokers, which
// answered). Then the list is complete.
bool only_departed_brokers_failed(const AdminContext& ctx, size_t failed, Deadline deadline,
                                  std::string* departed) {
  const int left = deadline.remaining_ms();
  if (left <= 0) return false;
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_metadata(ctx.rk, 0, nullptr, &raw, left) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return false;
  }
  MetadataPtr md(raw);
  const std::vector<int32_t> gone = ctx.state->note_brokers(*md);
  for (int32_t id : gone) *departed += (departed->empty() ? "" : ", ") + std::to_string(id);
  return !gone.empty() && failed <= gone.size();
}

}  // namespace

Result<std::vector<GroupListing>> list_groups(const AdminContext& ctx, Deadline deadline) {
  // A broker that is down makes its part of the list wait for the whole request timeout: keep
  // most of the caller's time for what comes after the list (and for the metadata check below).
  const Deadline list_deadline =
      deadline.capped(milliseconds(std::max(2000, deadline.remaining_ms() / 3)));
  const int budget = list_deadline.remaining_ms();
  const std::string what = "ListGroups";
  auto ev = run_admin(ctx, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, list_deadline, what, "",
                      [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                        rd_kafka_ListConsumerGroups(ctx.rk, o, q);
                      });
  if (!ev) return ev.error();
  if (auto e = event_error(ctx, ev->get(), what, budget)) return *e;
  const auto* result = rd_kafka_event_ListConsumerGroups_result(ev->get());
  if (result == nullptr) return Error::internal(what + ": unexpected event type");

  // A list missing a live broker's groups is a half-true answer: fail, naming who did not
  // answer. Brokers that left the cluster are not missed.
  size_t error_count = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
  std::string departed;
  bool unreachable_only = true;
  for (size_t i = 0; i < error_count; ++i) {
    const rd_kafka_resp_err_t code = rd_kafka_error_code(errors[i]);
    if (code != RD_KAFKA_RESP_ERR__TIMED_OUT && code != RD_KAFKA_RESP_ERR__TRANSPORT) {
      unreachable_only = false;
    }
  }
  if (error_count > 0 &&
      !(unreachable_only && only_departed_brokers_failed(ctx, error_count, deadline, &departed))) {
    bool all_timeouts = true;
    std::string text;
    for (size_t i = 0; i < error_count; ++i) {
      if (rd_kafka_error_code(errors[i]) != RD_KAFKA_RESP_ERR__TIMED_OUT) all_timeouts = false;
      if (i > 0) text += "; ";
      text += str(rd_kafka_error_string(errors[i]));
    }
    if (all_timeouts) {
      auto e = no_answer_error(ctx.rk, *ctx.state, what, budget);
      if (e.code == ErrorCode::kUnavailable) return e;
    }
    const ErrorCode code = all_timeouts ? ErrorCode::kDeadlineExceeded
                                        : error_code_for(rd_kafka_error_code(errors[0]));
    // librdkafka's per-broker errors do not say which broker; the last connection error
    // usually does.
    if (auto last = ctx.state->last_error(); !last.empty())
      text += " (last broker error: " + last + ")";
    // Named by its bootstrap: the connection error that says more may not have been reported
    // yet (librdkafka hands it over on a later poll).
    return Error{code, what + " from Kafka at " + ctx.state->bootstrap() + " is incomplete, " +
                           std::to_string(error_count) + " broker(s) failed: " + text};
  }
  if (error_count > 0) {
    spdlog::warn(
        "ListGroups: {} broker(s) did not answer; the cluster no longer lists broker(s) "
        "{}, so the list of the others is complete",
        error_count, departed);
  }

  size_t count = 0;
  const rd_kafka_ConsumerGroupListing_t** listings =
      rd_kafka_ListConsumerGroups_result_valid(result, &count);
  ctx.state->on_answer();
  std::vector<GroupListing> out;
  std::set<std::string> seen;  // 2.0.2 lists a group once per broker that returned it
  for (size_t i = 0; i < count; ++i) {
    std::string id = str(rd_kafka_ConsumerGroupListing_group_id(listings[i]));
    if (!seen.insert(id).second) continue;
    out.push_back({std::move(id), map_state(rd_kafka_ConsumerGroupListing_state(listings[i])),
                   rd_kafka_ConsumerGroupListing_is_simple_consumer_group(listings[i]) != 0});
  }
  return out;
}

namespace {

GroupDescription to_description(const rd_kafka_ConsumerGroupDescription_t* d) {
  GroupDescription g;
  g.group_id = str(rd_kafka_ConsumerGroupDescription_group_id(d));
  g.state = map_state(rd_kafka_ConsumerGroupDescription_state(d));
  g.is_simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) != 0;
  g.partition_assignor = str(rd_kafka_ConsumerGroupDescription_partition_assignor(d));
  if (const rd_kafka_Node_t* node = rd_kafka_ConsumerGroupDescription_coordinator(d)) {
    g.coordinator_id = rd_kafka_Node_id(node);
  }
  const size_t members = rd_kafka_ConsumerGroupDescription_member_count(d);
  for (size_t i = 0; i < members; ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(d, i);
    GroupMember member;
    member.member_id = str(rd_kafka_MemberDescription_consumer_id(m));
    member.client_id = str(rd_kafka_MemberDescription_client_id(m));
    member.host = str(rd_kafka_MemberDescription_host(m));
    member.group_instance_id = str(rd_kafka_MemberDescription_group_instance_id(m));
    if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m)) {
      member.assignment = to_partitions(rd_kafka_MemberAssignment_partitions(a));
    }
    g.members.push_back(std::move(member));
  }
  return g;
}

}  // namespace

Result<std::vector<GroupDescription>> describe_groups(const AdminContext& ctx,
                                                      const std::vector<std::string>& group_ids,
                                                      Deadline deadline) {
  const int budget = deadline.remaining_ms();
  std::map<std::string, GroupDescription> done;
  std::vector<std::string> pending;
  std::unordered_set<std::string> seen;  // a linear search here was O(n^2) for 10,000 groups
  for (const auto& id : group_ids) {
    if (seen.insert(id).second) pending.push_back(id);
  }
  std::string last_retry_reason;
  for (int attempt = 0; !pending.empty(); ++attempt) {
    if (attempt > 0 && !backoff(attempt, deadline)) {
      return Error::deadline_exceeded("DescribeGroups for " + pending.front() +
                                      ": the coordinator was not ready within " +
                                      std::to_string(budget) + " ms (" + last_retry_reason + ")");
    }
    const std::string what =
        "DescribeGroups for " + pending.front() +
        (pending.size() > 1 ? " and " + std::to_string(pending.size() - 1) + " more group(s)" : "");
    std::vector<const char*> ids;
    std::string key = "DescribeGroups";
    for (const auto& id : pending) {
      ids.push_back(id.c_str());
      key += " " + id;
    }
    auto ev = run_admin(ctx, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, deadline, what, key,
                        [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                          rd_kafka_DescribeConsumerGroups(ctx.rk, ids.data(), ids.size(), o, q);
                        });
    if (!ev) return ev.error();
    if (is_coordinator_error(rd_kafka_event_error(ev->get()))) {
      last_retry_reason = str(rd_kafka_event_error_string(ev->get()));
      continue;
    }
    if (auto e = event_error(ctx, ev->get(), what, budget)) return *e;
    const auto* result = rd_kafka_event_DescribeConsumerGroups_result(ev->get());
    if (result == nullptr) return Error::internal(what + ": unexpected event type");
    size_t count = 0;
    const rd_kafka_ConsumerGroupDescription_t** groups =
        rd_kafka_DescribeConsumerGroups_result_groups(result, &count);
    std::vector<std::string> retry;
    for (size_t i = 0; i < count; ++i) {
      const std::string id = str(rd_kafka_ConsumerGroupDescription_group_id(groups[i]));
      if (const rd_kafka_error_t* err = rd_kafka_ConsumerGroupDescription_error(groups[i])) {
        const rd_kafka_resp_err_t code = rd_kafka_error_code(err);
        if (is_coordinator_error(code)) {
          last_retry_reason = str(rd_kafka_error_string(err));
          retry.push_back(id);
          continue;
        }
        if (code == RD_KAFKA_RESP_ERR__TIMED_OUT) {
          return no_answer_error(ctx.rk, *ctx.state, "DescribeGroups for " + id, budget);
        }
        return Error{error_code_for(code),
                     "DescribeGroups for " + id + ": " + str(rd_kafka_error_string(err))};
      }
      ctx.state->on_answer();
      done[id] = to_description(groups[i]);
    }
    pending = std::move(retry);
  }
  std::vector<GroupDescription> out;
  for (const auto& id : group_ids) {
    if (auto it = done.find(id); it != done.end()) out.push_back(it->second);
  }
  return out;
}

Result<std::vector<CommittedOffset>> committed_offsets(const AdminContext& ctx,
                                                       const std::string& group_id,
                                                       Deadline deadline) {
  const int budget = deadline.remaining_ms();
  const std::string what = "OffsetFetch for group " + group_id;
  std::string last_retry_reason;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0 && !backoff(attempt, deadline)) {
      return Error::deadline_exceeded(what + ": the coordinator was not ready within " +
                                      std::to_string(budget) + " ms (" + last_retry_reason + ")");
    }
    ListGroupOffsetsPtr request(rd_kafka_ListConsumerGroupOffsets_new(group_id.c_str(), nullptr));
    auto ev = run_admin(ctx, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, deadline, what,
                        "OffsetFetch " + group_id,
                        [&](const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                          rd_kafka_ListConsumerGroupOffsets_t* one = request.get();
                          rd_kafka_ListConsumerGroupOffsets(ctx.rk, &one, 1, o, q);
                        });
    if (!ev) return ev.error();
    if (is_coordinator_error(rd_kafka_event_error(ev->get()))) {
      last_retry_reason = str(rd_kafka_event_error_string(ev->get()));
      continue;
    }
    if (auto e = event_error(ctx, ev->get(), what, budget)) return *e;
    const auto* result = rd_kafka_event_ListConsumerGroupOffsets_result(ev->get());
    if (result == nullptr) return Error::internal(what + ": unexpected event type");
    size_t count = 0;
    const rd_kafka_group_result_t** groups =
        rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count);
    if (count != 1) return Error::internal(what + ": " + std::to_string(count) + " results");
    if (const rd_kafka_error_t* err = rd_kafka_group_result_error(groups[0])) {
      const rd_kafka_resp_err_t code = rd_kafka_error_code(err);
      if (is_coordinator_error(code)) {
        last_retry_reason = str(rd_kafka_error_string(err));
        continue;
      }
      if (code == RD_KAFKA_RESP_ERR__TIMED_OUT) {
        return no_answer_error(ctx.rk, *ctx.state, what, budget);
      }
      return Error{error_code_for(code), what + ": " + str(rd_kafka_error_string(err))};
    }
    ctx.state->on_answer();
    std::vector<CommittedOffset> out;
    std::vector<TopicPartition> failed;
    rd_kafka_resp_err_t first_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[0]);
    for (int i = 0; parts != nullptr && i < parts->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = parts->elems[i];
      TopicPartition tp{p.topic, PartitionId(p.partition)};
      if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (first_err == RD_KAFKA_RESP_ERR_NO_ERROR) first_err = p.err;
        failed.push_back(std::move(tp));
        continue;
      }
      if (p.offset == RD_KAFKA_OFFSET_INVALID) continue;  // no commit for this partition
      std::string metadata;
      if (p.metadata != nullptr) {
        metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
      }
      out.push_back({std::move(tp), Offset(p.offset), std::move(metadata)});
    }
    if (!failed.empty()) {
      return Error{error_code_for(first_err),
                   what + ": " + describe_partitions(failed) + ": " + rd_kafka_err2str(first_err)};
    }
    std::sort(out.begin(), out.end(),
              [](const CommittedOffset& a, const CommittedOffset& b) { return a.tp < b.tp; });
    return out;
  }
}

}  // namespace kprogress::rdk
