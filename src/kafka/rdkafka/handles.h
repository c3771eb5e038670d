// RAII owners for librdkafka's C objects: each alias is a unique_ptr whose deleter calls the
// matching *_destroy function, so every early return releases what it created. Owners are not
// shared; the objects they hold follow librdkafka's own thread-safety rules (a handle may be
// used from several threads, a list or event by one at a time).
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>

namespace kprogress::rdk {

template <typename T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) Destroy(p);
  }
};

template <typename T, void (*Destroy)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Destroy>>;

using HandlePtr = Owned<rd_kafka_t, rd_kafka_destroy>;
using ConfPtr = Owned<rd_kafka_conf_t, rd_kafka_conf_destroy>;
using QueuePtr = Owned<rd_kafka_queue_t, rd_kafka_queue_destroy>;
using EventPtr = Owned<rd_kafka_event_t, rd_kafka_event_destroy>;
using MessagePtr = Owned<rd_kafka_message_t, rd_kafka_message_destroy>;
using PartitionListPtr =
    Owned<rd_kafka_topic_partition_list_t, rd_kafka_topic_partition_list_destroy>;
using AdminOptionsPtr = Owned<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>;
using ErrorPtr = Owned<rd_kafka_error_t, rd_kafka_error_destroy>;
using TopicPtr = Owned<rd_kafka_topic_t, rd_kafka_topic_destroy>;
using ListGroupOffsetsPtr =
    Owned<rd_kafka_ListConsumerGroupOffsets_t, rd_kafka_ListConsumerGroupOffsets_destroy>;

// Metadata is released through a const pointer, so it gets its own deleter.
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const {
    if (m != nullptr) rd_kafka_metadata_destroy(m);
  }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

}  // namespace kprogress::rdk
