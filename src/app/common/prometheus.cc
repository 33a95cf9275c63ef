// SPDX-License-Identifier: MIT
// The Prometheus text exposition format (see prometheus.h).
#include "app/common/prometheus.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace pptpx::app {

namespace {

std::string escape(std::string_view v, bool quote) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

const char* type_name(Exposition::Type t) {
  switch (t) {
    case Exposition::Type::kCounter: return "counter";
    case Exposition::Type::kGauge: return "gauge";
    case Exposition::Type::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string escape_label_value(std::string_view v) { return escape(v, true); }
std::string escape_help(std::string_view v) { return escape(v, false); }

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double v) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  counts_[static_cast<size_t>(it - bounds_.begin())]++;
  sum_ += v;
  count_++;
}

void Exposition::family(std::string_view name, Type type, std::string_view help) {
  out_ +=
      fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type_name(type));
}

void Exposition::start_sample(std::string_view name, const Label* labels, size_t n) {
  out_ += name;
  if (n == 0) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  for (size_t i = 0; i < n; ++i) {
    if (i) out_ += ',';
    out_ += fmt::format("{}=\"{}\"", labels[i].name, escape_label_value(labels[i].value));
  }
  out_ += "} ";
}

void Exposition::sample(std::string_view name, std::initializer_list<Label> labels, double value) {
  start_sample(name, labels.begin(), labels.size());
  out_ += format_value(value);
  out_ += '\n';
}

void Exposition::sample(std::string_view name, std::initializer_list<Label> labels,
                        uint64_t value) {
  start_sample(name, labels.begin(), labels.size());
  out_ += fmt::format("{}\n", value);
}

void Exposition::sample_labels(std::string_view name, const std::vector<Label>& labels,
                               uint64_t value) {
  start_sample(name, labels.data(), labels.size());
  out_ += fmt::format("{}\n", value);
}

void Exposition::histogram(std::string_view name, std::string_view help, const Histogram& h) {
  family(name, Type::kHistogram, help);
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    cumulative += h.counts()[i];
    std::string le = format_value(h.bounds()[i]);
    sample(bucket, {{"le", le}}, cumulative);
  }
  sample(bucket, {{"le", "+Inf"}}, h.count());
  sample(std::string(name) + "_sum", {}, h.sum());
  sample(std::string(name) + "_count", {}, h.count());
}

}  // namespace pptpx::app
