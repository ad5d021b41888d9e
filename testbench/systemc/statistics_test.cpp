// The statistics primitives: response-time percentiles within the
// histogram's stated 1/64 resolution of the exact order statistic, and
// resource utilization that does not count bookings beyond now.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "systemc/common/histogram.h"
#include "systemc/common/resource.h"
#include "testbench/common/sc_harness.h"

using namespace copysim::sc;

BOOST_AUTO_TEST_CASE(percentiles_are_within_one_64th_of_the_exact_values) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> latency(std::log(500e6), 0.8);  // around 500 us in ps
  std::vector<uint64_t> samples(200000);
  LatencyHistogram h;
  for (auto& s : samples) {
    s = static_cast<uint64_t>(latency(rng));
    h.record(s);
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const uint64_t exact =
        samples[static_cast<std::size_t>(std::ceil(q * double(samples.size()))) - 1];
    const uint64_t got = h.percentile_ps(q);
    BOOST_TEST_CONTEXT("q " << q) {
      BOOST_TEST(got >= exact);
      BOOST_TEST(double(got - exact) <= double(exact) / 64.0);
    }
  }
  BOOST_TEST(h.min_ps() == samples.front());
  BOOST_TEST(h.max_ps() == samples.back());
  BOOST_TEST(h.count() == samples.size());
}

BOOST_AUTO_TEST_CASE(small_values_are_exact_and_merge_adds_counts) {
  LatencyHistogram a, b;
  for (uint64_t v = 0; v < 64; ++v) a.record(v);
  b.record(1000);
  a.merge(b);
  BOOST_TEST(a.count() == 65u);
  BOOST_TEST(a.percentile_ps(0.5) == 32u);
  BOOST_TEST(a.percentile_ps(1.0) == 1000u);
  const auto j = a.to_json();
  BOOST_TEST(j["count"] == 65);
  BOOST_TEST(j["buckets"].size() == 65u);
}

BOOST_AUTO_TEST_CASE(a_resource_serves_in_arrival_order_and_reports_utilization_up_to_now) {
  Resource port("port");
  std::vector<double> ends;
  copysim::testing::run_in_simulation([&] {
    for (int i = 0; i < 3; ++i) {
      sc_core::sc_spawn([&] {
        port.use(sc_core::sc_time(10, sc_core::SC_US));
        ends.push_back(sc_core::sc_time_stamp().to_seconds() * 1e6);
      });
    }
    wait(sc_core::sc_time(15, sc_core::SC_US));
    // 30 us booked, 15 us of it done: busy all the time so far.
    BOOST_TEST(port.utilization() == 1.0, boost::test_tools::tolerance(1e-9));
    wait(sc_core::sc_time(45, sc_core::SC_US));
    BOOST_TEST(port.utilization() == 0.5, boost::test_tools::tolerance(1e-9));
  });
  BOOST_TEST(ends == (std::vector<double>{10, 20, 30}), boost::test_tools::per_element());
  BOOST_TEST(port.requests() == 3u);
}

BOOST_AUTO_TEST_CASE(a_clocked_path_costs_ceil_bytes_over_width_plus_latency_cycles) {
  const ClockedPath p{250.0, 64, 8};
  BOOST_TEST(p.cycles(1) == 9u);
  BOOST_TEST(p.cycles(64) == 9u);
  BOOST_TEST(p.cycles(65) == 10u);
  BOOST_TEST(p.duration(4160) == sc_core::sc_time(73 * 4, sc_core::SC_NS));
  BOOST_TEST(p.bytes_per_second() == 16e9);
}
