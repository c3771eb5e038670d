// Writing the Prometheus text exposition format (version 0.0.4) straight into a string, for the
// snapshot-driven families of exposition.cc.
//
// Why not prometheus-cpp's TextSerializer here (it is used for the request metrics, see
// request_metrics.cc): it serializes std::vector<MetricFamily>, so every series must first exist
// as a ClientMetric with its own vector of seven label strings, about 0.6 KB each, before a byte
// is written. Measured on 20,000 groups x 20 partitions (3.2 million series, 630 MB of text,
// -O2): building the families and serializing took 3.3 GB peak and 16 s; this writer, 1.0 GB
// peak (0.33 GB of it the snapshot) and 2.7 s. Here a partition's label set is escaped once and
// shared by its seven series, and memory is about the size of the output.
//
// Plain functions and value types; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "metrics/metric_names.h"

namespace kprogress::metrics_text {

// Appends `value` escaped for a label value: backslash, double quote and newline become \\, \"
// and \n. Bytes that are not valid UTF-8 become U+FFFD (Prometheus rejects the whole scrape
// otherwise).
void append_label_value(std::string& out, std::string_view value);
// Appends `text` escaped for a HELP line: backslash and newline become \\ and \n.
void append_help(std::string& out, std::string_view text);
// Appends a sample value: integers exactly, doubles in their shortest round-trip form.
// REQUIRES: std::isfinite(value) (callers leave out what they cannot say; see metric_names.h).
void append_value(std::string& out, int64_t value);
void append_value(std::string& out, double value);

// `name="value",...`: the labels of one series, escaped once, reused by every family that
// describes the same thing.
class LabelSet {
 public:
  LabelSet& add(std::string_view name, std::string_view value);
  std::string_view text() const { return text_; }
  void clear() { text_.clear(); }

 private:
  std::string text_;
};

// The samples of one family, written as they come; the header (# HELP, # TYPE) is added by
// append_to(), and only when there is at least one sample.
class FamilyBuffer {
 public:
  explicit FamilyBuffer(const metric_names::MetricDef& def) : def_(def) {}

  void add(const LabelSet& labels, int64_t value);
  // Left out (nothing written) when `value` is not finite: never a NaN or Inf sample.
  void add(const LabelSet& labels, double value);
  // With one more label after `labels` (e.g. status="OK").
  void add(const LabelSet& labels, std::string_view extra_label, std::string_view extra_value,
           int64_t value);

  bool empty() const { return body_.empty(); }
  // What append_to() will append, in bytes (to reserve the output once).
  size_t text_size() const;
  // Appends # HELP, # TYPE and the samples; nothing when empty().
  void append_to(std::string& out) const;
  // Frees the samples (a large scrape holds them and the output at once only briefly).
  void release() { std::string().swap(body_); }

 private:
  void head(const LabelSet& labels, std::string_view extra_label = {},
            std::string_view extra_value = {});

  metric_names::MetricDef def_;
  std::string body_;
};

}  // namespace kprogress::metrics_text
