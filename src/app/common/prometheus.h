// SPDX-License-Identifier: MIT
// The Prometheus text exposition format, version 0.0.4 (the format
// `promtool check metrics` reads): metric families with their # HELP and
// # TYPE lines, samples with escaped label values, and histograms with
// cumulative buckets ending in +Inf, _sum and _count.
//
// Names and labels follow Prometheus's conventions: snake_case, base units
// (seconds, bytes), counters ending in _total, labels with few values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace pptpx::app {

// The Content-Type of a scrape's answer.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// A label value as the format writes it between double quotes: backslash,
// double quote and line feed escaped. Label values can come from the
// network (user names); invalid UTF-8 is passed on as it is.
std::string escape_label_value(std::string_view v);
// # HELP text: backslash and line feed escaped.
std::string escape_help(std::string_view v);

// Observations counted into fixed buckets (upper bounds, ascending).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Observations per bucket, not cumulative; one more than bounds (the
  // last: above every bound).
  const std::vector<uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

struct Label {
  std::string_view name;
  std::string_view value;
};

// Builds one scrape's text. A family's samples must follow its family()
// call, before the next family starts.
class Exposition {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // # HELP and # TYPE.
  void family(std::string_view name, Type type, std::string_view help);
  // One sample line; name is the family's (a histogram's: with _bucket,
  // _sum or _count).
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value);
  // With labels made at run time.
  void sample_labels(std::string_view name, const std::vector<Label>& labels, uint64_t value);

  // A family with one sample and no labels; value is uint64_t or double.
  template <class V>
  void counter(std::string_view name, std::string_view help, V value) {
    family(name, Type::kCounter, help);
    sample(name, {}, value);
  }
  template <class V>
  void gauge(std::string_view name, std::string_view help, V value) {
    family(name, Type::kGauge, help);
    sample(name, {}, value);
  }
  // A histogram family: name_bucket{le=...} cumulative up to +Inf, name_sum
  // and name_count.
  void histogram(std::string_view name, std::string_view help, const Histogram& h);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void start_sample(std::string_view name, const Label* labels, size_t n);
  std::string out_;
};

// A number as the format writes it: integers without a decimal point, and
// +Inf, -Inf and NaN by those names.
std::string format_value(double v);

}  // namespace pptpx::app
