// RequestMetrics over prometheus-cpp's core: its Counter and Histogram are the thread-safe
// instruments (atomic counter, per-histogram lock) and its TextSerializer writes them. This is
// the classic "instrument, then collect" model the library is made for, with a handful of series;
// the snapshot families are written by hand (text_format.h says why).
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <mutex>
#include <sstream>
#include <string>
#include <unordered_map>

#include "metrics/exposition.h"
#include "metrics/metric_names.h"

namespace kprogress {
namespace {

namespace names = metric_names;

// The methods a label may name; anything else (a malformed or made-up method) is "OTHER".
std::string_view bounded_method(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kKnown{
      "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"};
  for (auto m : kKnown) {
    if (m == method) return m;
  }
  return "OTHER";
}

}  // namespace

class RequestMetrics::Impl {
 public:
  Impl()
      : requests_(prometheus::BuildCounter()
                      .Name(std::string(names::kHttpRequests.name))
                      .Help(std::string(names::kHttpRequests.help))
                      .Register(registry_)),
        durations_(prometheus::BuildHistogram()
                       .Name(std::string(names::kHttpRequestDuration.name))
                       .Help(std::string(names::kHttpRequestDuration.help))
                       .Register(registry_)) {}

  void observe(std::string_view route, std::string_view method, int status,
               std::chrono::nanoseconds duration) {
    method = bounded_method(method);
    const std::string code = std::to_string(status);
    std::string key;
    key.reserve(route.size() + method.size() + code.size() + 2);
    key.append(route).append(1, '\0').append(method);
    prometheus::Counter* counter = nullptr;
    prometheus::Histogram* histogram = nullptr;
    {
      // Family::Add builds a new instrument before it looks the labels up; look up here first.
      std::lock_guard lock(mu_);
      auto h = histograms_.find(key);
      if (h == histograms_.end()) {
        h = histograms_
                .emplace(key, &durations_.Add({{std::string(names::kRoute), std::string(route)},
                                               {std::string(names::kMethod), std::string(method)}},
                                              kBuckets))
                .first;
      }
      histogram = h->second;
      key.append(1, '\0').append(code);
      auto c = counters_.find(key);
      if (c == counters_.end()) {
        c = counters_
                .emplace(key, &requests_.Add({{std::string(names::kRoute), std::string(route)},
                                              {std::string(names::kMethod), std::string(method)},
                                              {std::string(names::kCode), code}}))
                .first;
      }
      counter = c->second;
    }
    counter->Increment();
    histogram->Observe(std::chrono::duration<double>(duration).count());
  }

  void append_to(std::string& out) const {
    std::ostringstream text;
    prometheus::TextSerializer().Serialize(text, registry_.Collect());
    out += text.str();
  }

 private:
  inline static const prometheus::Histogram::BucketBoundaries kBuckets{
      names::kHttpDurationBuckets.begin(), names::kHttpDurationBuckets.end()};

  prometheus::Registry registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  std::mutex mu_;
  std::unordered_map<std::string, prometheus::Counter*> counters_;
  std::unordered_map<std::string, prometheus::Histogram*> histograms_;
};

RequestMetrics::RequestMetrics() : impl_(std::make_unique<Impl>()) {}
RequestMetrics::~RequestMetrics() = default;

void RequestMetrics::observe(std::string_view route, std::string_view method, int status,
                             std::chrono::nanoseconds duration) {
  impl_->observe(route, method, status, duration);
}

void RequestMetrics::append_to(std::string& out) const { impl_->append_to(out); }

}  // namespace kprogress
