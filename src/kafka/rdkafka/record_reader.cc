#include "kafka/rdkafka/record_reader.h"

#include <algorithm>
#include <map>
#include <set>

#include "kafka/rdkafka/errors.h"

namespace kprogress::rdk {

std::map<std::string, std::string> reader_properties(const std::string& reader_name) {
  return {
      {"group.id", "__kprogress-reader-" + reader_name},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "error"},
      {"enable.partition.eof", "true"},
      {"isolation.level", "read_uncommitted"},
      {"fetch.wait.max.ms", "10"},
      {"fetch.min.bytes", "1"},
      // One batch per partition per round trip (see kafka-notes §1.6), not more.
      {"fetch.message.max.bytes", "262144"},
      // Not 1: in librdkafka 2.0.2 a partition whose queue reaches queued.min.messages is backed
      // off for a hard-coded second, and the back-off survives unassign and assign, so the next
      // call would wait a second for its first fetch. Read-ahead stays bounded by the byte limit
      // and by pausing each partition as soon as it is answered.
      {"queued.min.messages", "100000"},
      {"queued.max.messages.kbytes", "1024"},
      // Leader moves and similar fetch errors: retry soon, the caller's deadline is short.
      {"fetch.error.backoff.ms", "100"},
  };
}

// One query being answered.
struct RecordReader::Slot {
  RecordRangeQuery query;
  std::optional<RecordRef> newest;
  std::optional<Error> error;
  bool done = false;
  bool out_of_range = false;  // settled by settle_out_of_range()
  std::string out_of_range_text;
};

RecordReader::RecordReader(HandlePtr consumer, ConnectionState& state, WatermarkFn watermarks)
    : rk_(std::move(consumer)), state_(state), watermarks_(std::move(watermarks)) {}

RecordReader::~RecordReader() {
  // Not subscribed, so closing leaves no group and only stops fetchers.
  rd_kafka_consumer_close(rk_.get());
}

std::vector<RecordRangeResult> RecordReader::read(const std::vector<RecordRangeQuery>& queries,
                                                  Deadline deadline) {
  const int budget = deadline.remaining_ms();
  std::vector<Slot> slots(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    slots[i].query = queries[i];
    const auto& q = queries[i];
    if (q.from.value() < 0) {
      slots[i].error = Error::invalid_argument(q.tp.to_string() + ": negative offset " +
                                               std::to_string(q.from.value()));
      slots[i].done = true;
    } else if (q.from >= q.until) {
      slots[i].done = true;  // an empty range holds no record
    }
  }

  std::unique_lock lock(mu_, std::defer_lock);
  if (!lock.try_lock_until(deadline.at())) {
    for (auto& s : slots) {
      if (!s.done) {
        s.error =
            Error::deadline_exceeded("the record reader stayed busy with other requests for " +
                                     std::to_string(budget) + " ms");
      }
    }
  } else {
    // A partition can be assigned once at a time, so repeated partitions go in later rounds.
    std::vector<Slot*> pending;
    for (auto& s : slots) {
      if (!s.done) pending.push_back(&s);
    }
    while (!pending.empty()) {
      std::vector<Slot*> round, later;
      std::set<TopicPartition> in_round;
      for (Slot* s : pending) {
        (in_round.insert(s->query.tp).second ? round : later).push_back(s);
      }
      learn_topics(round, deadline);
      std::erase_if(round, [](const Slot* s) { return s->done; });
      if (!round.empty()) read_round(round, deadline, budget);
      settle_out_of_range(round, deadline);
      pending = std::move(later);
    }
  }

  std::vector<RecordRangeResult> out;
  out.reserve(slots.size());
  for (auto& s : slots) out.push_back({s.query.tp, s.newest, std::move(s.error)});
  return out;
}

void RecordReader::read_round(std::vector<Slot*>& slots, Deadline deadline, int budget) {
  std::map<std::pair<std::string, int32_t>, Slot*> by_tp;
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(slots.size())));
  for (Slot* s : slots) {
    const auto& tp = s->query.tp;
    rd_kafka_topic_partition_list_add(assignment.get(), tp.topic.c_str(), tp.partition.value())
        ->offset = s->query.from.value();
    by_tp[{tp.topic, tp.partition.value()}] = s;
  }
  // librdkafka 2.0.2 keeps a partition's pause across unassign and assign: resume what an
  // earlier call paused, or it would never be fetched again.
  rd_kafka_resume_partitions(rk_.get(), assignment.get());
  if (rd_kafka_resp_err_t err = rd_kafka_assign(rk_.get(), assignment.get()); err) {
    for (Slot* s : slots) s->error = error_from(err, "assign " + s->query.tp.to_string());
    return;
  }

  size_t pending = slots.size();
  std::vector<Slot*> to_pause;
  auto finish = [&](Slot* s) {
    s->done = true;
    --pending;
    to_pause.push_back(s);
  };
  auto pause_finished = [&] {
    if (to_pause.empty()) return;
    PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(to_pause.size())));
    for (Slot* s : to_pause) {
      rd_kafka_topic_partition_list_add(list.get(), s->query.tp.topic.c_str(),
                                        s->query.tp.partition.value());
    }
    rd_kafka_pause_partitions(rk_.get(), list.get());  // stop fetching what is answered
    to_pause.clear();
  };

  while (pending > 0) {
    // Take what has arrived without waiting; wait only when there is nothing to do.
    const int wait = to_pause.empty() ? deadline.remaining_ms() : 0;
    if (wait <= 0 && to_pause.empty()) break;
    MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), wait));
    if (!msg) {
      pause_finished();
      continue;
    }
    if (msg->rkt == nullptr) continue;  // a client-level error; the callbacks keep its text
    auto it = by_tp.find({rd_kafka_topic_name(msg->rkt), msg->partition});
    if (it == by_tp.end() || it->second->done) continue;
    Slot* s = it->second;
    const auto& q = s->query;
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      finish(s);
    } else if (msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
               msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
      s->out_of_range = true;
      s->out_of_range_text = rd_kafka_message_errstr(msg.get());
      finish(s);
    } else if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      s->error = Error{error_code_for(msg->err), "Fetch " + q.tp.to_string() + " from offset " +
                                                     std::to_string(q.from.value()) + ": " +
                                                     rd_kafka_message_errstr(msg.get())};
      s->newest.reset();  // a half-read range would be a wrong answer
      finish(s);
    } else {
      state_.on_answer();
      const bool in_range = msg->offset >= q.from.value() && msg->offset < q.until.value();
      if (in_range) {
        rd_kafka_timestamp_type_t type;
        s->newest = RecordRef{Offset(msg->offset),
                              TimestampMs(rd_kafka_message_timestamp(msg.get(), &type))};
      }
      // The oldest record of a range is the first one delivered in it.
      if (msg->offset >= q.until.value() - 1 || (in_range && q.pick == RecordPick::kOldest)) {
        finish(s);
      }
    }
  }

  for (Slot* s : slots) {
    if (s->done) continue;
    s->error = no_answer_error(rk_.get(), state_,
                               "Fetch " + s->query.tp.to_string() + " from offset " +
                                   std::to_string(s->query.from.value()),
                               budget);
    s->newest.reset();  // a half-read range would be a wrong answer
    s->done = true;
  }
  rd_kafka_assign(rk_.get(), nullptr);
  drain();
}

void RecordReader::learn_topics(const std::vector<Slot*>& slots, Deadline deadline) {
  // assign() of a topic this handle has no metadata for waits for librdkafka's periodic scan of
  // unknown topics (up to a second) before the first fetch, and a topic that does not exist is
  // never answered at all. Asking for the metadata first starts the fetch at once and answers
  // missing topics and partitions with kNotFound.
  constexpr auto kFresh = std::chrono::seconds(60);
  constexpr size_t kPerTopicRequests = 3;
  const auto now = std::chrono::steady_clock::now();
  std::set<std::string> unknown;
  for (const Slot* s : slots) {
    auto it = known_topics_.find(s->query.tp.topic);
    if (it == known_topics_.end() || now - it->second.fetched > kFresh) {
      unknown.insert(s->query.tp.topic);
    }
  }
  if (!unknown.empty()) {
    std::map<std::string, int32_t> found;  // topic -> partition count
    auto ask = [&](rd_kafka_topic_t* only) {
      const rd_kafka_metadata_t* md = nullptr;
      const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), only == nullptr ? 1 : 0, only,
                                                        &md, std::max(1, deadline.remaining_ms()));
      MetadataPtr owned(md);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
      for (int i = 0; i < md->topic_cnt; ++i) {
        const rd_kafka_metadata_topic_t& t = md->topics[i];
        if (t.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && t.partition_cnt > 0) {
          found[t.topic] = t.partition_cnt;
        }
      }
      return true;
    };
    bool answered = true;
    if (unknown.size() > kPerTopicRequests) {
      answered = ask(nullptr);
    } else {
      for (const auto& topic : unknown) {
        TopicPtr rkt(rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr));
        if (!rkt || !ask(rkt.get())) answered = false;
      }
    }
    // Without an answer the fetch finds out on its own, only slower.
    if (!answered) return;
    for (const auto& topic : unknown) {
      if (auto it = found.find(topic); it != found.end()) {
        known_topics_[topic] = {now, it->second};
      } else {
        known_topics_.erase(topic);  // checked again next time: it may be created meanwhile
      }
    }
  }
  for (Slot* s : slots) {
    const auto& tp = s->query.tp;
    auto it = known_topics_.find(tp.topic);
    if (it == known_topics_.end()) {
      s->error = Error::not_found("topic " + tp.topic + " does not exist");
      s->done = true;
    } else if (tp.partition.value() < 0 || tp.partition.value() >= it->second.partitions) {
      s->error = Error::not_found("partition " + tp.to_string() + " does not exist (" + tp.topic +
                                  " has " + std::to_string(it->second.partitions) + " partitions)");
      s->done = true;
    }
  }
}

void RecordReader::drain() {
  // Anything still queued belongs to the assignment just dropped; librdkafka discards outdated
  // messages as they are served, so a zero-timeout poll empties the queue.
  for (int i = 0; i < 100000; ++i) {
    MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), 0));
    if (!msg) break;
  }
}

void RecordReader::settle_out_of_range(std::vector<Slot*>& slots, Deadline deadline) {
  std::vector<TopicPartition> tps;
  for (Slot* s : slots) {
    if (s->out_of_range) tps.push_back(s->query.tp);
  }
  if (tps.empty()) return;
  // Out of range means below the log start or past the high watermark; only the first is
  // "removed by retention".
  auto marks = watermarks_(tps, deadline);
  std::map<TopicPartition, Watermarks> by_tp;
  if (marks) {
    for (const auto& w : *marks) by_tp[w.tp] = w;
  }
  for (Slot* s : slots) {
    if (!s->out_of_range) continue;
    const auto& q = s->query;
    const std::string where = q.tp.to_string() + " from offset " + std::to_string(q.from.value());
    auto it = by_tp.find(q.tp);
    if (it == by_tp.end()) {
      s->error =
          Error::not_found(where + " was removed by retention (" + s->out_of_range_text + ")");
    } else if (q.from < it->second.log_start) {
      s->error = Error::not_found(where + " was removed by retention (the log now starts at " +
                                  std::to_string(it->second.log_start.value()) + ")");
    } else if (q.from >= it->second.high_watermark) {
      // Nothing was ever written at or after `from`: the range holds no record.
    } else {
      s->error = Error::unavailable("Fetch " + where + ": " + s->out_of_range_text);
    }
  }
}

}  // namespace kprogress::rdk
