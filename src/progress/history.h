// PartitionHistory: the recent samples of one group-partition (its committed offset and the
// partition's high watermark, as the collector saw them at a time), and what follows from them:
// consumption and production rates and the time to drain the lag. Pure computation: time is
// always passed in (ms since the Unix epoch), never read from a clock. A history is a plain value
// with no locking: the collector owns each one and guards it as it guards the rest of its state.
//
// Formulas (w = the samples, oldest first; dt in seconds between two samples' at_ms):
//   consumption rate = (committed[last] - committed[first]) / dt(first, last), over the newest run
//     of samples that all have a commit and whose committed offset never goes down: a decrease
//     (a rewind, an offset reset) or a sample without a commit starts the run afresh.
//   production rate  = (hw[last] - hw[first]) / dt(first, last), over the newest run in which the
//     high watermark never goes down (it does when a topic is deleted and re-created, or on an
//     unclean leader election).
//   time to drain    = lag / (consumption rate - production rate) when that difference is > 0;
//     otherwise it never drains at the current rates (see DrainState).
// A rate needs two samples at different times in its run; otherwise it is unknown (nullopt).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace kprogress {

// Sample::committed when the group has no commit for the partition.
inline constexpr int64_t kNoCommit = -1;

// What the collector saw of one group-partition at one time. 24 bytes: three 64-bit numbers,
// since offsets and epoch milliseconds both outgrow 32 bits.
struct Sample {
  int64_t at_ms = 0;              // when it was taken (ms since the epoch)
  int64_t committed = kNoCommit;  // the group's committed offset; kNoCommit: none
  int64_t high_watermark = 0;

  bool has_commit() const { return committed >= 0; }
  // max(0, high_watermark - committed), like partition_lag(); 0 without a commit.
  int64_t lag() const;
  bool operator==(const Sample&) const = default;
};
static_assert(sizeof(Sample) == 24, "a Sample is three 64-bit numbers; keep it packed");

// A read-only view of consecutive samples, oldest first: one contiguous range, or the two halves
// of a ring. Cheap to copy; valid while the samples it views are neither changed nor destroyed.
class SampleWindow {
 public:
  SampleWindow() = default;
  SampleWindow(std::span<const Sample> samples) : older_(samples) {}     // NOLINT: implicit
  SampleWindow(const std::vector<Sample>& samples) : older_(samples) {}  // NOLINT: implicit
  SampleWindow(std::span<const Sample> older, std::span<const Sample> newer)
      : older_(older), newer_(newer) {}

  size_t size() const { return older_.size() + newer_.size(); }
  bool empty() const { return size() == 0; }
  // REQUIRES: i < size(). 0 is the oldest sample.
  const Sample& operator[](size_t i) const {
    return i < older_.size() ? older_[i] : newer_[i - older_.size()];
  }
  // REQUIRES: !empty()
  const Sample& oldest() const { return (*this)[0]; }
  const Sample& newest() const { return (*this)[size() - 1]; }
  // The newest n samples (all of them when n >= size()).
  SampleWindow newest(size_t n) const;

 private:
  std::span<const Sample> older_;
  std::span<const Sample> newer_;
};

// Samples kept per group-partition unless the collector asks for another capacity. Burrow keeps
// 10 commits per partition; 16 leaves room for a 10-sample evaluation window plus rates.
inline constexpr size_t kDefaultHistoryCapacity = 16;

enum class AppendResult : uint8_t {
  kAppended,    // a newer sample; the oldest was dropped if the ring was full
  kReplaced,    // same at_ms as the newest: the newer reading replaced it
  kOutOfOrder,  // older than the newest: refused (e.g. the wall clock stepped back); the caller
                // may clear() the history if the step is large
};

// A bounded ring of the newest Capacity samples of one group-partition, strictly increasing in
// at_ms. The capacity is a template parameter so that the samples live inline: no heap
// allocation per partition, and sizeof() is the whole cost (see kBytesPerPartition).
template <size_t Capacity = kDefaultHistoryCapacity>
class PartitionHistory {
  static_assert(Capacity >= 2, "rates need two samples");
  static_assert(Capacity <= 255, "ring indices are one byte each");

 public:
  static constexpr size_t kCapacity = Capacity;
  // Resident bytes per tracked group-partition for the history, all inline.
  static constexpr size_t memory_bytes() { return sizeof(PartitionHistory); }

  AppendResult append(const Sample& s) {
    if (size_ > 0) {
      Sample& last = ring_[index(size_ - 1)];
      if (s.at_ms == last.at_ms) {
        last = s;
        return AppendResult::kReplaced;
      }
      if (s.at_ms < last.at_ms) return AppendResult::kOutOfOrder;
    }
    if (size_ < Capacity) {
      ring_[index(size_)] = s;
      ++size_;
    } else {
      ring_[head_] = s;
      head_ = static_cast<uint8_t>((head_ + 1) % Capacity);
    }
    return AppendResult::kAppended;
  }

  void clear() {
    head_ = 0;
    size_ = 0;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  static constexpr size_t capacity() { return Capacity; }

  // Every sample, oldest first. Invalidated by the next append() or clear().
  SampleWindow window() const {
    const size_t first = std::min<size_t>(size_, Capacity - head_);
    return SampleWindow(std::span<const Sample>(ring_.data() + head_, first),
                        std::span<const Sample>(ring_.data(), size_ - first));
  }
  // REQUIRES: !empty()
  const Sample& newest() const { return ring_[index(size_ - 1)]; }

 private:
  size_t index(size_t i) const { return (head_ + i) % Capacity; }

  std::array<Sample, Capacity> ring_{};
  uint8_t head_ = 0;  // position of the oldest sample
  uint8_t size_ = 0;
};

// What the history of one tracked group-partition costs with the default capacity: 16 samples of
// 24 bytes plus the two ring indices, padded to 8 bytes: 392 bytes.
inline constexpr size_t kBytesPerPartition = PartitionHistory<>::memory_bytes();

// Records per second committed, per the formula above; nullopt when unknown.
std::optional<double> consumption_rate(SampleWindow w);
// Records per second appended to the partition (high watermark advance); nullopt when unknown.
std::optional<double> production_rate(SampleWindow w);

enum class DrainState : uint8_t {
  kDraining,       // lag > 0 and consuming faster than producing: seconds is set (> 0)
  kNoLag,          // lag == 0: seconds is 0
  kNotConsuming,   // lag > 0 and the committed offset is not moving: never
  kFallingBehind,  // lag > 0, consuming, but no faster than records arrive: never
  kNotEnoughData,  // lag > 0 and a rate is unknown: cannot tell yet
};
// "draining", "no_lag", "not_consuming", "falling_behind", "not_enough_data".
std::string_view drain_state_name(DrainState s);

struct DrainEstimate {
  DrainState state = DrainState::kNotEnoughData;
  std::optional<double> seconds;  // set only for kDraining and kNoLag
  bool operator==(const DrainEstimate&) const = default;
};

// Time for `lag` records to drain at the given rates (records/s), per the formula above. Pass the
// effective lag (see evaluation.h: transaction markers alone are no lag).
DrainEstimate time_to_drain(int64_t lag, std::optional<double> consume_per_s,
                            std::optional<double> produce_per_s);

// time_to_drain() with both rates taken from `w`.
DrainEstimate time_to_drain(int64_t lag, SampleWindow w);

}  // namespace kprogress
