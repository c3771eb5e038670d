#include "progress/history.h"

#include <algorithm>

namespace kprogress {
namespace {

// Records per second between two samples' values; nullopt unless time advanced.
std::optional<double> per_second(int64_t from_value, int64_t to_value, int64_t from_ms,
                                 int64_t to_ms) {
  if (to_ms <= from_ms) return std::nullopt;
  return static_cast<double>(to_value - from_value) * 1000.0 / static_cast<double>(to_ms - from_ms);
}

}  // namespace

int64_t Sample::lag() const {
  if (!has_commit()) return 0;
  return std::max<int64_t>(0, high_watermark - committed);
}

SampleWindow SampleWindow::newest(size_t n) const {
  if (n >= size()) return *this;
  const size_t drop = size() - n;
  if (drop >= older_.size()) return SampleWindow(newer_.subspan(drop - older_.size()));
  return SampleWindow(older_.subspan(drop), newer_);
}

std::optional<double> consumption_rate(SampleWindow w) {
  if (w.empty() || !w.newest().has_commit()) return std::nullopt;
  size_t first = w.size() - 1;
  while (first > 0 && w[first - 1].has_commit() && w[first - 1].committed <= w[first].committed) {
    --first;
  }
  const Sample& a = w[first];
  const Sample& b = w.newest();
  return per_second(a.committed, b.committed, a.at_ms, b.at_ms);
}

std::optional<double> production_rate(SampleWindow w) {
  if (w.empty()) return std::nullopt;
  size_t first = w.size() - 1;
  while (first > 0 && w[first - 1].high_watermark <= w[first].high_watermark) --first;
  const Sample& a = w[first];
  const Sample& b = w.newest();
  return per_second(a.high_watermark, b.high_watermark, a.at_ms, b.at_ms);
}

std::string_view drain_state_name(DrainState s) {
  switch (s) {
    case DrainState::kDraining: return "draining";
    case DrainState::kNoLag: return "no_lag";
    case DrainState::kNotConsuming: return "not_consuming";
    case DrainState::kFallingBehind: return "falling_behind";
    case DrainState::kNotEnoughData: return "not_enough_data";
  }
  return "unknown";
}

DrainEstimate time_to_drain(int64_t lag, std::optional<double> consume_per_s,
                            std::optional<double> produce_per_s) {
  if (lag <= 0) return {DrainState::kNoLag, 0.0};
  if (!consume_per_s || !produce_per_s) return {DrainState::kNotEnoughData, std::nullopt};
  if (*consume_per_s <= 0) return {DrainState::kNotConsuming, std::nullopt};
  const double net = *consume_per_s - *produce_per_s;
  if (net <= 0) return {DrainState::kFallingBehind, std::nullopt};
  return {DrainState::kDraining, static_cast<double>(lag) / net};
}

DrainEstimate time_to_drain(int64_t lag, SampleWindow w) {
  return time_to_drain(lag, consumption_rate(w), production_rate(w));
}

}  // namespace kprogress
