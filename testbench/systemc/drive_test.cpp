// Drive mechanics: the seek curve's anchors, the rotational wait, track
// skew that lets a transfer run over a track or cylinder boundary losing
// only the switch, and queued sequential commands that stream.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "systemc/storage/drive.h"
#include "testbench/common/sc_fork.h"

using namespace copysim::sc;

namespace {

constexpr uint64_t kRevPs = 4'000'000'000;  // 15,000 rpm
constexpr uint64_t kBpt = 1200;
constexpr double kSectorPs = double(kRevPs) / kBpt;

Drive fresh() { return Drive("drive", DriveConfig{}); }

}  // namespace

BOOST_AUTO_TEST_CASE(seek_curve_meets_track_to_track_and_full_stroke) {
  Drive d = fresh();
  BOOST_TEST(d.seek_ps(0) == 0u);
  BOOST_TEST(d.seek_ps(1) == 200'000'000u);
  BOOST_TEST(d.seek_ps(99'999) == 7'000'000'000u);
  BOOST_TEST(d.seek_ps(1000) < d.seek_ps(4000));
}

BOOST_AUTO_TEST_CASE(a_read_waits_for_its_sector_to_come_round) {
  Drive d = fresh();
  // Track 0 has no skew: sector 600 passes under the head at half a turn.
  BOOST_TEST(d.access_ps(0, 600, 1, nullptr) == uint64_t(std::ceil(601 * kSectorPs)));
  // Arriving just after it passed costs nearly a whole turn.
  Drive e = fresh();
  BOOST_TEST(e.access_ps(2'000'000'001, 600, 1, nullptr) ==
             uint64_t(std::ceil(kRevPs - 1 + kSectorPs)));
}

BOOST_AUTO_TEST_CASE(a_transfer_over_a_track_boundary_loses_only_the_head_switch) {
  for (uint64_t first = 1100; first < 1190; ++first) {
    Drive d = fresh();
    const uint64_t within = d.access_ps(0, first, uint32_t(kBpt - first), nullptr);
    Drive e = fresh();
    const uint64_t over = e.access_ps(0, first, uint32_t(kBpt - first + 8), nullptr);
    // 8 more sectors and a head switch of 0.1 ms, within the skew's rounding
    // to a whole sector.
    const double extra = double(over) - double(within);
    BOOST_TEST_CONTEXT("first sector " << first) {
      BOOST_TEST(extra >= 8 * kSectorPs + 0.1e9 - 1);
      BOOST_TEST(extra <= 9 * kSectorPs + 0.1e9 + 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_transfer_over_a_cylinder_boundary_loses_only_the_seek) {
  const uint64_t cylinder = kBpt * 8;  // 8 heads
  Drive d = fresh();
  const uint64_t within = d.access_ps(0, cylinder - 100, 100, nullptr);
  Drive e = fresh();
  const uint64_t over = e.access_ps(0, cylinder - 100, 108, nullptr);
  const double extra = double(over) - double(within);
  BOOST_TEST(extra >= 8 * kSectorPs + 0.2e9 - 1);
  BOOST_TEST(extra <= 9 * kSectorPs + 0.2e9 + 1);
}

BOOST_AUTO_TEST_CASE(queued_sequential_commands_stream_without_a_revolution_lost) {
  for (uint64_t s = 100; s < 112; ++s) {
    Drive d = fresh();
    const uint64_t first = d.access_ps(0, s, 8, nullptr);
    // The next command was queued: it starts when the first one ends.
    const uint64_t second = d.access_ps(first, s + 8, 8, nullptr);
    BOOST_TEST(double(second) <= std::ceil(8 * kSectorPs) + 1, "start sector " << s);
  }
}

// A block written with exactly its formatted content (an initial copy of a
// volume nobody wrote) takes no memory and reads back the same; zeros
// stamped with another address are data, and are kept.
BOOST_AUTO_TEST_CASE(a_block_written_as_formatted_takes_no_memory_and_reads_back_the_same) {
  const std::string r = copysim::testing::run_forked([] {
    Drive d = fresh();
    d.format_extent(1000, 100, {0x0100, 0});
    std::vector<std::size_t> stored;
    std::vector<uint8_t> formatted(520), data(520), other(520), back(520);
    sc_core::sc_spawn([&] {
      namespace cc = copysim::checkcode;
      cc::stamp(std::span(formatted).first<520>(), {0x0100, 7});
      data = formatted;
      data[3] = 0x5a;
      cc::stamp(std::span(data).first<520>(), {0x0100, 7});
      cc::stamp(std::span(other).first<520>(), {0x0200, 7});
      auto write = [&](const std::vector<uint8_t>& b) {
        if (!d.write(1007, 1, b).ok) throw std::runtime_error("write failed");
        stored.push_back(d.stored_blocks());
      };
      write(formatted);
      write(data);
      write(formatted);
      d.read(1007, 1, back);
      write(other);
    });
    sc_core::sc_start();
    return fmt::format("{} {} {} {} {}", stored[0], stored[1], stored[2], stored[3],
                       back == formatted);
  });
  BOOST_TEST(r == "0 1 0 1 true");
}
