// Bridge volumes (seed 002) on two arrays with firmware on both sides: the
// Fig. 6 setup, volumes synchronizing one at a time per bridge through the
// volume synchronization queue while hosts keep writing, status returning
// on the status bridge, and every bridge command in every state.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <functional>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbench/common/host_data.h"
#include "testbench/common/remote_topology.h"
#include "testbench/common/sc_fork.h"

using namespace copysim;
using namespace copysim::testing;
using nlohmann::json;

namespace {

json in_topology(const RemoteTopologyConfig& config,
                 const std::function<json(RemoteTopology&)>& body) {
  return json::parse(run_forked([&] {
    RemoteTopology t(config);
    json out;
    sc_core::sc_spawn([&] { out = body(t); });
    sc_core::sc_start();
    return out.dump();
  }));
}

RemoteTopologyConfig small(uint32_t volumes, uint32_t bridges) {
  RemoteTopologyConfig c;
  c.volumes = volumes;
  c.tracks = 40;
  c.bridges = bridges;
  c.bridge_tracks = 16;
  c.links = 1 + bridges;
  c.return_links = bridges;
  c.drives = 8;
  return c;
}

// Random writes of 1 to 16 blocks to the primary volumes until `stop`.
void write_randomly(RemoteTopology& t, uint64_t seed, const bool& stop, uint64_t& writes) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> data(16 * 512);
  const uint64_t blocks = t.config().tracks * 128;
  while (!stop) {
    const auto volume = static_cast<uint32_t>(rng() % t.config().volumes);
    const auto n = static_cast<uint32_t>(1 + rng() % 16);
    const uint64_t block = rng() % (blocks - n);
    for (uint32_t k = 0; k < n; ++k) {
      fill_user_block(std::span(data).subspan(k * 512, 512), primary_volume(volume), block + k,
                      rng() | 1);
    }
    if (!t.primary()
             .write(0, primary_volume(volume), block, n, std::span(data).first(n * 512))
             .ok()) {
      throw std::runtime_error("host write failed");
    }
    ++writes;
    wait(sc_core::sc_time(double(20 + rng() % 100), sc_core::SC_US));
  }
}

// Pairs 0..volumes-1 established over link mask `path` (the links the
// bridges do not use).
void establish_pairs(RemoteTopology& t, uint64_t path) {
  t.primary_command(fw::kEstablishPath, 0, 0, {path, 0, 0});
  for (uint32_t i = 0; i < t.config().volumes; ++i) {
    const auto s = t.primary_command(fw::kEstablishPair, primary_volume(i), secondary_volume(i));
    if (!s.ok()) throw std::runtime_error(s.message);
  }
}

void wait_full_duplex(RemoteTopology& t) {
  for (uint32_t i = 0; i < t.config().volumes; ++i) {
    while (t.primary_firmware().pairs().state(primary_volume(i)) != fw::PairState::full_duplex) {
      wait(sc_core::sc_time(100, sc_core::SC_US));
    }
  }
}

uint64_t differing(RemoteTopology& t) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < t.config().volumes; ++i) n += t.differing_tracks(i);
  return n;
}

}  // namespace

// Fig. 6: 604, 606 and 608 are command exchanges from the primary, 610 and
// 612 from the secondary: five round trips of the 10 km link (100 us of
// propagation and 2 us of command decoding each) plus firmware steps.
BOOST_AUTO_TEST_CASE(bridge_setup_runs_the_fig6_sequence_between_the_two_firmwares) {
  const json r = in_topology(small(1, 1), [](RemoteTopology& t) {
    const fw::CommandStatus s = t.set_up_bridge(0, 1, 0);
    const uint32_t step_after_command = t.primary_firmware().bridges().step(data_bridge(true, 0));
    const fw::BridgeState state = t.wait_bridge(0);
    return json{
        {"establish", s.message},
        {"step_after_command", step_after_command},
        {"state", std::string(fw::to_string(state))},
        {"step", t.primary_firmware().bridges().step(data_bridge(true, 0))},
        {"secondary_state",
         std::string(fw::to_string(t.secondary_firmware().bridges().state(data_bridge(false, 0))))},
        {"secondary_step", t.secondary_firmware().bridges().step(data_bridge(false, 0))},
        {"established_us", sc_core::sc_time_stamp().to_seconds() * 1e6},
        {"query", t.primary_command(fw::kQueryBridge, data_bridge(true, 0), 0).message}};
  });
  BOOST_TEST(r["establish"] == "bridge 0x0e00 establishing with 0x0e80");
  BOOST_TEST(r["step_after_command"] == 602);
  BOOST_TEST(r["state"] == "established");
  BOOST_TEST(r["step"] == 614);
  BOOST_TEST(r["secondary_state"] == "established");
  BOOST_TEST(r["secondary_step"] == 612);
  const double us = r["established_us"];
  BOOST_TEST(us >= 5 * 102.0);
  BOOST_TEST(us <= 5 * 102.0 + 60);  // firmware steps and the 10 us polling of the test
  BOOST_TEST(r["query"] ==
             "bridge 0x0e00 primary side established (step 614); volume synchronization queue 0, "
             "0 of 16 slots awaiting status");
}

BOOST_AUTO_TEST_CASE(a_bridge_whose_secondary_side_is_not_defined_fails_at_step_604) {
  const json r = in_topology(small(1, 1), [](RemoteTopology& t) {
    t.primary_command(fw::kDefineBridge, data_bridge(true, 0), status_bridge(true, 0));
    t.primary_command(fw::kEstablishBridge, data_bridge(true, 0), data_bridge(false, 0),
                      {1, 0, status_bridge(false, 0)});
    const fw::BridgeState state = t.wait_bridge(0);
    return json{{"state", std::string(fw::to_string(state))},
                {"query", t.primary_command(fw::kQueryBridge, data_bridge(true, 0), 0).message}};
  });
  BOOST_TEST(r["state"] == "failed");
  BOOST_TEST(
      r["query"] ==
      "bridge 0x0e00 primary side failed (step 604): step 604: "
      "UPDATE_SECONDARY_DEVICE_STATUS refused: volume 0x0e80 is not a data bridge defined "
      "on the secondary side; volume synchronization queue 0, 0 of 16 slots awaiting status");
}

// Eight pairs queue behind one bridge (then two): at most one volume per
// bridge synchronizes at a time, the hosts write all volumes throughout,
// and every secondary ends equal to its primary, also after a suspend and
// resume cycle that goes through the bridge again.
BOOST_AUTO_TEST_CASE(volumes_synchronize_through_the_bridges_one_per_bridge_under_host_writes) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const uint32_t bridges = 1 + seed % 2;
    const json r = in_topology(small(8, bridges), [seed, bridges](RemoteTopology& t) {
      for (uint32_t k = 0; k < bridges; ++k) t.set_up_bridge(k, k + 1, k);
      for (uint32_t k = 0; k < bridges; ++k) t.wait_bridge(k);
      establish_pairs(t, 1);  // link 0 carries the full-duplex writes
      const uint64_t queued = t.primary_firmware().bridges().queued();
      bool stop = false;
      uint64_t writes = 0;
      sc_core::sc_spawn([&] { write_randomly(t, seed, stop, writes); });
      wait_full_duplex(t);
      const uint64_t during_copy = writes;
      wait(sc_core::sc_time(5, sc_core::SC_MS));
      t.primary_command(fw::kSuspendPair, primary_volume(3), 0);
      // Besides the random writes, one to each of three known tracks.
      std::vector<uint8_t> block(512);
      for (uint64_t track : {1, 5, 9}) {
        fill_user_block(block, primary_volume(3), track * 128, seed);
        t.primary().write(0, primary_volume(3), track * 128, 1, block);
      }
      wait(sc_core::sc_time(5, sc_core::SC_MS));
      const uint64_t marked = t.primary_firmware().pairs().out_of_sync_tracks(primary_volume(3));
      t.primary_command(fw::kResumePair, primary_volume(3), 0);
      wait_full_duplex(t);
      wait(sc_core::sc_time(2, sc_core::SC_MS));
      stop = true;
      wait(sc_core::sc_time(1, sc_core::SC_MS));
      const fw::BridgeStats& s = t.primary_firmware().bridges().stats();
      return json{{"queued", queued},
                  {"writes_during_copy", during_copy},
                  {"marked", marked},
                  {"at_ms", sc_core::sc_time_stamp().to_seconds() * 1e3},
                  {"synchronized", s.volumes_synchronized},
                  {"syncing_peak", s.syncing_peak},
                  {"rounds", s.rounds},
                  {"sent", s.tracks_sent},
                  {"records", s.status_records},
                  {"moved", t.secondary_firmware().bridges().stats().tracks_moved},
                  {"differing", differing(t)}};
    });
    BOOST_TEST_CONTEXT("seed " << seed << ", " << bridges << " bridges, " << r.dump()) {
      BOOST_TEST(r["queued"] == 8);
      BOOST_TEST(r["writes_during_copy"].get<int>() > 10);
      BOOST_TEST(r["marked"].get<int>() >= 3);
      BOOST_TEST(r["synchronized"] == 9);  // eight initial copies and one resync
      BOOST_TEST(r["syncing_peak"] == bridges);
      BOOST_TEST(r["rounds"].get<int>() > 9);  // writes during a round need another
      BOOST_TEST(r["sent"] == r["records"]);   // a status for every track sent
      BOOST_TEST(r["moved"] == r["sent"]);
      BOOST_TEST(r["differing"] == 0);
    }
  }
}

// The data bridge does not wait for status: by the time the first status
// block reaches the primary, many tracks are on their way.
BOOST_AUTO_TEST_CASE(status_returns_asynchronously_while_the_data_bridge_keeps_sending) {
  const json r = in_topology(small(1, 1), [](RemoteTopology& t) {
    t.set_up_bridge(0, 1, 0);
    t.wait_bridge(0);
    establish_pairs(t, 1);
    wait_full_duplex(t);
    const fw::BridgeStats& s = t.primary_firmware().bridges().stats();
    return json{{"sent_before_first_status", s.sent_before_first_status},
                {"status_blocks", s.status_blocks},
                {"records", s.status_records},
                {"sent", s.tracks_sent}};
  });
  BOOST_TEST(r["sent_before_first_status"].get<int>() >= 8);
  BOOST_TEST(r["sent"] == 40);
  BOOST_TEST(r["records"] == 40);
  BOOST_TEST(r["status_blocks"].get<int>() <= 40);  // records may travel together
}

BOOST_AUTO_TEST_CASE(bridge_volumes_refuse_host_writes_and_pairs) {
  const json r = in_topology(small(1, 1), [](RemoteTopology& t) {
    t.set_up_bridge(0, 1, 0);
    t.wait_bridge(0);
    std::vector<uint8_t> data(512, 7);
    t.primary_command(fw::kEstablishPath, 0, 0, {1, 0, 0});
    return json{
        {"write_data_bridge", t.primary().write(0, data_bridge(true, 0), 0, 1, data).message},
        {"write_secondary_status_bridge",
         t.secondary().write(0, status_bridge(false, 0), 0, 1, data).message},
        {"pair",
         t.primary_command(fw::kEstablishPair, data_bridge(true, 0), secondary_volume(0)).message}};
  });
  BOOST_TEST(r["write_data_bridge"].get<std::string>().find("it is a data bridge volume") !=
             std::string::npos);
  BOOST_TEST(r["write_secondary_status_bridge"].get<std::string>().find(
                 "it is a status bridge volume") != std::string::npos);
  BOOST_TEST(r["pair"] == "ESTABLISH_PAIR refused: volume 0x0e00 is a bridge volume");
}

// Every host bridge command in every state of the bridge: its transition or
// a status naming the state.
BOOST_AUTO_TEST_CASE(every_bridge_command_in_every_state) {
  const json r = in_topology(small(2, 1), [](RemoteTopology& t) {
    const uint16_t db = data_bridge(true, 0);
    const uint16_t sb = status_bridge(true, 0);
    json out = json::array();
    auto run = [&](const char* what, uint16_t code, uint16_t a, uint16_t b,
                   std::array<uint64_t, 3> p = {}) {
      const fw::CommandStatus s = t.primary_command(code, a, b, p);
      out.push_back(fmt::format("{}: {} {}", what, fw::to_string(s.result), s.message));
    };
    auto establish = [&](const char* what) {
      run(what, fw::kEstablishBridge, db, data_bridge(false, 0), {1, 0, status_bridge(false, 0)});
    };
    // not defined
    establish("undefined establish");
    run("undefined remove", fw::kRemoveBridge, db, 0);
    run("undefined query", fw::kQueryBridge, db, 0);
    run("define bad side", fw::kDefineBridge, db, sb, {2, 0, 0});
    run("define same volume", fw::kDefineBridge, db, db);
    run("define no volume", fw::kDefineBridge, 0x0777, sb);
    // defined
    run("define", fw::kDefineBridge, db, sb);
    run("defined define", fw::kDefineBridge, db, sb);
    run("defined bad link", fw::kEstablishBridge, db, data_bridge(false, 0), {9, 0, 0});
    // establishing (the secondary is not defined yet: it will fail)
    establish("establish");
    establish("establishing establish");
    run("establishing remove", fw::kRemoveBridge, db, 0);
    t.wait_bridge(0);
    run("failed query", fw::kQueryBridge, db, 0);
    establish("failed establish");
    run("failed remove", fw::kRemoveBridge, db, 0);
    wait(sc_core::sc_time(1, sc_core::SC_MS));  // the secondary hears of it
    // defined again, now with the secondary side defined: established
    t.secondary_command(fw::kDefineBridge, data_bridge(false, 0), status_bridge(false, 0),
                        {1, 0, 0});
    establish("establish again");
    t.wait_bridge(0);
    establish("established establish");
    run("established define", fw::kDefineBridge, db, sb);
    // established with a volume waiting and none other bridge: remove refused
    t.primary_command(fw::kEstablishPath, 0, 0, {1, 0, 0});
    t.primary_command(fw::kEstablishPair, primary_volume(0), secondary_volume(0));
    t.primary_command(fw::kEstablishPair, primary_volume(1), secondary_volume(1));
    run("established syncing remove", fw::kRemoveBridge, db, 0);
    wait_full_duplex(t);
    wait(sc_core::sc_time(1, sc_core::SC_MS));
    run("established remove", fw::kRemoveBridge, db, 0);
    wait(sc_core::sc_time(1, sc_core::SC_MS));  // its TCBs end
    run("defined remove", fw::kRemoveBridge, db, 0);
    run("removed query", fw::kQueryBridge, db, 0);
    wait(sc_core::sc_time(1, sc_core::SC_MS));
    out.push_back(
        fmt::format("secondary after remove: {}",
                    t.secondary_command(fw::kQueryBridge, data_bridge(false, 0), 0).message));
    return out;
  });
  const std::vector<std::string> expected = {
      "undefined establish: invalid state ESTABLISH_BRIDGE refused: volume 0x0e00 is not a "
      "defined bridge",
      "undefined remove: invalid state REMOVE_BRIDGE refused: volume 0x0e00 is not a defined "
      "bridge",
      "undefined query: ok volume 0x0e00 is not a bridge",
      "define bad side: bad parameter DEFINE_BRIDGE refused: side 2 is neither 0 (primary) nor 1 "
      "(secondary)",
      "define same volume: bad parameter DEFINE_BRIDGE refused: the data and status bridges must "
      "be two volumes, both are 0x0e00",
      "define no volume: bad parameter DEFINE_BRIDGE refused: no volume 0x0777",
      "define: ok bridge 0x0e00 defined, primary side, status bridge 0x0f00",
      "defined define: invalid state DEFINE_BRIDGE refused: volume 0x0e00 is a bridge volume "
      "already",
      "defined bad link: bad parameter ESTABLISH_BRIDGE refused: data link 9 does not exist (2 "
      "links)",
      "establish: ok bridge 0x0e00 establishing with 0x0e80",
      "establishing establish: invalid state ESTABLISH_BRIDGE refused: bridge 0x0e00 is "
      "establishing",
      "establishing remove: invalid state REMOVE_BRIDGE refused: bridge 0x0e00 is establishing",
      "failed query: ok bridge 0x0e00 primary side failed (step 604): step 604: "
      "UPDATE_SECONDARY_DEVICE_STATUS refused: volume 0x0e80 is not a data bridge defined on the "
      "secondary side; volume synchronization queue 0, 0 of 16 slots awaiting status",
      "failed establish: invalid state ESTABLISH_BRIDGE refused: bridge 0x0e00 is failed",
      "failed remove: ok bridge 0x0e00 removed: defined",
      "establish again: ok bridge 0x0e00 establishing with 0x0e80",
      "established establish: invalid state ESTABLISH_BRIDGE refused: bridge 0x0e00 is "
      "established",
      "established define: invalid state DEFINE_BRIDGE refused: volume 0x0e00 is a bridge volume "
      "already",
      "established syncing remove: invalid state REMOVE_BRIDGE refused: bridge 0x0e00 is the last "
      "bridge and 2 volumes wait for it",
      "established remove: ok bridge 0x0e00 removed: defined",
      "defined remove: ok bridge 0x0e00 no longer defined",
      "removed query: ok volume 0x0e00 is not a bridge",
      "secondary after remove: bridge 0x0e80 secondary side defined (step 600)",
  };
  BOOST_TEST(r.size() == expected.size());
  for (std::size_t i = 0; i < std::min(r.size(), expected.size()); ++i) {
    BOOST_TEST(r[i].get<std::string>() == expected[i]);
  }
}
