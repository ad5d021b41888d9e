// The DRR unit refusing bad input. These cases throw, so each runs in a
// child process that builds its own unit and has not simulated yet: an
// exception thrown after SystemC has switched coroutine stacks confuses
// AddressSanitizer (google/sanitizers#189), and this keeps the suite clean
// under the sanitizer preset.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "systemc/drr/drr_unit.h"
#include "testbench/common/sc_fork.h"

using namespace copysim;
using namespace copysim::sc;

namespace {

DrrUnit::Config config(DrrImplementation implementation) {
  DrrUnit::Config c;
  c.implementation = implementation;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_configurations_are_refused_naming_the_field) {
  std::vector<std::pair<DrrUnit::Config, std::string>> cases;
  auto c = config(DrrImplementation::fast);
  c.clock_mhz = 0;
  cases.emplace_back(c, "clock_mhz");
  c = config(DrrImplementation::model);
  c.data_bytes = 48;
  cases.emplace_back(c, "data_bytes=48");
  c = config(DrrImplementation::rtl);
  c.data_bytes = 32;
  cases.emplace_back(c, "built for 16 and 64");
  c = config(DrrImplementation::fast);
  c.out_stall_probability = 0.1;
  cases.emplace_back(c, "stepped implementation");
  c = config(DrrImplementation::model);
  c.in_gap_probability = 1.0;
  cases.emplace_back(c, "in_gap_probability");
  c = config(DrrImplementation::model);
  c.wave_file = "x.fst";
  cases.emplace_back(c, "wave_file");
  cases.emplace_back(config(DrrImplementation::rtl), "");
  const std::string messages = testing::run_forked([&] {
    std::string out;
    for (const auto& [cfg, field] : cases) {
      try {
        DrrUnit::validate(cfg);
        out += "accepted\n";
      } catch (const std::invalid_argument& e) {
        out += std::string(e.what()) + "\n";
      }
    }
    return out;
  });
  std::istringstream lines(messages);
  for (const auto& [cfg, field] : cases) {
    std::string line;
    std::getline(lines, line);
    if (field.empty()) {
      BOOST_TEST(line == "accepted");
    } else {
      BOOST_TEST(line.find(field) != std::string::npos, field << ": " << line);
    }
  }
}

// Checked before the unit is touched.
BOOST_AUTO_TEST_CASE(buffers_of_the_wrong_size_are_refused_before_anything_happens) {
  const std::string r = testing::run_forked([] {
    DrrUnit unit("unit", config(DrrImplementation::rtl));
    std::vector<uint8_t> in(520), out(520, 0x5a);
    try {
      unit.transfer({{1, 0}, {2, 0}, 2}, in, out);
    } catch (const std::invalid_argument& e) {
      const bool untouched = std::count(out.begin(), out.end(), 0x5a) == 520;
      return std::string(e.what()) + (untouched && unit.stats().transfers == 0 ? "|untouched" : "");
    }
    return std::string("accepted");
  });
  BOOST_TEST(r.find("needs 1040 bytes in and out, got 520 and 520") != std::string::npos, r);
  BOOST_TEST(r.find("|untouched") != std::string::npos, r);
}
