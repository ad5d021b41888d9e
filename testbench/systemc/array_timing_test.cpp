// Timing of host IO on one array, against arithmetic done here from the
// configured parameters: a read miss, a read hit, and sustained sequential
// write throughput with the bottleneck moved between front end, cache and
// back end. Each case builds its own array in a child process.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "systemc/array/storage_array.h"
#include "testbench/common/host_data.h"
#include "testbench/common/sc_fork.h"

using namespace copysim;
using namespace copysim::sc;
using copysim::testing::run_forked;
using nlohmann::json;

namespace {

// One FBA volume of 100,000 64-KiB tracks on one drive behind one port.
json base_config() {
  return json::parse(R"({
    "processors": {"count": 4, "clock_mhz": 1000},
    "shared_memory": {"access_ns": 200},
    "cache": {"slots": 64, "ports": 4,
              "port": {"clock_mhz": 250, "width_bytes": 64, "latency_cycles": 8}},
    "host_adapters": {"count": 1, "ports": 1, "port_speed": "16GFC", "command_cycles": 10000},
    "disk_adapters": {"count": 1, "ports": 1, "command_overhead_us": 5, "command_cycles": 5000,
                      "port": {"clock_mhz": 150, "width_bytes": 8, "latency_cycles": 0}},
    "drives": 1,
    "parity_group": {"raid": "raid0", "data_drives": 1},
    "drive": {"rpm": 15000, "cylinders": 100000, "heads": 8, "blocks_per_track": 1200,
              "track_to_track_ms": 0.2, "full_stroke_ms": 7.0, "head_switch_ms": 0.1,
              "controller_overhead_us": 10},
    "volumes": [{"first_device": "0x0100", "count": 1, "model": "FBA", "tracks": 100000}]
  })");
}

// --- The arithmetic, in picoseconds, from the configured parameters. ---

constexpr double kFc16DataRate = 14.025e9 * 64.0 / 66.0 / 8.0;  // bytes per second
constexpr uint64_t kFrameExtra = 36 + 24;                       // framing + idles per frame

uint64_t ps(double seconds) { return static_cast<uint64_t>(std::llround(seconds * 1e12)); }
uint64_t frames_ps(uint64_t payload, double rate = kFc16DataRate) {
  const uint64_t frames = payload == 0 ? 1 : (payload + 2047) / 2048;
  return ps(static_cast<double>(payload + frames * kFrameExtra) / rate);
}
uint64_t cycles_ps(uint64_t cycles, double mhz) { return ps(double(cycles) * 1e-6 / mhz); }

constexpr uint64_t kRevPs = 4'000'000'000;  // 15,000 rpm
constexpr uint64_t kBpt = 1200;
constexpr uint64_t kHeads = 8;

uint64_t seek_ps(uint64_t d) {
  if (d == 0) return 0;
  return ps((0.2 + 6.8 * std::sqrt(double(d - 1) / 99998.0)) * 1e-3);
}

// Front-end and controller path of a read, without the stage.
uint64_t read_path_ps(uint32_t blocks) {
  return frames_ps(32) + cycles_ps(10000, 1000) + ps(200e-9) +
         cycles_ps((blocks * 520 + 63) / 64 + 8, 250) + frames_ps(blocks * 512) + frames_ps(24);
}

struct Io {
  uint64_t start_ps;
  uint64_t response_ps;
  bool hit;
  bool ok;
};

std::vector<Io> run_reads(const json& config, const std::vector<uint64_t>& blocks, uint32_t count) {
  const std::string out = run_forked([&] {
    StorageArray array("array", ArrayConfig::from_json(config));
    json ios = json::array();
    sc_core::sc_spawn([&] {
      std::vector<uint8_t> data(count * 512);
      for (uint64_t b : blocks) {
        const uint64_t start = sc_core::sc_time_stamp().value();
        const IoStatus s = array.read(0, 0x0100, b, count, data);
        ios.push_back({start, s.response.value(), s.cache_hit, s.ok()});
      }
    });
    sc_core::sc_start();
    return ios.dump();
  });
  std::vector<Io> ios;
  for (const auto& j : json::parse(out)) {
    ios.push_back({j[0].get<uint64_t>(), j[1].get<uint64_t>(), j[2].get<bool>(), j[3].get<bool>()});
  }
  return ios;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_read_miss_costs_overhead_seek_rotation_and_transfer) {
  const uint64_t block = 5'000'000;  // drive LBA 5,000,000: cylinder 520, head 6, sector 800
  const auto ios = run_reads(base_config(), {block}, 8);
  BOOST_REQUIRE(ios.size() == 1u && ios[0].ok && !ios[0].hit);

  // Command frame, host-adapter command, directory lookup, then the stage.
  uint64_t t = frames_ps(32) + cycles_ps(10000, 1000) + ps(200e-9);
  t += cycles_ps(5000, 1000) + ps(5e-6) + ps(10e-6);  // adapter command, drive controller
  t += seek_ps(520);
  const uint64_t head_skew = (ps(0.1e-3) * kBpt + kRevPs - 1) / kRevPs;  // 30 sectors
  const uint64_t cyl_skew = (ps(0.2e-3) * kBpt + kRevPs - 1) / kRevPs;   // 60 sectors
  const uint64_t track = block / kBpt, cylinder = track / kHeads, head = track % kHeads;
  const uint64_t angle =
      (block % kBpt + (cylinder * (kHeads - 1) + head) * head_skew + cylinder * cyl_skew) % kBpt;
  const double sector_ps = double(kRevPs) / kBpt;
  const double at = std::fmod(double(t), double(kRevPs));
  t += static_cast<uint64_t>(
      std::ceil(std::fmod(double(angle) * sector_ps - at + double(kRevPs), double(kRevPs))));
  t += static_cast<uint64_t>(std::ceil(8 * sector_ps));
  t += cycles_ps(520, 150);                      // back-end port: 4,160 bytes, 8 per cycle
  t += cycles_ps((8 * 520 + 63) / 64 + 8, 250);  // into cache
  t += read_path_ps(8) - frames_ps(32) - cycles_ps(10000, 1000) - ps(200e-9);
  BOOST_TEST_MESSAGE("read miss: model " << ios[0].response_ps << " ps, arithmetic " << t);
  BOOST_TEST(double(ios[0].response_ps) == double(t), boost::test_tools::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(a_read_hit_costs_the_channel_and_cache_path_only) {
  const auto ios = run_reads(base_config(), {777, 777, 780}, 8);
  BOOST_REQUIRE(ios.size() == 3u);
  BOOST_TEST(!ios[0].hit);
  BOOST_TEST(ios[1].hit);
  BOOST_TEST(!ios[2].hit);  // blocks 785..787 were not staged by the first read
  BOOST_TEST(ios[1].response_ps == read_path_ps(8));
}

// Many random 4 KiB misses at queue depth 1: the mean response is the fixed
// path plus the mean seek over the volume's cylinders, half a revolution and
// eight sector times.
BOOST_AUTO_TEST_CASE(mean_random_read_miss_matches_the_analytical_mean) {
  std::mt19937_64 rng(42);
  const uint64_t volume_blocks = 100000ull * 128;
  std::vector<uint64_t> blocks(10000);
  for (auto& b : blocks) b = (rng() % (volume_blocks / 8)) * 8;
  const auto ios = run_reads(base_config(), blocks, 8);
  double sum = 0;
  int misses = 0;
  for (const Io& io : ios) {
    BOOST_REQUIRE(io.ok);
    if (io.hit) continue;
    sum += double(io.response_ps);
    ++misses;
  }
  // Cylinder distance between two uniform positions among N cylinders.
  const double n = double(volume_blocks) / double(kBpt * kHeads);
  double mean_seek = 0;
  for (uint64_t d = 1; d < uint64_t(n); ++d) {
    mean_seek += 2.0 * (n - double(d)) / (n * n) * double(seek_ps(d));
  }
  const double fixed =
      double(read_path_ps(8)) + double(cycles_ps(5000, 1000) + ps(5e-6) + ps(10e-6) +
                                       cycles_ps(520, 150) + cycles_ps(73, 250));
  const double expected = fixed + mean_seek + double(kRevPs) / 2 + 8.0 * double(kRevPs) / kBpt;
  const double mean = sum / misses;
  BOOST_TEST_MESSAGE("mean read miss: model " << mean / 1e6 << " us, analytical " << expected / 1e6
                                              << " us over " << misses << " misses");
  BOOST_TEST(misses > 9000);
  BOOST_TEST(mean == expected, boost::test_tools::tolerance(0.01));
}

namespace {

// `streams` hosts each write 64 KiB (one FBA track) at a time, sequentially
// through their own volume; returns MB/s acknowledged in the window.
double sequential_write_mb_per_s(const json& config, unsigned streams) {
  const double warmup_s = 0.05, window_s = 0.4;
  const std::string out = run_forked([&] {
    StorageArray array("array", ArrayConfig::from_json(config));
    uint64_t bytes = 0;
    for (unsigned i = 0; i < streams; ++i) {
      sc_core::sc_spawn([&, i] {
        const auto device = static_cast<uint16_t>(0x0100 + i);
        const uint64_t blocks = array.volume(device)->geometry.blocks();
        std::vector<uint8_t> data(128 * 512);
        for (uint64_t block = 0;; block = (block + 128) % blocks) {
          testing::fill_user_block(data, device, block, 1);
          const IoStatus s = array.write(i % array.host_ports(), device, block, 128, data);
          if (!s.ok()) throw std::runtime_error(s.message);
          const double now = sc_core::sc_time_stamp().to_seconds();
          if (now >= warmup_s && now < warmup_s + window_s) bytes += data.size();
        }
      });
    }
    sc_core::sc_start(sc_core::sc_time(warmup_s + window_s, sc_core::SC_SEC));
    // Throttling held: never more write-pending slots than the limit allows.
    const auto& cache = array.config().cache;
    const auto limit = static_cast<uint64_t>(double(cache.slots) * cache.write_pending_limit);
    if (array.cache().stats().write_pending_peak > limit) {
      throw std::runtime_error("write-pending peak above the limit");
    }
    return std::to_string(double(bytes) / window_s / 1e6);
  });
  return std::stod(out);
}

// Sixty-four FBA volumes on sixty-four drives, so that destaging, which
// pays a rotational wait per track, never limits; everything else fast
// unless a case slows it down. Destage runs a track at a time as soon as
// it is write pending: with two slots a stream, waiting for an age or
// gathering a run would hold the slots the front end needs.
json throughput_config() {
  return json::parse(R"({
    "processors": {"count": 8, "clock_mhz": 1000},
    "cache": {"slots": 128, "ports": 4,
              "port": {"clock_mhz": 250, "width_bytes": 64, "latency_cycles": 8},
              "destage_age_ms": 0, "destage_gather_blocks": 128},
    "host_adapters": {"count": 2, "ports": 4, "port_speed": "16GFC"},
    "disk_adapters": {"count": 2, "ports": 4, "destage_streams": 64,
                      "port": {"clock_mhz": 150, "width_bytes": 8, "latency_cycles": 0}},
    "drives": 64,
    "parity_group": {"raid": "raid0", "data_drives": 1},
    "volumes": [{"first_device": "0x0100", "count": 64, "model": "FBA", "tracks": 100000}]
  })");
}

}  // namespace

BOOST_AUTO_TEST_CASE(sequential_write_throughput_is_the_slowest_of_front_end_cache_back_end) {
  // Front end: one 8GFC port. A 64 KiB write puts the command frame and 32
  // data frames of 2,048 bytes on the inbound line.
  json fe = throughput_config();
  fe["host_adapters"] = {{"count", 1}, {"ports", 1}, {"port_speed", "8GFC"}};
  const double fe_bound = 65536.0 / ((92.0 + 65536 + 32 * 60) / (8.5e9 * 0.8 / 8)) / 1e6;

  // Cache: one port of 8 bytes at 100 MHz. Each 64 KiB write crosses it
  // twice (in from the host, out to destage) as 128 stored blocks.
  json cache = throughput_config();
  cache["cache"]["ports"] = 1;
  cache["cache"]["port"] = {{"clock_mhz", 100}, {"width_bytes", 8}, {"latency_cycles", 8}};
  const double cache_bound = 65536.0 / (2 * (66560.0 / 8 + 8) * 10e-9) / 1e6;

  // Back end: one adapter with one port of 4 bytes at 50 MHz.
  json be = throughput_config();
  be["disk_adapters"]["count"] = 1;
  be["disk_adapters"]["ports"] = 1;
  be["disk_adapters"]["port"] = {{"clock_mhz", 50}, {"width_bytes", 4}, {"latency_cycles", 0}};
  const double be_bound = 65536.0 / (66560.0 / 4 * 20e-9) / 1e6;

  const double fe_mb = sequential_write_mb_per_s(fe, 64);
  const double cache_mb = sequential_write_mb_per_s(cache, 64);
  const double be_mb = sequential_write_mb_per_s(be, 64);
  BOOST_TEST_MESSAGE("front end: " << fe_mb << " MB/s (bound " << fe_bound << ")");
  BOOST_TEST_MESSAGE("cache:     " << cache_mb << " MB/s (bound " << cache_bound << ")");
  BOOST_TEST_MESSAGE("back end:  " << be_mb << " MB/s (bound " << be_bound << ")");
  BOOST_TEST(fe_mb == fe_bound, boost::test_tools::tolerance(0.02));
  BOOST_TEST(cache_mb == cache_bound, boost::test_tools::tolerance(0.02));
  BOOST_TEST(be_mb == be_bound, boost::test_tools::tolerance(0.02));
}

// A front-end port holds at most host_adapters.queue_depth commands: 16
// hosts writing at once through a port of depth 4 find it full, wait, and
// every write still completes; the port never held more than 4.
BOOST_AUTO_TEST_CASE(a_port_holds_at_most_its_queue_depth_and_more_commands_wait) {
  json config = base_config();
  config["host_adapters"]["queue_depth"] = 4;
  const std::string out = run_forked([&] {
    StorageArray array("array", ArrayConfig::from_json(config));
    uint64_t ok = 0;
    for (unsigned i = 0; i < 16; ++i) {
      sc_core::sc_spawn([&, i] {
        std::vector<uint8_t> data(8 * 512);
        for (uint64_t n = 0; n < 10; ++n) {
          const uint64_t block = (i * 10 + n) * 128;
          testing::fill_user_block(data, 0x0100, block, n + 1);
          ok += array.write(0, 0x0100, block, 8, data).ok();
        }
      });
    }
    sc_core::sc_start();
    const json ports = array.statistics()["host_ports"];
    return json{
        {"ok", ok}, {"peak", ports[0]["outstanding_peak"]}, {"queue_full", ports[0]["queue_full"]}}
        .dump();
  });
  const json r = json::parse(out);
  BOOST_TEST_MESSAGE("queue depth 4, 16 writers: " << r.dump());
  BOOST_TEST(r["ok"].get<uint64_t>() == 160u);
  BOOST_TEST(r["peak"].get<uint32_t>() == 4u);
  BOOST_TEST(r["queue_full"].get<uint64_t>() > 0u);
}
