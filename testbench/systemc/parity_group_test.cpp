// Parity groups: the drive operations a write costs in each layout, parity
// that stays right under random writes, reads and rebuilds after a drive
// loss, loud loss beyond what the code covers, and streaming reads at the
// group's media rate.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rtl/checkcode/stored_block.h"
#include "systemc/common/sim_time.h"
#include "systemc/storage/parity_group.h"
#include "testbench/common/sc_fork.h"
#include "testbench/common/sc_harness.h"

using namespace copysim::sc;
using copysim::testing::run_forked;
using copysim::testing::run_in_simulation;
using json = nlohmann::json;
namespace cc = copysim::checkcode;

namespace {

constexpr std::size_t B = cc::kStoredBlockBytes;

// A group of small drives (100 cylinders: 960,000 blocks each) holding one
// formatted volume 0x0100 over all of it.
struct Bench {
  std::vector<std::unique_ptr<Drive>> drives;
  std::unique_ptr<ParityGroup> group;

  explicit Bench(ParityGroupConfig config, DriveConfig drive = small_drive()) {
    std::vector<Drive*> members;
    for (uint32_t m = 0; m < config.width(); ++m) {
      drives.push_back(std::make_unique<Drive>(fmt::format("drive{}", m), drive));
      members.push_back(drives.back().get());
    }
    group = std::make_unique<ParityGroup>("group", config, members);
    group->format_extent(0, std::min<uint64_t>(group->blocks(), uint64_t{1} << 32), {0x0100, 0});
  }
  static DriveConfig small_drive() {
    DriveConfig d;
    d.cylinders = 100;
    return d;
  }
};

ParityGroupConfig layout(RaidLevel raid, uint32_t data, uint32_t chunk = 128) {
  ParityGroupConfig c;
  c.raid = raid;
  c.data_drives = data;
  c.chunk_blocks = chunk;
  return c;
}

// Stored blocks of volume 0x0100 with user data from `seed`.
std::vector<uint8_t> blocks_of(uint64_t first, uint32_t count, uint64_t seed) {
  std::vector<uint8_t> out(std::size_t{count} * B);
  std::mt19937_64 random(seed);
  for (uint32_t i = 0; i < count; ++i) {
    auto block = std::span(out).subspan(i * B, B).first<B>();
    for (std::size_t k = 0; k < cc::kUserDataBytes; ++k) block[k] = uint8_t(random());
    cc::stamp(block, {0x0100, uint32_t(first + i)});
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_small_write_costs_what_its_layout_says_and_a_full_stripe_reads_nothing) {
  struct Case {
    const char* name;
    ParityGroupConfig config;
    uint64_t reads, writes;
  };
  const std::vector<Case> cases = {
      {"RAID-5 3D+1P", layout(RaidLevel::raid5, 3), 2, 2},
      {"RAID-5 7D+1P", layout(RaidLevel::raid5, 7), 2, 2},
      {"RAID-6 6D+2P", layout(RaidLevel::raid6, 6), 3, 3},
      {"RAID-1 2D+2D", layout(RaidLevel::raid1, 2), 0, 2},
      {"RAID-0 4D", layout(RaidLevel::raid0, 4), 0, 1},
  };
  for (const Case& k : cases) {
    const std::string r = run_forked([&] {
      Bench b(k.config);
      json out;
      run_in_simulation([&] {
        // 8 blocks inside one chunk.
        b.group->write(1000, 8, blocks_of(1000, 8, 1));
        const ParityGroupStats small = b.group->stats();
        // One whole stripe, aligned.
        const uint32_t stripe = k.config.chunk_blocks * k.config.data_drives;
        b.group->write(uint64_t{stripe} * 5, stripe, blocks_of(uint64_t{stripe} * 5, stripe, 2));
        const ParityGroupStats both = b.group->stats();
        out = {{"reads", small.drive_reads},
               {"writes", small.drive_writes},
               {"full_reads", both.drive_reads - small.drive_reads},
               {"full_writes", both.drive_writes - small.drive_writes}};
      });
      return out.dump();
    });
    const json j = json::parse(r);
    BOOST_TEST_CONTEXT(k.name << ": " << r) {
      BOOST_TEST(j["reads"] == k.reads);
      BOOST_TEST(j["writes"] == k.writes);
      BOOST_TEST(j["full_reads"] == 0);
      BOOST_TEST(j["full_writes"] == k.config.width());
    }
  }
}

namespace {

// Random writes of 1 to 300 blocks over the first 40 stripes from four
// writers at once, then every block read back and every stripe's parity
// checked. Returns "mismatches parity_ok".
std::string random_writes(ParityGroupConfig config, uint64_t seed, int lose = -1) {
  return run_forked([config, seed, lose] {
    Bench b(config);
    if (lose >= 0) b.group->fail_drive(uint32_t(lose));
    const uint64_t span = uint64_t{config.chunk_blocks} * config.data_drives * 40;
    std::vector<std::vector<uint8_t>> image(span);  // the last data written per block
    uint64_t mismatches = 0;
    run_in_simulation([&] {
      std::vector<bool> done(4);
      for (int w = 0; w < 4; ++w) {
        sc_core::sc_spawn([&, w] {
          std::mt19937_64 random(seed * 10 + w);
          for (int i = 0; i < 60; ++i) {
            const auto count = uint32_t(1 + random() % 300);
            // Writers keep to their own quarter, so the last write is known.
            const uint64_t quarter = span / 4;
            const uint64_t first = w * quarter + random() % (quarter - count);
            auto data = blocks_of(first, count, random());
            for (uint32_t k = 0; k < count; ++k) {
              image[first + k].assign(data.begin() + k * B, data.begin() + (k + 1) * B);
            }
            b.group->write(first, count, data);
          }
          done[w] = true;
        });
      }
      while (!(done[0] && done[1] && done[2] && done[3])) {
        sc_core::wait(sc_core::sc_time(1, sc_core::SC_MS));
      }
      std::vector<uint8_t> back(span * B);
      b.group->read(0, uint32_t(span), back);
      for (uint64_t k = 0; k < span; ++k) {
        if (image[k].empty()) continue;
        if (!std::equal(image[k].begin(), image[k].end(), back.begin() + k * B)) ++mismatches;
      }
    });
    if (lose >= 0) return fmt::format("{}", mismatches);
    return fmt::format("{} {}", mismatches, !b.group->check_parity().has_value());
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(after_random_writes_every_stripe_parity_checks_and_every_block_reads_back) {
  for (const auto& config : {layout(RaidLevel::raid5, 3, 32), layout(RaidLevel::raid5, 7),
                             layout(RaidLevel::raid6, 6, 16), layout(RaidLevel::raid1, 2, 64)}) {
    BOOST_TEST_CONTEXT(config.label()) {
      BOOST_TEST(random_writes(config, 1) == "0 true");
      BOOST_TEST(random_writes(config, 2) == "0 true");
    }
  }
}

namespace {

// Writes the first 20 stripes, fails `lose` (in order, found by their
// timeouts), reads everything back, and, when asked, rebuilds the first
// lost drive onto a spare with no other load.
struct LossOutcome {
  uint64_t mismatches = 0;  // blocks read back wrong (never allowed)
  uint64_t unreadable = 0;  // blocks reported unreadable
  uint64_t timeouts = 0;
  bool rebuilt_equal = false;  // the spare holds what the lost drive held
  double rebuild_s = 0;
  bool parity_ok = false;
};

LossOutcome lose_drives(ParityGroupConfig config, std::vector<uint32_t> lose, bool rebuild) {
  const std::string r = run_forked([config, lose, rebuild] {
    Bench b(config);
    LossOutcome o;
    const uint64_t span = uint64_t{config.chunk_blocks} * config.data_drives * 20;
    const auto data = blocks_of(0, uint32_t(span), 9);
    std::vector<std::vector<uint8_t>> before;  // each lost drive's blocks
    run_in_simulation([&] {
      b.group->write(0, uint32_t(span), data);
      for (uint32_t m : lose) {
        std::vector<uint8_t> image(20 * config.chunk_blocks * B);
        for (uint64_t l = 0; l < 20 * config.chunk_blocks; ++l) {
          b.group->drive(m).peek(l, std::span(image).subspan(l * B).first<B>());
        }
        before.push_back(std::move(image));
        b.group->fail_drive(m);
      }
      std::vector<uint8_t> back(span * B);
      const GroupReadResult read = b.group->read(0, uint32_t(span), back);
      std::set<uint64_t> unreadable(read.unreadable.begin(), read.unreadable.end());
      o.unreadable = unreadable.size();
      for (uint64_t k = 0; k < span; ++k) {
        if (unreadable.count(k)) continue;
        if (!std::equal(back.begin() + k * B, back.begin() + (k + 1) * B, data.begin() + k * B)) {
          ++o.mismatches;
        }
      }
      o.timeouts = b.group->stats().drive_timeouts;
      if (rebuild) {
        const uint64_t start = now_ps();
        b.group->rebuild(lose.front());
        o.rebuild_s = double(now_ps() - start) * 1e-12;
        std::vector<uint8_t> block(B);
        o.rebuilt_equal = true;
        for (uint64_t l = 0; l < 20 * config.chunk_blocks; ++l) {
          b.group->drive(lose.front()).peek(l, std::span(block).first<B>());
          if (!std::equal(block.begin(), block.end(), before.front().begin() + l * B)) {
            o.rebuilt_equal = false;
          }
        }
        o.parity_ok = !b.group->check_parity().has_value();
      }
    });
    return json{{"mismatches", o.mismatches}, {"unreadable", o.unreadable},
                {"timeouts", o.timeouts},     {"rebuilt_equal", o.rebuilt_equal},
                {"rebuild_s", o.rebuild_s},   {"parity_ok", o.parity_ok}}
        .dump();
  });
  const json j = json::parse(r);
  LossOutcome o;
  o.mismatches = j["mismatches"];
  o.unreadable = j["unreadable"];
  o.timeouts = j["timeouts"];
  o.rebuilt_equal = j["rebuilt_equal"];
  o.rebuild_s = j["rebuild_s"];
  o.parity_ok = j["parity_ok"];
  return o;
}

}  // namespace

// Degraded from the start: every write and read goes around the lost drive.
BOOST_AUTO_TEST_CASE(random_writes_to_a_degraded_group_all_read_back) {
  for (const auto& config : {layout(RaidLevel::raid5, 3, 32), layout(RaidLevel::raid6, 2, 32),
                             layout(RaidLevel::raid6, 6, 16), layout(RaidLevel::raid1, 2, 64)}) {
    BOOST_TEST_CONTEXT(config.label()) {
      for (int lose = 0; lose < int(config.width()); lose += 1) {
        BOOST_TEST(random_writes(config, 3, lose) == "0", "drive " << lose << " lost");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_lost_drive_is_found_by_its_timeout_and_its_blocks_are_rebuilt_from_parity) {
  for (const auto& config : {layout(RaidLevel::raid5, 3), layout(RaidLevel::raid6, 6, 64),
                             layout(RaidLevel::raid1, 2)}) {
    BOOST_TEST_CONTEXT(config.label()) {
      const LossOutcome o = lose_drives(config, {1}, false);
      BOOST_TEST(o.mismatches == 0u);
      BOOST_TEST(o.unreadable == 0u);
      BOOST_TEST(o.timeouts >= 1u);
    }
  }
  // RAID-6 survives a second loss.
  const LossOutcome two = lose_drives(layout(RaidLevel::raid6, 6, 64), {1, 4}, false);
  BOOST_TEST(two.mismatches == 0u);
  BOOST_TEST(two.unreadable == 0u);
}

// Beyond what the code covers: every block on the lost drives is reported
// unreadable, and none of the others is wrong.
BOOST_AUTO_TEST_CASE(a_second_loss_in_raid5_makes_the_lost_blocks_unreadable_never_wrong) {
  const ParityGroupConfig config = layout(RaidLevel::raid5, 3);
  const LossOutcome o = lose_drives(config, {0, 2}, false);
  BOOST_TEST(o.mismatches == 0u);
  // Of 20 stripes, each of the two drives holds parity in 5 (the parity
  // rotates over 4 drives) and data in 15: 30 chunks of 128 blocks.
  BOOST_TEST(o.unreadable == 30u * 128u);
}

// With no host load, a rebuild takes capacity / rate (the drives could go
// faster); the spare then holds what the lost drive held, byte for byte.
BOOST_AUTO_TEST_CASE(a_rebuild_takes_capacity_over_rate_and_restores_the_drive_byte_for_byte) {
  for (const auto& config : {layout(RaidLevel::raid5, 3), layout(RaidLevel::raid6, 6, 64),
                             layout(RaidLevel::raid1, 2)}) {
    BOOST_TEST_CONTEXT(config.label()) {
      const LossOutcome o = lose_drives(config, {1}, true);
      const DriveConfig d = Bench::small_drive();
      const uint64_t stripes = d.blocks() / config.chunk_blocks;
      const double capacity = double(stripes * config.chunk_blocks * B);
      const double expected_s = capacity / (config.rebuild_mb_per_s * 1e6);
      BOOST_TEST_MESSAGE(fmt::format("{}: rebuild {:.3f} s, capacity / rate {:.3f} s",
                                     config.label(), o.rebuild_s, expected_s));
      BOOST_TEST(o.rebuilt_equal);
      BOOST_TEST(o.parity_ok);
      BOOST_TEST(std::abs(o.rebuild_s / expected_s - 1) < 0.02);
    }
  }
}

// One reader, one stripe (7 chunks) at a time: each drive's read-ahead
// keeps streaming while the next read is issued, so the group reads its
// data at 7 drives' media rate (each drive also passes over the parity
// chunks it holds, one in 8).
BOOST_AUTO_TEST_CASE(a_sequential_read_over_7d_1p_streams_at_seven_drives_media_rate) {
  const std::string r = run_forked([] {
    const ParityGroupConfig config = layout(RaidLevel::raid5, 7);
    Bench b(config);
    const uint32_t stripe = config.chunk_blocks * config.data_drives;
    constexpr uint64_t kStripes = 400;
    double seconds = 0;
    run_in_simulation([&] {
      std::vector<uint8_t> buffer(std::size_t{stripe} * B);
      const uint64_t start = now_ps();
      for (uint64_t s = 0; s < kStripes; ++s) b.group->read(s * stripe, stripe, buffer);
      seconds = double(now_ps() - start) * 1e-12;
    });
    const double rate = double(kStripes * stripe * B) / seconds;
    return fmt::format("{} {}", rate, 7 * Bench::small_drive().media_bytes_per_second());
  });
  double rate = 0, media = 0;
  std::istringstream(r) >> rate >> media;
  BOOST_TEST_MESSAGE(fmt::format("7D+1P sequential read: {:.1f} MB/s, 7 x media rate {:.1f} MB/s",
                                 rate / 1e6, media / 1e6));
  BOOST_TEST(rate >= 0.9 * media);
}
