// The drive's command queue against analytic models: random reads at queue
// depth 1 (docs/PLATFORM.md, "Drive queue": overhead + mean seek + half a
// revolution + transfer), the gain of shortest-access-time-first at depth 16
// (the expected minimum of 16 independent positioning times), the order the
// schedulers serve a fixed queue in, commands beyond the queue depth waiting
// at the initiator, the age limit, and sequential reads served from the
// read-ahead stream.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "systemc/common/sim_time.h"
#include "systemc/storage/drive.h"
#include "testbench/common/sc_fork.h"
#include "testbench/common/sc_harness.h"

using namespace copysim::sc;
using copysim::testing::run_forked;
using copysim::testing::run_in_simulation;

namespace {

constexpr uint32_t kBlocks = 8;  // 4 KiB of user data

// Mean seek over a uniformly random start and target cylinder:
// P(d = 0) = 1 / C, P(d) = 2 (C - d) / C^2.
double mean_seek_ps(const Drive& d) {
  const double c = d.config().cylinders;
  double sum = 0;
  for (uint32_t x = 1; x < d.config().cylinders; ++x) {
    sum += 2.0 * (c - x) / (c * c) * double(d.seek_ps(x));
  }
  return sum;
}

// The expected minimum of q positioning times T = seek(|c - c0|) + W, W
// uniform over a revolution, each candidate's cylinder c uniform and
// independent, averaged over the arm's cylinder c0: E[min] = integral of
// P(T > t)^q dt. Cylinders are taken in 500 bands, time in 10 us steps.
double expected_min_positioning_ps(const Drive& d, unsigned q) {
  const uint32_t cylinders = d.config().cylinders;
  const double rev = double(d.config().revolution_ps());
  constexpr unsigned kBands = 500;
  const double band = double(cylinders) / kBands;
  std::vector<double> seek(kBands);  // seek over a distance of k bands
  for (unsigned k = 0; k < kBands; ++k) {
    seek[k] =
        double(d.seek_ps(uint32_t(std::min<double>(k == 0 ? band / 3 : k * band, cylinders - 1))));
  }
  const double full = double(d.seek_ps(cylinders - 1)) + rev;
  constexpr double kStep = 10e6;
  double total = 0;
  for (unsigned a = 0; a < kBands; ++a) {
    double e = 0;
    for (double t = 0; t < full; t += kStep) {
      double survive = 0;  // P(T > t) for one candidate
      for (unsigned b = 0; b < kBands; ++b) {
        const double s = seek[a > b ? a - b : b - a];
        const double w = t - s;
        survive += w <= 0 ? 1.0 : (w >= rev ? 0.0 : 1.0 - w / rev);
      }
      survive /= kBands;
      e += std::pow(survive, q) * kStep;
    }
    total += e;
  }
  return total / kBands;
}

// Closed loop: `depth` requesters, each issuing random 4 KiB reads back to
// back; returns the IOPS over `ios` completions and the drive's stats.
struct Loop {
  double iops = 0;
  DriveStats stats;
};
Loop closed_loop(DriveConfig config, unsigned depth, unsigned ios) {
  Loop result;
  Drive drive("drive", config);
  std::mt19937_64 random(7);
  const uint64_t slots = config.blocks() / kBlocks;
  unsigned issued = 0, completed = 0;
  uint64_t end_ps = 0;
  for (unsigned r = 0; r < depth; ++r) {
    sc_core::sc_spawn([&] {
      std::vector<uint8_t> buffer(kBlocks * 520);
      while (issued < ios) {
        ++issued;
        drive.read(random() % slots * kBlocks, kBlocks, buffer);
        if (++completed == ios) end_ps = now_ps();
      }
    });
  }
  sc_core::sc_start();
  result.iops = ios / (double(end_ps) * 1e-12);
  result.stats = drive.stats();
  return result;
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_reads_at_depth_one_match_seek_rotation_transfer_and_overhead) {
  const std::string r = run_forked([] {
    DriveConfig config;
    const Loop loop = closed_loop(config, 1, 10000);
    Drive d("model", config);
    const double rev = double(config.revolution_ps());
    const double service = config.controller_overhead_us * 1e6 + mean_seek_ps(d) + rev / 2 +
                           kBlocks * rev / config.blocks_per_track;
    return fmt::format("{} {}", loop.iops, 1e12 / service);
  });
  double simulated = 0, analytic = 0;
  std::istringstream(r) >> simulated >> analytic;
  BOOST_TEST_MESSAGE(
      fmt::format("depth 1: {:.1f} IOPS simulated, {:.1f} analytic", simulated, analytic));
  BOOST_TEST(std::abs(simulated / analytic - 1) < 0.02);
}

BOOST_AUTO_TEST_CASE(shortest_access_time_first_at_depth_sixteen_gains_what_order_statistics_give) {
  const std::string r = run_forked([] {
    DriveConfig config;
    config.scheduler = DriveScheduler::satf;
    const Loop q1 = closed_loop(config, 1, 4000);
    return fmt::format("{}", q1.iops);
  });
  const std::string r16 = run_forked([] {
    DriveConfig config;
    config.scheduler = DriveScheduler::satf;
    const Loop q16 = closed_loop(config, 16, 20000);
    Drive d("model", config);
    const double rev = double(config.revolution_ps());
    const double service =
        expected_min_positioning_ps(d, 16) + kBlocks * rev / config.blocks_per_track;
    return fmt::format("{} {} {}", q16.iops, 1e12 / service, q16.stats.aged);
  });
  double q1 = std::stod(r), q16 = 0, analytic = 0;
  uint64_t aged = 0;
  std::istringstream(r16) >> q16 >> analytic >> aged;
  BOOST_TEST_MESSAGE(
      fmt::format("satf: depth 1 {:.1f} IOPS, depth 16 {:.1f} ({:.2f}x); "
                  "order-statistics model {:.1f} ({:.2f}x); {} aged",
                  q1, q16, q16 / q1, analytic, analytic / q1, aged));
  BOOST_TEST(std::abs(q16 / analytic - 1) < 0.10);
}

namespace {

// Submits reads of one block at the given LBAs in one instant, after an
// optional first read that places the arm, and returns the LBAs in the
// order the drive finished them.
std::vector<uint64_t> service_order(DriveConfig config, std::vector<uint64_t> lbas,
                                    std::optional<uint64_t> place_arm = {}) {
  Drive drive("drive", config);
  std::vector<uint64_t> order;
  std::vector<std::unique_ptr<DriveCommand>> commands;
  std::vector<std::vector<uint8_t>> buffers(lbas.size(), std::vector<uint8_t>(520));
  run_in_simulation([&] {
    std::vector<uint8_t> b(520);
    if (place_arm) drive.read(*place_arm, 1, b);
    for (std::size_t i = 0; i < lbas.size(); ++i) {
      commands.push_back(std::make_unique<DriveCommand>());
      commands.back()->lba = lbas[i];
      commands.back()->blocks = 1;
      commands.back()->out = buffers[i];
      drive.submit(*commands.back());
    }
    std::vector<bool> seen(lbas.size());
    while (order.size() < lbas.size()) {
      sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));
      for (std::size_t i = 0; i < lbas.size(); ++i) {
        if (commands[i]->done && !seen[i]) {
          seen[i] = true;
          order.push_back(lbas[i]);
        }
      }
    }
  });
  return order;
}

uint64_t cylinder_lba(uint64_t cylinder) { return cylinder * 8 * 1200; }

}  // namespace

BOOST_AUTO_TEST_CASE(the_elevator_sweeps_up_then_turns) {
  const std::string r = run_forked([] {
    DriveConfig config;
    config.scheduler = DriveScheduler::elevator;
    const auto order = service_order(
        config,
        {cylinder_lba(70), cylinder_lba(20), cylinder_lba(80), cylinder_lba(40), cylinder_lba(60)},
        cylinder_lba(50));
    std::string s;
    for (uint64_t lba : order) s += fmt::format("{} ", lba / (8 * 1200));
    return s;
  });
  BOOST_TEST(r == "60 70 80 40 20 ");
}

BOOST_AUTO_TEST_CASE(first_come_first_served_keeps_arrival_order) {
  const std::string r = run_forked([] {
    DriveConfig config;
    config.scheduler = DriveScheduler::fifo;
    const auto order = service_order(
        config, {cylinder_lba(70), cylinder_lba(20), cylinder_lba(80), cylinder_lba(40)});
    std::string s;
    for (uint64_t lba : order) s += fmt::format("{} ", lba / (8 * 1200));
    return s;
  });
  BOOST_TEST(r == "70 20 80 40 ");
}

// With one tag the drive sees one command at a time: shortest access time
// first can only serve them in arrival order, and every command but the
// first waits at the initiator.
BOOST_AUTO_TEST_CASE(commands_beyond_the_queue_depth_wait_at_the_initiator) {
  const std::string r = run_forked([] {
    std::vector<uint64_t> lbas;
    std::mt19937_64 random(3);
    for (int i = 0; i < 12; ++i) lbas.push_back(random() % DriveConfig{}.blocks());
    DriveConfig one;
    one.queue_depth = 1;
    const auto fifo_like = service_order(one, lbas);
    DriveConfig deep;
    const auto reordered = service_order(deep, lbas);
    return fmt::format("{} {}", fifo_like == lbas, reordered == lbas);
  });
  BOOST_TEST(r == "true false");
}

BOOST_AUTO_TEST_CASE(the_age_limit_serves_a_starving_command_next) {
  const std::string r = run_forked([] {
    // A far command among a stream of near ones: shortest access time first
    // would leave it until the stream ends.
    DriveConfig config;
    config.max_queue_wait_ms = 20;
    Drive drive("drive", config);
    uint64_t far_done_ps = 0;
    run_in_simulation([&] {
      std::vector<uint8_t> b(520);
      drive.read(0, 1, b);
      DriveCommand far;
      std::vector<uint8_t> fb(520);
      far.lba = cylinder_lba(99000);
      far.blocks = 1;
      far.out = fb;
      drive.submit(far);
      sc_core::sc_spawn([&] {
        Drive::wait(far);
        far_done_ps = now_ps();
      });
      // Four requesters keep near commands queued for 200 ms.
      bool stop = false;
      for (int k = 0; k < 4; ++k) {
        sc_core::sc_spawn([&, k] {
          std::vector<uint8_t> nb(520);
          for (uint64_t i = 0; !stop; ++i) drive.read((i * 4 + k) * 1200 % 96000, 1, nb);
        });
      }
      sc_core::wait(sc_core::sc_time(200, sc_core::SC_MS));
      stop = true;
    });
    return fmt::format("{} {}", far_done_ps, drive.stats().aged);
  });
  uint64_t done_ps = 0, aged = 0;
  std::istringstream(r) >> done_ps >> aged;
  BOOST_TEST(aged >= 1u);
  // Served once it is older than the limit, within one more command.
  BOOST_TEST(done_ps > 20'000'000'000u);
  BOOST_TEST(done_ps < 40'000'000'000u);
}

// One requester reads 4 KiB after 4 KiB, spending 100 us between reads
// (as an adapter does): without read-ahead each read has just missed its
// sector and waits most of a revolution; with it, each comes from the
// stream the drive kept reading.
BOOST_AUTO_TEST_CASE(sequential_reads_are_served_from_the_read_ahead_stream) {
  auto run = [](uint32_t read_ahead) {
    return run_forked([read_ahead] {
      DriveConfig config;
      config.read_ahead_blocks = read_ahead;
      Drive drive("drive", config);
      uint64_t end = 0;
      run_in_simulation([&] {
        std::vector<uint8_t> b(kBlocks * 520);
        for (uint64_t i = 0; i < 100; ++i) {
          drive.read(i * kBlocks, kBlocks, b);
          sc_core::wait(sc_core::sc_time(100, sc_core::SC_US));
        }
        end = now_ps();
      });
      return fmt::format("{} {}", end, drive.stats().read_ahead_hits);
    });
  };
  uint64_t with_ps = 0, with_hits = 0, without_ps = 0, without_hits = 0;
  std::istringstream(run(2048)) >> with_ps >> with_hits;
  std::istringstream(run(0)) >> without_ps >> without_hits;
  BOOST_TEST(with_hits == 99u);
  BOOST_TEST(without_hits == 0u);
  // With read-ahead: each read costs the 100 us gap and the 10 us decode
  // (the stream is 4x faster), plus the first read's access (< 12 ms).
  BOOST_TEST(with_ps < 100 * 110'000'000ull + 12'000'000'000ull);
  // Without: at least 99 revolutions less the gap and the transfer.
  BOOST_TEST(without_ps > 99 * (4'000'000'000ull - 200'000'000ull));
}
