// The group calls of RdKafkaClient, over librdkafka's asynchronous admin API: each call gets its
// own result queue and waits on it within the caller's Deadline. Stateless functions over a
// shared handle; safe to call from several threads at once (librdkafka handles are).
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "kafka/kafka_client.h"
#include "kafka/rdkafka/connection.h"
#include "kafka/rdkafka/handles.h"
#include "kafka/rdkafka/pending_requests.h"

namespace kprogress::rdk {

// What an admin call needs: the handle it goes through and where its callbacks report.
struct AdminContext {
  rd_kafka_t* rk;
  ConnectionState* state;
  PendingRequests* pending;  // coordinator requests still running after their caller's deadline
};

// Runs one admin request: `start` enqueues it, and the result event is awaited on a private
// queue until `deadline`. The event may still carry an error (rd_kafka_event_error); no event
// within the deadline is kDeadlineExceeded naming `what` (or kUnavailable when every broker is
// down).
//
// An empty `coordinator_key` is a request to brokers found without a coordinator lookup
// (ListGroups): its librdkafka request timeout ends just before `deadline`. Otherwise the request
// goes to a group coordinator and `coordinator_key` names what it asks for (see
// pending_requests.h for why): it runs with librdkafka's longest request timeout (broker
// requests are still bounded by socket.timeout.ms), is parked when `deadline` passes, and while
// it is parked another request for the same key fails at once with kUnavailable.
Result<EventPtr> run_admin(
    const AdminContext& ctx, rd_kafka_admin_op_t op, Deadline deadline, const std::string& what,
    const std::string& coordinator_key,
    const std::function<void(const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& start);

// KafkaClient::list_groups: complete or an error naming the brokers that did not answer.
Result<std::vector<GroupListing>> list_groups(const AdminContext& ctx, Deadline deadline);

// KafkaClient::describe_groups, retrying coordinator moves until the deadline.
Result<std::vector<GroupDescription>> describe_groups(const AdminContext& ctx,
                                                      const std::vector<std::string>& group_ids,
                                                      Deadline deadline);

// KafkaClient::committed_offsets, retrying coordinator moves until the deadline.
Result<std::vector<CommittedOffset>> committed_offsets(const AdminContext& ctx,
                                                       const std::string& group_id,
                                                       Deadline deadline);

}  // namespace kprogress::rdk
