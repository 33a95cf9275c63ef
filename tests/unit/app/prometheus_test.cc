// SPDX-License-Identifier: MIT
// The Prometheus text exposition format writer: families, samples,
// escaping of label values that come from the network, and histograms
// with cumulative buckets up to +Inf, _sum and _count.
#include "app/common/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace pptpx::app {
namespace {

TEST(Prometheus, WritesFamiliesAndSamples) {
  Exposition e;
  e.counter("pptpx_sent_bytes_total", "IP octets sent.", uint64_t{42});
  e.gauge("process_start_time_seconds", "Start time.", 1700000000.25);
  e.family("pptpx_sessions", Exposition::Type::kGauge, "Sessions by auth and MPPE.");
  e.sample("pptpx_sessions", {{"auth", "MS-CHAP-v2"}, {"mppe", "128-bit stateless"}}, uint64_t{3});
  e.sample_labels("pptpx_sessions", {{"auth", "PAP"}, {"mppe", "none"}}, 0);
  EXPECT_EQ(e.text(),
            "# HELP pptpx_sent_bytes_total IP octets sent.\n"
            "# TYPE pptpx_sent_bytes_total counter\n"
            "pptpx_sent_bytes_total 42\n"
            "# HELP process_start_time_seconds Start time.\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 1700000000.25\n"
            "# HELP pptpx_sessions Sessions by auth and MPPE.\n"
            "# TYPE pptpx_sessions gauge\n"
            "pptpx_sessions{auth=\"MS-CHAP-v2\",mppe=\"128-bit stateless\"} 3\n"
            "pptpx_sessions{auth=\"PAP\",mppe=\"none\"} 0\n");
}

TEST(Prometheus, EscapesLabelValuesAndHelp) {
  // A user name from the network: backslash, double quote and line feed
  // escaped; anything else as it came.
  EXPECT_EQ(escape_label_value("DOMAIN\\al\"ice\nx"), "DOMAIN\\\\al\\\"ice\\nx");
  EXPECT_EQ(escape_label_value("h\xc3\xa9llo\t}"), "h\xc3\xa9llo\t}");
  EXPECT_EQ(escape_help("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
  Exposition e;
  e.family("x_total", Exposition::Type::kCounter, "Help with a\nnewline.");
  e.sample("x_total", {{"user", "a\"b"}}, uint64_t{1});
  EXPECT_EQ(e.text(),
            "# HELP x_total Help with a\\nnewline.\n# TYPE x_total counter\n"
            "x_total{user=\"a\\\"b\"} 1\n");
}

TEST(Prometheus, FormatsValues) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(2.5), "2.5");
  EXPECT_EQ(format_value(1e21), "1e+21");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Prometheus, HistogramBucketsAreCumulativeUpToInf) {
  Histogram h({1, 0.5, 5});  // sorted on construction
  for (double v : {0.1, 0.5, 0.7, 1.0, 3.0, 60.0}) h.observe(v);
  EXPECT_EQ(h.count(), 6u);
  EXPECT_DOUBLE_EQ(h.sum(), 65.3);
  Exposition e;
  e.histogram("pptpx_session_setup_seconds", "Set-up time.", h);
  EXPECT_EQ(e.text(),
            "# HELP pptpx_session_setup_seconds Set-up time.\n"
            "# TYPE pptpx_session_setup_seconds histogram\n"
            "pptpx_session_setup_seconds_bucket{le=\"0.5\"} 2\n"  // an upper bound is inclusive
            "pptpx_session_setup_seconds_bucket{le=\"1\"} 4\n"
            "pptpx_session_setup_seconds_bucket{le=\"5\"} 5\n"
            "pptpx_session_setup_seconds_bucket{le=\"+Inf\"} 6\n"
            "pptpx_session_setup_seconds_sum 65.3\n"
            "pptpx_session_setup_seconds_count 6\n");
  Exposition empty;
  empty.histogram("h_seconds", "Empty.", Histogram({1}));
  EXPECT_NE(
      empty.text().find("h_seconds_bucket{le=\"+Inf\"} 0\nh_seconds_sum 0\nh_seconds_count 0\n"),
      std::string::npos)
      << empty.text();
}

}  // namespace
}  // namespace pptpx::app
