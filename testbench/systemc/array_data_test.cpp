// Data on one array: every read returns the last data written, through
// cache, eviction, destage and stage; damage is reported as a data check and
// never returned; bad requests are refused and change nothing; statistics
// are reproducible. Each case builds its own array in a child process.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "systemc/array/storage_array.h"
#include "systemc/common/sim_time.h"
#include "systemc/storage/drive.h"
#include "testbench/common/host_data.h"
#include "testbench/common/sc_fork.h"
#include "testbench/scoreboard/reference_model.h"

using namespace copysim;
using namespace copysim::sc;
using copysim::testing::fill_user_block;
using copysim::testing::ReferenceModel;
using copysim::testing::run_forked;
using nlohmann::json;

namespace {

// Eight FBA and eight 3390-1 volumes over eight drives, with a cache far
// smaller than the data touched, so that blocks go through eviction,
// destage and stage again.
json mixed_config() {
  return json::parse(R"({
    "cache": {"slots": 256},
    "host_adapters": {"count": 2, "ports": 2},
    "drives": 8,
    "volumes": [{"first_device": "0x0100", "count": 8, "model": "FBA", "tracks": 10000},
                {"first_device": "0x0200", "count": 8, "model": "3390-1"}]
  })");
}

struct WorkloadResult {
  uint64_t ios = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t blocks_compared = 0;
  uint64_t blocks_written_ever = 0;
  uint64_t mismatches = 0;
  uint64_t errors = 0;
  std::string first_problem;
  std::string statistics;
};

// One host stream per volume (so no two IOs to a volume overlap in time),
// `ios` IOs in all over a hot region of each volume, then every block of
// the regions read back once the cache has destaged.
WorkloadResult random_workload(const json& config, uint64_t seed, uint64_t ios,
                               uint64_t region_tracks) {
  const std::string out = run_forked([&] {
    StorageArray array("array", ArrayConfig::from_json(config));
    ReferenceModel reference;
    WorkloadResult r;
    auto compare = [&](uint16_t device, uint64_t block, std::span<const uint8_t> got) {
      std::vector<uint8_t> want(512);
      bool match = false;
      for (uint64_t v : reference.candidates(device, block, now_ps())) {
        fill_user_block(want, device, block, v);
        match = match || std::equal(want.begin(), want.end(), got.begin());
      }
      ++r.blocks_compared;
      if (!match) {
        if (r.mismatches++ == 0) {
          r.first_problem = fmt::format("device {:#06x} block {} differs", device, block);
        }
      }
    };
    const auto& devices = array.devices();
    const uint64_t per_stream = ios / devices.size();
    for (std::size_t s = 0; s < devices.size(); ++s) {
      sc_core::sc_spawn([&, s] {
        const uint16_t device = devices[s];
        const Volume& v = *array.volume(device);
        const uint64_t blocks = region_tracks * v.geometry.blocks_per_track;
        std::mt19937_64 rng(seed * 1000 + s);
        std::vector<uint8_t> data(16 * 512);
        for (uint64_t i = 0; i < per_stream; ++i) {
          const auto count = static_cast<uint32_t>(1 + rng() % 16);
          const uint64_t block = rng() % (blocks - count);
          const auto buffer = std::span(data).first(count * 512);
          const auto port = static_cast<uint32_t>(rng() % array.host_ports());
          if (rng() % 2 == 0) {
            const uint64_t ver = reference.begin_write(device, block, count, now_ps());
            for (uint32_t k = 0; k < count; ++k) {
              fill_user_block(buffer.subspan(k * 512, 512), device, block + k, ver);
            }
            const IoStatus st = array.write(port, device, block, count, buffer);
            reference.end_write(ver, now_ps(), st.ok());
            ++r.writes;
            if (!st.ok()) {
              if (r.errors++ == 0) r.first_problem = st.message;
              continue;
            }
          } else {
            const IoStatus st = array.read(port, device, block, count, buffer);
            ++r.reads;
            if (!st.ok()) {
              if (r.errors++ == 0) r.first_problem = st.message;
              continue;
            }
            for (uint32_t k = 0; k < count; ++k) {
              compare(device, block + k, buffer.subspan(k * 512, 512));
            }
          }
          ++r.ios;
        }
      });
    }
    sc_core::sc_start();  // runs until every stream is done and the cache has destaged
    if (array.cache().write_pending() != 0) throw std::runtime_error("write pending at the end");
    r.statistics = array.statistics().dump();
    r.blocks_written_ever = reference.blocks_written();

    // Read everything back, now mostly from the drives.
    sc_core::sc_spawn([&] {
      std::vector<uint8_t> data(64 * 512);
      for (uint16_t device : devices) {
        const uint64_t blocks = region_tracks * array.volume(device)->geometry.blocks_per_track;
        for (uint64_t b = 0; b < blocks; b += 64) {
          const auto n = static_cast<uint32_t>(std::min<uint64_t>(64, blocks - b));
          const IoStatus st = array.read(0, device, b, n, std::span(data).first(n * 512));
          if (!st.ok()) {
            if (r.errors++ == 0) r.first_problem = st.message;
            continue;
          }
          for (uint32_t k = 0; k < n; ++k) {
            compare(device, b + k, std::span(data).subspan(k * 512, 512));
          }
        }
      }
    });
    sc_core::sc_start();
    return json{{"ios", r.ios},
                {"reads", r.reads},
                {"writes", r.writes},
                {"compared", r.blocks_compared},
                {"written", r.blocks_written_ever},
                {"mismatches", r.mismatches},
                {"errors", r.errors},
                {"problem", r.first_problem},
                {"statistics", r.statistics}}
        .dump();
  });
  const json j = json::parse(out);
  WorkloadResult r;
  r.ios = j["ios"];
  r.reads = j["reads"];
  r.writes = j["writes"];
  r.blocks_compared = j["compared"];
  r.blocks_written_ever = j["written"];
  r.mismatches = j["mismatches"];
  r.errors = j["errors"];
  r.first_problem = j["problem"];
  r.statistics = j["statistics"];
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_read_returns_the_last_data_written_over_100000_random_ios) {
  const WorkloadResult r = random_workload(mixed_config(), 1, 100000, 200);
  const json stats = json::parse(r.statistics);
  BOOST_TEST_MESSAGE(r.ios << " IOs (" << r.reads << " reads, " << r.writes << " writes), "
                           << r.blocks_compared << " blocks compared, " << r.blocks_written_ever
                           << " distinct blocks written; cache " << stats["cache"].dump());
  BOOST_TEST(r.ios == 100000u);
  BOOST_TEST(r.errors == 0u, r.first_problem);
  BOOST_TEST(r.mismatches == 0u, r.first_problem);
  BOOST_TEST(r.blocks_written_ever > 100000u);
  // The run must have exercised the whole path, not just the cache.
  BOOST_TEST(stats["cache"]["evictions"].get<uint64_t>() > 10000u);
  BOOST_TEST(stats["cache"]["read_misses"].get<uint64_t>() > 10000u);
  BOOST_TEST(stats["disk_adapters"][0]["destages"].get<uint64_t>() > 10000u);
}

BOOST_AUTO_TEST_CASE(same_configuration_and_seed_give_identical_statistics) {
  const WorkloadResult a = random_workload(mixed_config(), 7, 8000, 50);
  const WorkloadResult b = random_workload(mixed_config(), 7, 8000, 50);
  const WorkloadResult c = random_workload(mixed_config(), 8, 8000, 50);
  BOOST_TEST(a.statistics.size() > 1000u);
  BOOST_TEST(a.statistics == b.statistics);
  BOOST_TEST(a.statistics != c.statistics);  // the comparison can tell runs apart
}

namespace {

json small_config() {
  return json::parse(R"({
    "cache": {"slots": 4},
    "host_adapters": {"count": 1, "ports": 2},
    "drives": 2,
    "parity_group": {"raid": "raid1", "data_drives": 1},
    "volumes": [{"first_device": "0x0100", "count": 2, "model": "FBA", "tracks": 1000}]
  })");
}

// Writes blocks 100..107 of device 0x0100, lets them destage, pushes them
// out of the cache, applies `fault` to the drive, and reads them back.
json read_after_fault(const std::function<void(StorageArray&, const Volume&)>& fault) {
  return json::parse(run_forked([&] {
    StorageArray array("array", ArrayConfig::from_json(small_config()));
    json result;
    sc_core::sc_spawn([&] {
      std::vector<uint8_t> data(8 * 512);
      for (uint32_t k = 0; k < 8; ++k) {
        fill_user_block(std::span(data).subspan(k * 512, 512), 0x0100, 100 + k, 1);
      }
      if (!array.write(0, 0x0100, 100, 8, data).ok()) throw std::runtime_error("write failed");
      wait(sc_core::sc_time(100, sc_core::SC_MS));  // destaged by now
      std::vector<uint8_t> other(512);
      for (uint64_t t = 1; t <= 8; ++t) array.read(0, 0x0101, t * 128, 1, other);  // evict
      fault(array, *array.volume(0x0100));
      std::fill(data.begin(), data.end(), uint8_t{0xee});
      const IoStatus s = array.read(1, 0x0100, 100, 8, data);
      result = {{"result", std::string(to_string(s.result))},
                {"bad_block", s.bad_block},
                {"message", s.message},
                {"hit", s.cache_hit},
                {"zeroed", std::all_of(data.begin(), data.end(), [](uint8_t b) { return b == 0; })},
                {"data_checks", array.volume_stats(0x0100).data_checks}};
    });
    sc_core::sc_start();
    return result.dump();
  }));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_damaged_block_on_the_drive_reads_as_a_data_check_not_as_data) {
  const json r = read_after_fault([](StorageArray&, const Volume& v) {
    const auto at = v.group->place(v.first_lba + 103);
    v.group->drive(at.member).corrupt_block(at.lba, 1234);
  });
  BOOST_TEST(r["result"] == "data check");
  BOOST_TEST(r["bad_block"] == 103);
  BOOST_TEST(!r["hit"].get<bool>());
  BOOST_TEST(r["zeroed"].get<bool>());
  BOOST_TEST(r["data_checks"] == 1);
  BOOST_TEST(r["message"].get<std::string>().find("check code mismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_misdirected_block_reads_as_a_data_check_naming_the_address) {
  const json r = read_after_fault([](StorageArray&, const Volume& v) {
    // Blocks 101 and 105 lie in one chunk, so on one drive.
    const auto from = v.group->place(v.first_lba + 101);
    const auto to = v.group->place(v.first_lba + 105);
    if (from.member != to.member) throw std::logic_error("blocks 101 and 105 on two drives");
    v.group->drive(from.member).misdirect_block(from.lba, to.lba);
  });
  BOOST_TEST(r["result"] == "data check");
  BOOST_TEST(r["bad_block"] == 105);
  BOOST_TEST(r["message"].get<std::string>().find("logical address mismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_undamaged_round_trip_through_the_drive_reads_back_exactly) {
  const json r = read_after_fault([](StorageArray&, const Volume&) {});
  BOOST_TEST(r["result"] == "ok");
  BOOST_TEST(!r["hit"].get<bool>());
}

BOOST_AUTO_TEST_CASE(bad_requests_are_refused_at_once_and_change_nothing) {
  const json r = json::parse(run_forked([] {
    StorageArray array("array", ArrayConfig::from_json(small_config()));
    json results = json::array();
    sc_core::sc_spawn([&] {
      std::vector<uint8_t> data(8 * 512, 0x5a);
      auto record = [&](const IoStatus& s) {
        results.push_back({std::string(to_string(s.result)), s.message, s.response.value()});
      };
      record(array.write(0, 0x0999, 0, 8, data));                      // no such device
      record(array.write(0, 0x0100, 1000 * 128 - 4, 8, data));         // runs off the end
      record(array.write(0, 0x0100, 0, 0, std::span(data).first(0)));  // nothing to write
      record(array.write(0, 0x0100, 0, 4, data));                      // buffer of 8 for 4
      record(array.read(7, 0x0100, 0, 8, data));                       // no port 7
    });
    sc_core::sc_start();
    const json stats = array.statistics();
    return json{{"results", results},
                {"cache", stats["cache"]},
                {"volumes", stats["volumes"]},
                {"now", sc_core::sc_time_stamp().value()}}
        .dump();
  }));
  const auto& res = r["results"];
  BOOST_TEST(res[0][0] == "no such volume");
  BOOST_TEST(res[0][1].get<std::string>().find("0x0999") != std::string::npos);
  BOOST_TEST(res[1][0] == "out of range");
  BOOST_TEST(res[2][0] == "out of range");
  BOOST_TEST(res[3][0] == "bad buffer");
  BOOST_TEST(res[4][0] == "out of range");
  BOOST_TEST(res[4][1].get<std::string>().find("no host port 7") != std::string::npos);
  for (const auto& x : res) BOOST_TEST(x[2] == 0);  // refused before any simulated time
  BOOST_TEST(r["cache"]["slots_in_use"] == 0);
  BOOST_TEST(r["volumes"].empty());
}

BOOST_AUTO_TEST_CASE(a_copy_through_the_drr_unit_lands_with_the_target_address) {
  const json r = json::parse(run_forked([] {
    StorageArray array("array", ArrayConfig::from_json(small_config()));
    json result;
    sc_core::sc_spawn([&] {
      std::vector<uint8_t> data(128 * 512);
      for (uint32_t k = 0; k < 128; ++k) {
        fill_user_block(std::span(data).subspan(k * 512, 512), 0x0100, 5 * 128 + k, 3);
      }
      array.write(0, 0x0100, 5 * 128, 128, data);
      const Volume& src_v = *array.volume(0x0100);
      const Volume& dst_v = *array.volume(0x0101);
      Slot& src = array.cache().acquire({0x0100, 5}, 128);
      src.block(17)[40] ^= 0x01;  // damage one block in cache
      Slot& dst = array.cache().acquire({0x0101, 9}, 128);
      const drr::DrrStatus st = src_v.adapter->copy(src, src_v, dst, dst_v, 0, 128);
      src.block(17)[40] ^= 0x01;
      array.cache().release(src);
      array.cache().release(dst);
      std::vector<uint8_t> back(128 * 512, 0xee);
      const IoStatus whole = array.read(0, 0x0101, 9 * 128, 128, back);
      const IoStatus good = array.read(0, 0x0101, 9 * 128, 17, std::span(back).first(17 * 512));
      const bool same = std::equal(back.begin(), back.begin() + 17 * 512, data.begin());
      result = {{"cd_errors", st.cd_errors},
                {"first_bad", st.first_bad},
                {"whole", std::string(to_string(whole.result))},
                {"bad_block", whole.bad_block},
                {"good", std::string(to_string(good.result))},
                {"same", same}};
    });
    sc_core::sc_start();
    return result.dump();
  }));
  BOOST_TEST(r["cd_errors"] == 1);
  BOOST_TEST(r["first_bad"] == 17);
  // The damaged block was not re-stamped: reading it at the target is a data check.
  BOOST_TEST(r["whole"] == "data check");
  BOOST_TEST(r["bad_block"] == 9 * 128 + 17);
  // The blocks before it arrived intact, addressed to the target device.
  BOOST_TEST(r["good"] == "ok");
  BOOST_TEST(r["same"].get<bool>());
}
