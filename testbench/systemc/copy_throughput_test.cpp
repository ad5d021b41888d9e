// How fast the local copy path moves a volume: seed 003's 1,000-track
// clone copy on one RAID-5 7D+1P group against what the group's media rate
// allows (docs/PLATFORM.md, "Copies at media rate"), and the bound on the
// hardware operations the copies run on.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "testbench/common/local_topology.h"

using namespace copysim;
using namespace copysim::testing;
using nlohmann::json;

namespace {

const uint16_t SRC = local_volume(0);
const uint16_t DST = local_volume(1);

json clone_copy(uint64_t tracks, json cache = json::object(), uint32_t data_drives = 7) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = tracks;
  c.drives = data_drives + 1;
  c.cache_slots = 4096;
  c.array_patch = {{"parity_group", {{"raid", "raid5"}, {"data_drives", data_drives}}},
                   {"cache", cache}};
  return in_local_topology(c, [](LocalTopology& t) {
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const auto s = t.command(fw::kActiveCopyClone, SRC, DST);
    while (t.firmware().clones().state(DST) != fw::CloneState::copied) {
      wait(sc_core::sc_time(100, sc_core::SC_US));
    }
    const double copy_ms = (sc_core::sc_time_stamp() - start).to_seconds() * 1e3;
    // Everything copied must also reach the drives: wait for the destage.
    while (t.array().cache().write_pending() > 0) wait(sc_core::sc_time(100, sc_core::SC_US));
    const double stored_ms = (sc_core::sc_time_stamp() - start).to_seconds() * 1e3;
    json out{{"result", std::string(to_string(s.result))},
             {"copy_ms", copy_ms},
             {"stored_ms", stored_ms},
             {"bytes", t.blocks(SRC) * 512}};
    auto& g = t.array().parity_group(0);
    out["media_bytes_per_s"] = g.drive(0).config().media_bytes_per_second();
    out["group_reads"] = g.stats().reads;
    out["group_writes"] = g.stats().writes;
    const auto& d = g.drive(0).stats();
    out["d0"] = {{"reads", d.reads},
                 {"writes", d.writes},
                 {"busy_ms", double(d.busy_ps) / 1e9},
                 {"seek_ms", double(d.seek_ps) / 1e9},
                 {"rot_ms", double(d.rotation_ps) / 1e9},
                 {"xfer_ms", double(d.transfer_ps) / 1e9},
                 {"ra_hits", d.read_ahead_hits},
                 {"bg", d.background}};
    const auto& a = t.array().disk_adapter(0).stats();
    out["dka"] = {{"prefetches", a.prefetches},
                  {"tracks", a.tracks_prefetched},
                  {"stages", a.stages},
                  {"destages", a.destages},
                  {"gathered", a.gathered_destages},
                  {"pressed", a.pressed_destages}};
    return out;
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_1000_track_clone_on_7d_1p_runs_within_twice_the_media_time) {
  const json r = clone_copy(1000);
  BOOST_TEST_MESSAGE("1,000-track clone on 7D+1P: " << r.dump());
  BOOST_TEST(r["result"].get<std::string>() == "ok");
  // The media time: every block read once from the seven data drives'
  // worth of media, written once with its parity share over all eight.
  const double media = r["media_bytes_per_s"].get<double>();
  const double stored_bytes = double(r["bytes"].get<uint64_t>()) * 520.0 / 512.0;
  const double read_ms = stored_bytes / (7 * media) * 1e3;
  const double write_ms = stored_bytes * 8.0 / 7.0 / (8 * media) * 1e3;
  BOOST_TEST_MESSAGE("media time: read " << read_ms << " ms + write " << write_ms << " ms");
  BOOST_TEST(r["copy_ms"].get<double>() <= 2 * (read_ms + write_ms));
  // Everything on the drives: the last run waits its destage age first.
  BOOST_TEST(r["stored_ms"].get<double>() <= 2 * (read_ms + write_ms) + 30.0);
  // Whole stripes only: no read-modify-write, and few, large operations.
  BOOST_TEST(r["group_writes"].get<uint64_t>() <= 4u);
  BOOST_TEST(r["group_reads"].get<uint64_t>() <= 10u);
}

BOOST_AUTO_TEST_CASE(without_prefetch_and_gathering_the_same_copy_pays_a_positioning_a_track) {
  const json r = clone_copy(200, {{"prefetch_blocks", 0}, {"destage_gather_blocks", 1}});
  const json with = clone_copy(200);
  BOOST_TEST_MESSAGE("200 tracks, no prefetch or gathering: " << r.dump());
  BOOST_TEST_MESSAGE("200 tracks, defaults: " << with.dump());
  BOOST_TEST(r["group_reads"].get<uint64_t>() == 200u);
  BOOST_TEST(r["group_writes"].get<uint64_t>() == 200u);
  BOOST_TEST(r["copy_ms"].get<double>() > 5 * with["copy_ms"].get<double>());
}

// A host write over 16 tracks of an activated clone's source, none copied
// yet: 16 copy-before-writes go to the hardware at once. With 64 workers
// they run together; with 2, two at a time, the rest queued. (The narrow
// case is not slower here: its copies come in track order, and the
// prefetch stages the tracks ahead of them in one read.)
BOOST_AUTO_TEST_CASE(hardware_workers_bound_the_copies_under_way_and_the_rest_wait) {
  auto run = [](uint32_t workers) {
    LocalTopologyConfig c;
    c.volumes = 2;
    c.tracks = 1000;
    c.array_patch = {{"processors", {{"workers", workers}}}};
    return in_local_topology(c, [](LocalTopology& t) {
      t.command(fw::kCreateClone, SRC, DST);
      t.command(fw::kActivateClone, SRC, DST);
      const auto s = t.write(0, SRC, 500 * 32, 16 * 32, 7);
      const auto& w = t.hardware().worker_stats();
      return json{{"write", std::string(to_string(s.result))},
                  {"write_ms", s.response.to_seconds() * 1e3},
                  {"copy_before_writes", t.firmware().clones().session(DST)->copy_before_writes},
                  {"workers", w.workers},
                  {"busy_peak", w.busy_peak},
                  {"waits", w.waits},
                  {"queued_peak", w.queued_peak}};
    });
  };
  const json wide = run(64);
  const json narrow = run(2);
  BOOST_TEST_MESSAGE("64 workers: " << wide.dump());
  BOOST_TEST_MESSAGE("2 workers: " << narrow.dump());
  for (const json* r : {&wide, &narrow}) {
    BOOST_TEST((*r)["write"].get<std::string>() == "ok");
    BOOST_TEST((*r)["copy_before_writes"].get<uint64_t>() == 16u);
  }
  BOOST_TEST(wide["busy_peak"].get<uint32_t>() >= 16u);
  BOOST_TEST(wide["waits"].get<uint64_t>() == 0u);
  BOOST_TEST(narrow["workers"].get<uint32_t>() == 2u);
  BOOST_TEST(narrow["busy_peak"].get<uint32_t>() == 2u);
  BOOST_TEST(narrow["queued_peak"].get<uint64_t>() >= 14u);
}
