// Remote copy pairs on two arrays: initial copy under host writes,
// synchronous mirroring, suspend and resume copying exactly the tracks
// written meanwhile, a link failure suspending the pair without losing a
// write, and every pair command in every state.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/controller/controller.h"
#include "systemc/array/storage_array.h"
#include "systemc/hal/array_hardware.h"
#include "systemc/link_adapter/link_adapter.h"
#include "systemc/link_adapter/remote_commit.h"
#include "testbench/common/host_data.h"
#include "testbench/common/remote_topology.h"
#include "testbench/common/sc_fork.h"

using namespace copysim;
using namespace copysim::sc;
using copysim::testing::fill_user_block;
using copysim::testing::RemoteTopology;
using copysim::testing::RemoteTopologyConfig;
using copysim::testing::run_forked;
using nlohmann::json;

namespace {

constexpr uint32_t kBpt = 128;
constexpr uint32_t kTracks = 300;

json description(const char* device) {
  return json::parse(fmt::format(R"({{
    "cache": {{"slots": 1024}},
    "drives": 2,
    "parity_group": {{"raid": "raid1", "data_drives": 1}},
    "volumes": [{{"first_device": "{}", "count": 1, "model": "FBA", "tracks": {}}}]}})",
                                 device, kTracks));
}

// Two arrays, one 16GFC link of 10 km, the primary's firmware, and a body
// run as a host thread: it gets the pieces and returns JSON.
struct Topology {
  StorageArray primary{"primary", ArrayConfig::from_json(description("0x0100"))};
  StorageArray secondary{"secondary", ArrayConfig::from_json(description("0x0200"))};
  LinkAdapter adapter{"la", LinkAdapterConfig{}, primary.cache()};
  FcLink link{"link0", [] {
                FcLinkConfig c;
                c.distance_km = 10;
                return c;
              }()};
  ArrayHardware hw{"hw", primary, &adapter_ready()};
  fw::Controller controller{hw, fw::ControllerConfig{}};

  LinkAdapter& adapter_ready() {
    adapter.add_path(link, commit_to(secondary));
    return adapter;
  }
  Topology() {
    hw.secondary_write_protect = [this](uint16_t device, bool on) {
      secondary.set_write_protected(device, on, "it is the secondary of a remote copy pair");
    };
    hw.run_firmware(controller.dispatcher());
    hw.observe_host_writes(controller.pairs());
  }
  fw::CommandStatus command(uint16_t code, uint64_t p0 = 0) {
    return controller.command(fw::CommandBlock{code, 0x0100, 0x0200, {p0, 0, 0}});
  }
  void wait_state(fw::PairState s) {
    while (controller.pairs().state(0x0100) != s) wait(sc_core::sc_time(100, sc_core::SC_US));
  }
  // Tracks whose user data differ between the two volumes.
  uint64_t differing_tracks() {
    uint64_t n = 0;
    std::vector<uint8_t> a(kBpt * 512), b(kBpt * 512);
    for (uint32_t t = 0; t < kTracks; ++t) {
      const IoStatus ra = primary.read(0, 0x0100, t * kBpt, kBpt, a);
      const IoStatus rb = secondary.read(0, 0x0200, t * kBpt, kBpt, b);
      n += !(ra.ok() && rb.ok() && a == b);
    }
    return n;
  }
};

json in_topology(const std::function<json(Topology&)>& body) {
  return json::parse(run_forked([&] {
    Topology t;
    json out;
    sc_core::sc_spawn([&] { out = body(t); });
    sc_core::sc_start();
    return out.dump();
  }));
}

// Random writes of 1 to 16 blocks on the primary until `stop` is set.
void write_randomly(Topology& t, uint64_t seed, const bool& stop, uint64_t& writes) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> data(16 * 512);
  while (!stop) {
    const auto n = static_cast<uint32_t>(1 + rng() % 16);
    const uint64_t block = rng() % (kTracks * kBpt - n);
    for (uint32_t k = 0; k < n; ++k) {
      fill_user_block(std::span(data).subspan(k * 512, 512), 0x0100, block + k, rng() | 1);
    }
    if (!t.primary.write(0, 0x0100, block, n, std::span(data).first(n * 512)).ok()) {
      throw std::runtime_error("host write failed");
    }
    ++writes;
    wait(sc_core::sc_time(double(50 + rng() % 200), sc_core::SC_US));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(
    initial_copy_and_a_suspend_resume_cycle_under_host_writes_leave_the_secondary_equal) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const json r = in_topology([seed](Topology& t) {
      t.command(fw::kEstablishPath);
      const fw::CommandStatus s = t.command(fw::kEstablishPair);
      bool stop = false;
      uint64_t writes = 0;
      sc_core::sc_spawn([&] { write_randomly(t, seed, stop, writes); });
      t.wait_state(fw::PairState::full_duplex);
      const uint64_t during_copy = writes;
      wait(sc_core::sc_time(20, sc_core::SC_MS));  // writes mirrored synchronously now
      // A suspend/resume cycle with the writes going on.
      t.command(fw::kSuspendPair);
      wait(sc_core::sc_time(10, sc_core::SC_MS));
      const uint64_t marked = t.controller.pairs().out_of_sync_tracks(0x0100);
      t.command(fw::kResumePair);
      t.wait_state(fw::PairState::full_duplex);
      wait(sc_core::sc_time(5, sc_core::SC_MS));
      stop = true;
      wait(sc_core::sc_time(1, sc_core::SC_MS));
      return json{{"establish", s.message},
                  {"writes_during_copy", during_copy},
                  {"marked_while_suspended", marked},
                  {"writes", writes},
                  {"mirrored", t.controller.pairs().mirrored_writes()},
                  {"differing", t.differing_tracks()},
                  {"state", std::string(fw::to_string(t.controller.pairs().state(0x0100)))}};
    });
    BOOST_TEST_CONTEXT("seed " << seed) {
      BOOST_TEST(r["establish"] == "pair 0x0100 -> 0x0200 duplex pending");
      BOOST_TEST(r["writes_during_copy"].get<int>() > 10);
      BOOST_TEST(r["mirrored"].get<int>() > 10);
      BOOST_TEST(r["marked_while_suspended"].get<int>() > 5);
      BOOST_TEST(r["differing"] == 0);
      BOOST_TEST(r["state"] == "full duplex");
    }
  }
}

BOOST_AUTO_TEST_CASE(resume_copies_exactly_the_tracks_written_while_suspended) {
  const json r = in_topology([](Topology& t) {
    t.command(fw::kEstablishPath);
    t.command(fw::kEstablishPair, 1);  // both volumes freshly formatted: known equal
    t.command(fw::kSuspendPair);
    std::mt19937_64 rng(5);
    std::set<uint64_t> tracks;
    std::vector<uint8_t> data(8 * 512, 0x3c);
    while (tracks.size() < 37) {
      const uint64_t track = rng() % kTracks;
      tracks.insert(track);
      t.primary.write(0, 0x0100, track * kBpt + rng() % 100, 8, data);
    }
    const uint64_t marked = t.controller.pairs().out_of_sync_tracks(0x0100);
    const fw::CommandStatus resumed = t.command(fw::kResumePair);
    t.wait_state(fw::PairState::full_duplex);
    return json{{"marked", marked},
                {"resumed", resumed.message},
                {"copied", t.controller.pairs().last_copy(0x0100)->tracks_copied()},
                {"differing", t.differing_tracks()}};
  });
  BOOST_TEST(r["marked"] == 37);
  BOOST_TEST(r["resumed"] == "pair 0x0100 duplex pending: 37 tracks to copy");
  BOOST_TEST(r["copied"] == 37);
  BOOST_TEST(r["differing"] == 0);
}

// In full duplex a write waits for the secondary: the difference to the same
// write in simplex is one seed 001 remote write of its 8 blocks plus the
// firmware's mirror step and the DMA gather.
BOOST_AUTO_TEST_CASE(a_full_duplex_write_costs_the_local_write_plus_one_remote_write) {
  const json r = in_topology([](Topology& t) {
    std::vector<uint8_t> data(8 * 512, 0x11);
    t.primary.write(0, 0x0100, 1000, 8, data);  // stage nothing later: the track is in cache
    const double simplex = t.primary.write(0, 0x0100, 1000, 8, data).response.to_seconds();
    t.command(fw::kEstablishPath);
    t.command(fw::kEstablishPair, 1);
    const double duplex = t.primary.write(0, 0x0100, 1000, 8, data).response.to_seconds();
    return json{{"simplex_us", simplex * 1e6}, {"duplex_us", duplex * 1e6}};
  });
  const double rate = 14.025e9 * 64 / 66 / 8;
  auto frame_us = [&](double payload) { return (payload + 60) / rate * 1e6; };
  const double bytes = 8 * 520;  // 4,160: frames of 2,048, 2,048 and 64
  const double remote = frame_us(48) + frame_us(2048) * 2 + frame_us(64)  // command and data
                        + 50                                              // propagation
                        + 2.0 + 10.0 + 0.2 + (65 + 8) * 0.004  // secondary: decode, write
                        + frame_us(24) + 50;                   // status back
  const double firmware = 0.2 + 3.0 + 0.2;  // switch to the mirror TCB, its step, switch back
  const double dma = (65 + 8) * 0.004 + (130 + 16) * 0.004;  // cache port, DMA bus
  const double expected = r["simplex_us"].get<double>() + firmware + dma + remote;
  BOOST_TEST_MESSAGE("simplex " << r["simplex_us"] << " us, full duplex " << r["duplex_us"]
                                << " us, expected " << expected);
  BOOST_TEST(r["duplex_us"].get<double>() == expected, boost::test_tools::tolerance(0.01));
  (void)bytes;
}

BOOST_AUTO_TEST_CASE(a_link_failure_suspends_the_pair_which_resumes_when_the_link_returns) {
  const json r = in_topology([](Topology& t) {
    t.command(fw::kEstablishPath);
    t.command(fw::kEstablishPair, 1);
    std::vector<uint8_t> data(8 * 512, 0x77);
    t.link.set_up(false);
    const IoStatus w = t.primary.write(0, 0x0100, 5 * kBpt, 8, data);
    const std::string suspended = t.command(fw::kQueryPair).message;
    // Still down at the first retry (10 ms): the resync fails and waits again.
    wait(sc_core::sc_time(15, sc_core::SC_MS));
    const std::string still = t.command(fw::kQueryPair).message;
    t.link.set_up(true);
    const sc_core::sc_time up = sc_core::sc_time_stamp();
    t.wait_state(fw::PairState::full_duplex);  // resumed by itself
    return json{{"write", std::string(to_string(w.result))},
                {"suspended", suspended},
                {"still", still},
                {"back_after_ms", (sc_core::sc_time_stamp() - up).to_seconds() * 1e3},
                {"differing", t.differing_tracks()}};
  });
  BOOST_TEST(r["write"] == "ok");  // the host's write completes locally
  BOOST_TEST(r["suspended"] ==
             "volume 0x0100 suspended with 0x0200 (by link failure); 1 tracks out of sync");
  BOOST_TEST(r["still"] ==
             "volume 0x0100 suspended with 0x0200 (by link failure); 1 tracks out of sync");
  BOOST_TEST(r["back_after_ms"].get<double>() <= 21.0);  // within two retry intervals
  BOOST_TEST(r["differing"] == 0);
}

BOOST_AUTO_TEST_CASE(every_pair_command_in_every_state) {
  const json r = in_topology([](Topology& t) {
    json out = json::array();
    auto say = [&](uint16_t code, uint64_t p0 = 0) {
      const fw::CommandStatus s = t.command(code, p0);
      out.push_back({std::string(fw::to_string(s.result)), s.message});
    };
    // simplex, no path
    say(fw::kEstablishPair);
    say(fw::kSuspendPair);
    say(fw::kResumePair);
    say(fw::kTerminatePair);
    say(fw::kRemovePath);
    say(fw::kEstablishPath, 4);  // a link the array does not have
    say(fw::kEstablishPath);
    say(fw::kEstablishPath);
    // full duplex
    say(fw::kEstablishPair, 1);
    say(fw::kEstablishPair, 1);
    say(fw::kResumePair);
    say(fw::kRemovePath);
    // suspended
    say(fw::kSuspendPair);
    say(fw::kSuspendPair);
    say(fw::kEstablishPair);
    say(fw::kQueryPair);
    // duplex pending
    say(fw::kResumePair);
    say(fw::kResumePair);
    say(fw::kEstablishPair);
    t.wait_state(fw::PairState::full_duplex);
    say(fw::kTerminatePair);
    say(fw::kQueryPair);
    say(fw::kRemovePath);
    say(fw::kRemovePath);
    return out;
  });
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"invalid state", "ESTABLISH_PAIR refused: no path is established"},
      {"invalid state", "SUSPEND_PAIR refused: volume 0x0100 is simplex"},
      {"invalid state", "RESUME_PAIR refused: volume 0x0100 is simplex"},
      {"invalid state", "TERMINATE_PAIR refused: volume 0x0100 is simplex"},
      {"invalid state", "REMOVE_PATH refused: no path is established"},
      {"bad parameter",
       "ESTABLISH_PATH refused: link mask 4 names links the array does not have (1)"},
      {"ok", "path established over link mask 1"},
      {"invalid state", "ESTABLISH_PATH refused: a path is established"},
      {"ok", "pair 0x0100 -> 0x0200 full duplex"},
      {"invalid state", "ESTABLISH_PAIR refused: volume 0x0100 is full duplex"},
      {"invalid state", "RESUME_PAIR refused: volume 0x0100 is full duplex"},
      {"invalid state", "REMOVE_PATH refused: 1 pairs use the path"},
      {"ok", "pair 0x0100 suspended"},
      {"invalid state", "SUSPEND_PAIR refused: volume 0x0100 is suspended"},
      {"invalid state", "ESTABLISH_PAIR refused: volume 0x0100 is suspended"},
      {"ok", "volume 0x0100 suspended with 0x0200 (by command); 0 tracks out of sync"},
      {"ok", "pair 0x0100 duplex pending: 0 tracks to copy"},
      {"invalid state", "RESUME_PAIR refused: volume 0x0100 is duplex pending"},
      {"invalid state", "ESTABLISH_PAIR refused: volume 0x0100 is duplex pending"},
      {"ok", "pair 0x0100 terminated: simplex"},
      {"ok", "volume 0x0100 simplex"},
      {"ok", "path removed"},
      {"invalid state", "REMOVE_PATH refused: no path is established"},
  };
  BOOST_REQUIRE(r.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST(r[i][0] == expected[i].first, "command " << i << ": " << r[i]);
    BOOST_TEST(r[i][1] == expected[i].second, "command " << i << ": " << r[i]);
  }
}

BOOST_AUTO_TEST_CASE(host_writes_to_a_secondary_volume_are_refused_while_it_is_in_a_pair) {
  const json r = in_topology([](Topology& t) {
    std::vector<uint8_t> data(8 * 512, 0x42);
    json out = json::array();
    auto write_secondary = [&] {
      const IoStatus s = t.secondary.write(0, 0x0200, 64, 8, data);
      out.push_back({std::string(to_string(s.result)), s.message});
    };
    write_secondary();  // simplex: allowed
    t.command(fw::kEstablishPath);
    t.command(fw::kEstablishPair, 1);
    write_secondary();
    t.command(fw::kSuspendPair);
    write_secondary();  // still the pair's secondary while suspended
    t.command(fw::kTerminatePair);
    write_secondary();
    return out;
  });
  BOOST_TEST(r[0][0] == "ok");
  BOOST_TEST(r[1][0] == "write protected");
  BOOST_TEST(r[1][1] ==
             "device 0x0200 refuses host writes: it is the secondary of a remote copy pair");
  BOOST_TEST(r[2][0] == "write protected");
  BOOST_TEST(r[3][0] == "ok");
}

BOOST_AUTO_TEST_CASE(terminating_a_pair_mid_copy_lets_the_copy_end_then_frees_everything) {
  const json r = in_topology([](Topology& t) {
    t.command(fw::kEstablishPath);
    t.command(fw::kEstablishPair);
    wait(sc_core::sc_time(2, sc_core::SC_MS));  // the initial copy is under way
    t.link.set_up(false);                       // and its sends in flight fail
    const std::string terminated = t.command(fw::kTerminatePair).message;
    // Data movers still staging their tracks from the drives send them before
    // they see the stop: the copy ends when the last of them is done, and
    // until then the secondary stays protected.
    const bool ending = t.controller.masters().in_use() > 0;
    const bool protected_while_ending =
        t.secondary.write(0, 0x0200, 0, 8, std::vector<uint8_t>(8 * 512)).result ==
        IoResult::write_protected;
    wait(sc_core::sc_time(30, sc_core::SC_MS));
    t.link.set_up(true);
    while (t.controller.masters().in_use() > 0) wait(sc_core::sc_time(1, sc_core::SC_MS));
    std::vector<uint8_t> data(8 * 512, 0x42);
    const IoStatus w = t.secondary.write(0, 0x0200, 0, 8, data);
    const auto& tables = t.primary.shared_memory().tables();
    const auto bitmaps = tables.find("pair change bitmaps");
    return json{{"terminated", terminated},
                {"state", std::string(fw::to_string(t.controller.pairs().state(0x0100)))},
                {"bitmap_bytes", bitmaps == tables.end() ? 0 : bitmaps->second},
                {"secondary_write", std::string(to_string(w.result))},
                {"masters", t.controller.masters().in_use()},
                {"movers", t.controller.data_movers().in_use()},
                {"ending", ending},
                {"protected_while_ending", protected_while_ending}};
  });
  BOOST_TEST(r["terminated"] == "pair 0x0100 terminated: simplex");
  BOOST_TEST(r["state"] == "simplex");
  BOOST_TEST(r["ending"].get<bool>());
  BOOST_TEST(r["protected_while_ending"].get<bool>());  // the copy still writes there
  BOOST_TEST(r["bitmap_bytes"] == 0);
  BOOST_TEST(r["secondary_write"] == "ok");
  BOOST_TEST(r["masters"] == 0);
  BOOST_TEST(r["movers"] == 0);
}

// Two links: link 0 fails during the initial copy and stays down. The copy
// and then the full-duplex writes move to link 1; the pair never suspends,
// and the secondary ends equal.
BOOST_AUTO_TEST_CASE(a_link_failure_with_another_link_up_moves_the_traffic_to_it) {
  RemoteTopologyConfig c;
  c.links = 2;
  c.return_links = 0;
  c.tracks = 100;
  const json r = json::parse(run_forked([&] {
    RemoteTopology t(c);
    json out;
    sc_core::sc_spawn([&] {
      const uint16_t p = copysim::testing::primary_volume(0);
      t.primary_command(fw::kEstablishPath, 0, 0);
      t.primary_command(fw::kEstablishPair, p, copysim::testing::secondary_volume(0));
      bool suspended = false;
      auto& path0 = t.forward_adapter().path(0);
      auto& path1 = t.forward_adapter().path(1);
      for (int i = 0; i < 100 && (path0.stats().commits == 0 || path1.stats().commits == 0); ++i) {
        wait(sc_core::sc_time(100, sc_core::SC_US));
      }
      const uint64_t on0_before = path0.stats().commits;
      const uint64_t on1_before = path1.stats().commits;
      t.link(0).set_up(false);
      const uint64_t on0_down = path0.stats().commits;
      std::mt19937_64 rng(7);
      std::vector<uint8_t> data(8 * 512);
      uint64_t writes = 0;
      // Writes during the rest of the copy, then 200 in full duplex.
      for (int in_full_duplex = 0; in_full_duplex < 200;) {
        in_full_duplex += t.primary_firmware().pairs().state(p) == fw::PairState::full_duplex;
        const uint64_t block = rng() % (c.tracks * 128 - 8);
        for (uint32_t k = 0; k < 8; ++k) {
          fill_user_block(std::span(data).subspan(k * 512, 512), p, block + k, rng() | 1);
        }
        if (!t.primary().write(0, p, block, 8, data).ok()) throw std::runtime_error("write failed");
        if (++writes > 5000) throw std::runtime_error("no full duplex after 5000 writes");
        suspended |= t.primary_firmware().pairs().state(p) == fw::PairState::suspended;
        // Slower while the copy runs, so that it can catch up.
        wait(sc_core::sc_time(in_full_duplex > 0 ? 100 : 1000, sc_core::SC_US));
      }
      out = {{"on0_before", on0_before},
             {"on1_before", on1_before},
             {"on0_after", path0.stats().commits - on0_down},
             {"on1_after", path1.stats().commits - on1_before},
             {"mirrored", t.primary_firmware().pairs().mirrored_writes()},
             {"suspended", suspended},
             {"differing", t.differing_tracks(0)}};
      sc_core::sc_stop();
    });
    sc_core::sc_start();
    return out.dump();
  }));
  BOOST_TEST_CONTEXT(r.dump()) {
    BOOST_TEST(r["on0_before"].get<int>() > 0);  // the copy was using link 0
    BOOST_TEST(r["on0_after"] == 0);             // nothing more on the failed link
    BOOST_TEST(r["on1_after"].get<int>() > 100);
    BOOST_TEST(r["mirrored"].get<int>() >= 199);
    BOOST_TEST(r["suspended"] == false);
    BOOST_TEST(r["differing"] == 0);
  }
}
