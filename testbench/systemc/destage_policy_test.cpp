// The cache's destage policy and the drives' host priority
// (docs/PLATFORM.md, "Destage policy" and "Host priority"): a write waits
// its age before destage, rewrites meanwhile coalesce, the high-water mark
// ends the wait, a sequential run destages as whole stripes, and host reads
// go before a copy's background commands.
#include <boost/test/unit_test.hpp>

#include <random>

#include <nlohmann/json.hpp>

#include "testbench/common/local_topology.h"

using namespace copysim;
using namespace copysim::testing;
using nlohmann::json;

namespace {

const uint16_t V0 = local_volume(0);
const uint16_t V1 = local_volume(1);

LocalTopologyConfig group_of_8(json cache = json::object(), json drive = json::object()) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = 1000;
  c.drives = 8;
  c.cache_slots = 4096;
  c.array_patch = {{"parity_group", {{"raid", "raid5"}, {"data_drives", 7}}},
                   {"cache", cache},
                   {"drive", drive}};
  return c;
}

void wait_ms(double ms) { sc_core::wait(sc_core::sc_time(ms, sc_core::SC_MS)); }

json group_stats(LocalTopology& t) {
  const auto& s = t.array().parity_group(0).stats();
  return {{"writes", s.writes},
          {"full_stripe_writes", s.full_stripe_writes},
          {"read_modify_writes", s.read_modify_writes},
          {"drive_reads", s.drive_reads},
          {"drive_writes", s.drive_writes}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_write_waits_its_destage_age_and_rewrites_meanwhile_coalesce) {
  const json r = in_local_topology(group_of_8({{"destage_age_ms", 30.0}}), [](LocalTopology& t) {
    json out;
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    // Ten rewrites of one block of track 5, 1 ms apart.
    for (uint64_t v = 1; v <= 10; ++v) {
      t.write(0, V0, 5 * 32 + 3, 1, v);
      wait_ms(1);
    }
    out["before_age"] = group_stats(t);
    while (t.array().cache().write_pending() > 0) wait_ms(0.1);
    out["destaged_after_ms"] = (sc_core::sc_time_stamp() - start).to_seconds() * 1e3;
    out["after"] = group_stats(t);
    return out;
  });
  BOOST_TEST_MESSAGE("aging: " << r.dump());
  BOOST_TEST(r["before_age"]["writes"].get<uint64_t>() == 0u);
  BOOST_TEST(r["after"]["writes"].get<uint64_t>() == 1u);
  // Queued at the first write; one RMW (read data and parity, write both).
  BOOST_TEST(r["destaged_after_ms"].get<double>() >= 30.0);
  BOOST_TEST(r["destaged_after_ms"].get<double>() < 30.0 + 20.0);
  BOOST_TEST(r["after"]["drive_reads"].get<uint64_t>() == 2u);
  BOOST_TEST(r["after"]["drive_writes"].get<uint64_t>() == 2u);
}

BOOST_AUTO_TEST_CASE(without_an_age_every_rewrite_destages_again) {
  const json r = in_local_topology(group_of_8({{"destage_age_ms", 0.0}}), [](LocalTopology& t) {
    for (uint64_t v = 1; v <= 10; ++v) {
      t.write(0, V0, 5 * 32 + 3, 1, v);
      wait_ms(20);  // longer than one read-modify-write
    }
    while (t.array().cache().write_pending() > 0) wait_ms(0.1);
    return group_stats(t);
  });
  BOOST_TEST_MESSAGE("no aging: " << r.dump());
  BOOST_TEST(r["writes"].get<uint64_t>() == 10u);
}

BOOST_AUTO_TEST_CASE(above_the_high_water_mark_destage_does_not_wait_for_the_age) {
  // 64 slots: the mark at 0.1 is 6 write-pending tracks.
  LocalTopologyConfig c = group_of_8({{"destage_age_ms", 1000.0}, {"destage_high_water", 0.1}});
  c.cache_slots = 64;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    // Single blocks on tracks far apart: nothing to gather.
    for (uint64_t k = 0; k < 10; ++k) t.write(0, V0, k * 50 * 32, 1, k + 1);
    wait_ms(200);
    out["at_200_ms"] = group_stats(t);
    out["write_pending"] = t.array().cache().write_pending();
    out["pressed"] = t.array().disk_adapter(0).stats().pressed_destages;
    return out;
  });
  BOOST_TEST_MESSAGE("high water: " << r.dump());
  // Destaged down to the mark, long before the age; the rest wait for it.
  BOOST_TEST(r["at_200_ms"]["writes"].get<uint64_t>() == 5u);
  BOOST_TEST(r["write_pending"].get<uint64_t>() == 5u);
  BOOST_TEST(r["pressed"].get<uint64_t>() == 5u);
}

BOOST_AUTO_TEST_CASE(a_sequential_run_destages_as_whole_stripes_without_reads) {
  // 7D+1P with 128-block chunks: a row holds 896 blocks, 28 tracks of 32.
  const json r = in_local_topology(group_of_8(), [](LocalTopology& t) {
    // 9 rows written in order, 8 tracks a write.
    for (uint64_t track = 0; track < 9 * 28; track += 8) {
      t.write(0, V0, track * 32, static_cast<uint32_t>(std::min<uint64_t>(8, 9 * 28 - track) * 32),
              track + 1);
    }
    while (t.array().cache().write_pending() > 0) wait_ms(0.1);
    return group_stats(t);
  });
  BOOST_TEST_MESSAGE("sequential destage: " << r.dump());
  BOOST_TEST(r["drive_reads"].get<uint64_t>() == 0u);
  BOOST_TEST(r["read_modify_writes"].get<uint64_t>() == 0u);
  // All 252 tracks in one gathered destage once the age passed (8,064
  // blocks, under one 8,192-block unit): nine whole rows.
  BOOST_TEST(r["writes"].get<uint64_t>() == 1u);
  BOOST_TEST(r["full_stripe_writes"].get<uint64_t>() == 9u);
  BOOST_TEST(r["drive_writes"].get<uint64_t>() == 9u * 8u);
}

namespace {

// A clone copies 0x3000 to 0x3001 while four hosts read 0x3002 at random
// (4 KiB, aligned), all on the same eight drives.
json read_during_copy(double background_share) {
  LocalTopologyConfig c = group_of_8({}, {{"background_share", background_share}});
  c.volumes = 3;
  return in_local_topology(c, [](LocalTopology& t) {
    bool copying = true;
    uint64_t reads = 0;
    double sum_us = 0;
    for (unsigned h = 0; h < 4; ++h) {
      sc_core::sc_spawn([&, h] {
        std::mt19937_64 rng(7 + h);
        std::vector<uint8_t> data(8 * 512);
        const uint64_t blocks = t.blocks(local_volume(2));
        while (copying) {
          const auto s = t.array().read(h, local_volume(2), rng() % (blocks - 8) / 8 * 8, 8, data);
          ++reads;
          sum_us += s.response.to_seconds() * 1e6;
          wait_ms(0.5);
        }
      });
    }
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    t.command(fw::kActiveCopyClone, V0, V1);
    while (t.firmware().clones().state(V1) != fw::CloneState::copied) wait_ms(0.1);
    const double copy_ms = (sc_core::sc_time_stamp() - start).to_seconds() * 1e3;
    copying = false;
    uint64_t background = 0;
    for (uint32_t m = 0; m < 8; ++m) {
      background += t.array().parity_group(0).drive(m).stats().background;
    }
    return json{{"copy_ms", copy_ms},
                {"reads", reads},
                {"read_mean_us", sum_us / double(reads)},
                {"background_commands", background}};
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(host_reads_go_before_a_copys_drive_commands_and_the_copy_pays_for_it) {
  const json host_first = read_during_copy(0.2);
  const json copy_first = read_during_copy(1.0);
  BOOST_TEST_MESSAGE("background share 0.2: " << host_first.dump());
  BOOST_TEST_MESSAGE("background share 1.0: " << copy_first.dump());
  BOOST_TEST(host_first["background_commands"].get<uint64_t>() > 0u);
  BOOST_TEST(host_first["read_mean_us"].get<double>() < copy_first["read_mean_us"].get<double>());
  BOOST_TEST(host_first["copy_ms"].get<double>() > copy_first["copy_ms"].get<double>());
}
