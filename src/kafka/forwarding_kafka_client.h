// ForwardingKafkaClient: a KafkaClient that passes every call to another one; decorators derive
// from it and override only the calls they change. The wrapped client must outlive it.
#pragma once

#include "kafka/kafka_client.h"

namespace kprogress {

class ForwardingKafkaClient : public KafkaClient {
 public:
  explicit ForwardingKafkaClient(KafkaClient& inner) : inner_(inner) {}

  Result<std::vector<GroupListing>> list_groups(Deadline d) override {
    return inner_.list_groups(d);
  }
  Result<std::vector<GroupDescription>> describe_groups(const std::vector<std::string>& ids,
                                                        Deadline d) override {
    return inner_.describe_groups(ids, d);
  }
  Result<std::vector<CommittedOffset>> committed_offsets(const std::string& id,
                                                         Deadline d) override {
    return inner_.committed_offsets(id, d);
  }
  Result<std::vector<Watermarks>> watermarks(const std::vector<TopicPartition>& tps,
                                             Deadline d) override {
    return inner_.watermarks(tps, d);
  }
  Result<std::vector<TopicInfo>> topics(const std::vector<std::string>& names,
                                        Deadline d) override {
    return inner_.topics(names, d);
  }
  Result<std::vector<RecordRangeResult>> newest_records(const std::vector<RecordRangeQuery>& q,
                                                        Deadline d) override {
    return inner_.newest_records(q, d);
  }

 protected:
  KafkaClient& inner_;
};

}  // namespace kprogress
