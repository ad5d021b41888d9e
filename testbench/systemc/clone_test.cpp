// Clone sessions (seed 003) on one array with its firmware: an activated
// destination is the source as it was at ACTIVATE while hosts keep writing
// to the source and use the destination, precopy leaves only recently
// written tracks for after ACTIVATE, ACTIVATE costs the same on any volume
// size, the PB columns run out cleanly, the extent bit check, and every
// command in every state.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <random>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbench/common/local_topology.h"

using namespace copysim;
using namespace copysim::testing;
using nlohmann::json;

namespace {

const uint16_t SRC = local_volume(0);
const uint16_t DST = local_volume(1);

void wait_clone(LocalTopology& t, uint16_t destination, fw::CloneState want) {
  while (t.firmware().clones().state(destination) != want) {
    wait(sc_core::sc_time(100, sc_core::SC_US));
  }
}

std::string result(const fw::CommandStatus& s) { return std::string(to_string(s.result)); }

// One seed: a session (precopy or not, whole volume or two extents),
// random source writes throughout, ACTIVATE at a random instant, then host
// reads and writes on the destination while the background copy runs.
json activate_under_writes(uint64_t seed) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = 32;
  return in_local_topology(c, [seed](LocalTopology& t) {
    std::mt19937_64 rng(seed);
    json out;
    const uint32_t bpt = t.blocks_per_track(SRC);
    const auto blocks = static_cast<uint32_t>(t.blocks(SRC));
    std::vector<uint8_t> expected;  // the destination as hosts must see it
    const bool precopy = rng() % 4 != 0;
    std::vector<std::pair<uint64_t, uint64_t>> extents;  // empty: whole volume
    if (rng() % 3 == 0) extents = {{2 + rng() % 5, 3 + rng() % 6}, {16 + rng() % 4, 2 + rng() % 8}};
    t.firmware().clones().history().observe([&](const fw::HistoryEntry& e) {
      if (e.event != "point in time") return;
      expected = t.array().peek(SRC, 0, blocks);
      if (extents.empty()) return;
      // Outside the extents the destination keeps what it had: never written.
      std::vector<bool> in(t.blocks(SRC) / bpt, false);
      for (auto [f, n] : extents) {
        for (uint64_t k = f; k < f + n; ++k) in[k] = true;
      }
      for (uint64_t b = 0; b < blocks; ++b) {
        if (!in[b / bpt]) std::fill_n(expected.begin() + std::ptrdiff_t(b * 512), 512, 0);
      }
    });
    std::array<uint64_t, 3> p{precopy ? 1u : 0u, 0, 0};
    for (std::size_t i = 0; i < extents.size(); ++i) {
      p[i + 1] = fw::clone_extent(uint32_t(extents[i].first), uint32_t(extents[i].second));
    }
    auto s = t.command(fw::kCreateClone, SRC, DST, p);
    if (!s.ok()) throw std::runtime_error(s.message);
    bool stop = false;
    int running = 2;
    for (int w = 0; w < 2; ++w) {
      sc_core::sc_spawn([&, w] {
        std::mt19937_64 r(seed * 11 + w);
        while (!stop) {
          const auto n = static_cast<uint32_t>(1 + r() % 40);
          if (!t.write(1 + w, SRC, r() % (blocks - n), n, r() | 1).ok()) {
            throw std::runtime_error("source write failed");
          }
          wait(sc_core::sc_time(double(50 + r() % 250), sc_core::SC_US));
        }
        --running;
      });
    }
    wait(sc_core::sc_time(double(1 + rng() % 30), sc_core::SC_MS));
    s = t.command(fw::kActivateClone, SRC, DST);
    if (!s.ok()) throw std::runtime_error(s.message);
    // The destination at once: reads of its first half must already show
    // the point in time; writes to its second half are the hosts' own.
    uint64_t dest_reads = 0, bad_dest_reads = 0;
    std::vector<uint8_t> data(40 * 512);
    while (t.firmware().clones().state(DST) == fw::CloneState::active) {
      const auto n = static_cast<uint32_t>(1 + rng() % 20);
      if (rng() % 2 == 0) {
        const uint64_t b = rng() % (blocks / 2 - n);
        const auto r = t.array().read(3, DST, b, n, std::span(data).first(n * 512));
        ++dest_reads;
        bad_dest_reads += !r.ok() || !std::equal(data.begin(), data.begin() + n * 512,
                                                 expected.begin() + std::ptrdiff_t(b * 512));
      } else {
        const uint64_t b = blocks / 2 + rng() % (blocks / 2 - n);
        const uint64_t version = rng() | 1;
        if (!t.write(3, DST, b, n, version).ok()) throw std::runtime_error("dest write failed");
        for (uint32_t i = 0; i < n; ++i) {
          fill_user_block(std::span(expected).subspan((b + i) * 512, 512), DST, b + i, version);
        }
      }
      wait(sc_core::sc_time(double(100 + rng() % 400), sc_core::SC_US));
    }
    stop = true;
    while (running > 0) wait(sc_core::sc_time(100, sc_core::SC_US));
    std::string error;
    const auto dest = t.read_volume(DST, &error);
    uint64_t differing = 0;
    for (std::size_t i = 0; i < expected.size() && dest.size() == expected.size(); i += 512) {
      differing +=
          !std::equal(dest.begin() + std::ptrdiff_t(i), dest.begin() + std::ptrdiff_t(i + 512),
                      expected.begin() + std::ptrdiff_t(i));
    }
    const auto info = *t.firmware().clones().session(DST);
    out = {{"read_error", error},
           {"differing_blocks", dest.size() == expected.size() ? differing : ~uint64_t{0}},
           {"dest_reads", dest_reads},
           {"bad_dest_reads", bad_dest_reads},
           {"copy_before_writes", info.copy_before_writes},
           {"fetches", info.fetches},
           {"terminate", result(t.command(fw::kTerminateClone, SRC, DST))}};
    return out;
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(activated_destination_is_the_source_at_activate_under_random_writes) {
  uint64_t with_copy_before_write = 0, with_fetch = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const json r = activate_under_writes(seed);
    BOOST_TEST_CONTEXT("seed " << seed << ": " << r.dump()) {
      BOOST_TEST(r["read_error"].get<std::string>() == "");
      BOOST_TEST(r["differing_blocks"].get<uint64_t>() == 0u);
      BOOST_TEST(r["bad_dest_reads"].get<uint64_t>() == 0u);
      BOOST_TEST(r["terminate"].get<std::string>() == "ok");
    }
    with_copy_before_write += r["copy_before_writes"].get<uint64_t>() > 0;
    with_fetch += r["fetches"].get<uint64_t>() > 0;
  }
  // Both intercepts were really exercised.
  BOOST_TEST(with_copy_before_write > 50u);
  BOOST_TEST(with_fetch > 50u);
}

// Seed 003's example: 1,000 tracks, writes hitting 100 of them, precopied
// before ACTIVATE.
BOOST_AUTO_TEST_CASE(precopy_leaves_only_hot_tracks_written_since_their_precopy) {
  LocalTopologyConfig c;
  c.volumes = 4;
  c.tracks = 1000;
  c.cache_slots = 2048;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    const uint32_t bpt = t.blocks_per_track(SRC);
    std::set<uint64_t> written_after_pass;
    bool stop = false, pass_done = false;
    sc_core::sc_spawn([&] {
      std::mt19937_64 rng(3);
      while (!stop) {
        const uint64_t track = 100 + 9 * (rng() % 100);  // 100 hot tracks
        t.write(1, SRC, track * bpt + rng() % bpt, 1, rng() | 1);
        if (pass_done) written_after_pass.insert(track);
        wait(sc_core::sc_time(double(200 + rng() % 800), sc_core::SC_US));
      }
    });
    t.command(fw::kCreateClone, SRC, DST, {1, 0, 0});
    while (t.firmware().clones().session(DST)->precopy_passes == 0) {
      wait(sc_core::sc_time(100, sc_core::SC_US));
    }
    pass_done = true;
    wait(sc_core::sc_time(50, sc_core::SC_MS));
    // A precopy pass can keep up with this write rate: one more hot write
    // just before ACTIVATE leaves at least one track for after it.
    t.write(1, SRC, 100 * bpt, 1, 0x5eed);
    written_after_pass.insert(100);
    const uint64_t precopied = t.firmware().clones().session(DST)->precopied;
    t.command(fw::kActivateClone, SRC, DST);
    wait_clone(t, DST, fw::CloneState::copied);
    stop = true;
    const auto info = *t.firmware().clones().session(DST);
    out["precopied"] = precopied;
    out["copied_after_activate"] = info.copied_after_activate;
    out["hot_written_after_first_pass"] = written_after_pass.size();

    // Without precopy, everything is copied after ACTIVATE.
    const uint16_t src2 = local_volume(2), dst2 = local_volume(3);
    t.command(fw::kActiveCopyClone, src2, dst2);
    wait_clone(t, dst2, fw::CloneState::copied);
    out["no_precopy_copied_after_activate"] =
        t.firmware().clones().session(dst2)->copied_after_activate;
    return out;
  });
  BOOST_TEST_MESSAGE("seed 003 example: " << r.dump());
  BOOST_TEST(r["precopied"].get<uint64_t>() >= 1000u);
  BOOST_TEST(r["copied_after_activate"].get<uint64_t>() > 0u);
  BOOST_TEST(r["copied_after_activate"].get<uint64_t>() <=
             r["hot_written_after_first_pass"].get<uint64_t>());
  BOOST_TEST(r["hot_written_after_first_pass"].get<uint64_t>() <= 100u);
  BOOST_TEST(r["no_precopy_copied_after_activate"].get<uint64_t>() == 1000u);
}

BOOST_AUTO_TEST_CASE(activate_response_does_not_grow_with_volume_size) {
  json r;
  for (uint64_t tracks : {1000u, 100000u}) {
    LocalTopologyConfig c;
    c.volumes = 2;
    c.tracks = tracks;
    r[std::to_string(tracks)] = in_local_topology(c, [](LocalTopology& t) {
      uint64_t create_ps = 0, activate_ps = 0;
      const auto a = t.command(fw::kCreateClone, SRC, DST, {}, &create_ps);
      const auto b = t.command(fw::kActivateClone, SRC, DST, {}, &activate_ps);
      return json{{"create", result(a)},
                  {"activate", result(b)},
                  {"create_us", double(create_ps) / 1e6},
                  {"activate_us", double(activate_ps) / 1e6}};
    });
  }
  BOOST_TEST_MESSAGE("command response: " << r.dump());
  BOOST_TEST(r["1000"]["activate"].get<std::string>() == "ok");
  BOOST_TEST(r["100000"]["activate"].get<std::string>() == "ok");
  // ACTIVATE flips flags: the same time on any size, but for the status
  // message, whose track count has more digits (a few bytes at 16GFC, under
  // 10 ns). CREATE sets a bit per track, so the measurement does see size
  // where there is work.
  BOOST_TEST(std::abs(r["100000"]["activate_us"].get<double>() -
                      r["1000"]["activate_us"].get<double>()) < 0.01);
  BOOST_TEST(r["100000"]["create_us"].get<double>() > 10 * r["1000"]["create_us"].get<double>());
}

BOOST_AUTO_TEST_CASE(running_out_of_pb_columns_is_refused_and_changes_nothing) {
  LocalTopologyConfig c;
  c.volumes = 20;
  c.tracks = 16;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    // 7 sessions with precopy (14 columns), one without (15), one more (16).
    for (uint32_t i = 1; i <= 7; ++i) t.command(fw::kCreateClone, SRC, local_volume(i), {1, 0, 0});
    out["eighth_with_precopy"] = result(t.command(fw::kCreateClone, SRC, local_volume(8)));
    out["ninth"] = result(t.command(fw::kCreateClone, SRC, local_volume(9)));
    const auto refused = t.command(fw::kCreateClone, SRC, local_volume(10), {1, 0, 0});
    out["refused"] = {result(refused), refused.message};
    out["refused_state"] = std::string(to_string(t.firmware().clones().state(local_volume(10))));
    out["refused_dest_write"] =
        std::string(to_string(t.write(0, local_volume(10), 0, 1, 1).result));
    const auto precopy = t.command(fw::kPrecopyClone, SRC, local_volume(9));
    out["precopy_without_column"] = {result(precopy), precopy.message};
    out["terminated"] = result(t.command(fw::kTerminateClone, SRC, local_volume(9)));
    out["after_release"] = result(t.command(fw::kCreateClone, SRC, local_volume(10)));
    return out;
  });
  BOOST_TEST(r["eighth_with_precopy"].get<std::string>() == "ok");
  BOOST_TEST(r["ninth"].get<std::string>() == "ok");
  BOOST_TEST(r["refused"][0].get<std::string>() == "no resources");
  BOOST_TEST(r["refused"][1].get<std::string>().find("PB columns") != std::string::npos);
  BOOST_TEST(r["refused_state"].get<std::string>() == "no session");
  BOOST_TEST(r["refused_dest_write"].get<std::string>() == "ok");
  BOOST_TEST(r["precopy_without_column"][0].get<std::string>() == "no resources");
  BOOST_TEST(r["terminated"].get<std::string>() == "ok");
  BOOST_TEST(r["after_release"].get<std::string>() == "ok");
}

BOOST_AUTO_TEST_CASE(extent_tracks_with_both_pb_bits_set_fail_the_precopy) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = 64;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    t.command(fw::kCreateClone, SRC, DST, {0, fw::clone_extent(4, 4), fw::clone_extent(40, 8)});
    out["overlap"] = result(t.command(fw::kAddCloneExtent, SRC, DST, {fw::clone_extent(6, 4)}));
    out["outside"] = result(t.command(fw::kAddCloneExtent, SRC, DST, {fw::clone_extent(60, 8)}));
    out["added"] = result(t.command(fw::kAddCloneExtent, SRC, DST, {fw::clone_extent(20, 2)}));
    out["to_copy"] = t.firmware().clones().session(DST)->tracks_to_copy;
    t.command(fw::kPrecopyClone, SRC, DST);
    const auto info = *t.firmware().clones().session(DST);
    // Track 44 is in an extent and not yet precopied: clone PB set. Setting
    // its precopy PB too is the inconsistency the seed checks for.
    t.firmware().clones().set_pb_bit_for_test(SRC, 44, info.precopy_column);
    while (t.firmware().clones().session(DST)->os_copy.op_status != fw::CloneOpStatus::failed) {
      wait(sc_core::sc_time(100, sc_core::SC_US));
    }
    out["error"] = t.firmware().clones().session(DST)->error;
    out["precopied"] = t.firmware().clones().session(DST)->precopied;
    out["activate_failed"] = result(t.command(fw::kActivateClone, SRC, DST));
    out["terminate_failed"] = result(t.command(fw::kTerminateClone, SRC, DST));
    return out;
  });
  BOOST_TEST(r["overlap"].get<std::string>() == "bad parameter");
  BOOST_TEST(r["outside"].get<std::string>() == "bad parameter");
  BOOST_TEST(r["added"].get<std::string>() == "ok");
  BOOST_TEST(r["to_copy"].get<uint64_t>() == 14u);
  BOOST_TEST(r["error"].get<std::string>() ==
             "track 44: both the clone and the precopy PB bits are set");
  BOOST_TEST(r["precopied"].get<uint64_t>() == 10u);  // tracks 4..7, 20..21 and 40..43
  BOOST_TEST(r["activate_failed"].get<std::string>() == "invalid state");
  BOOST_TEST(r["terminate_failed"].get<std::string>() == "ok");
}

BOOST_AUTO_TEST_CASE(every_clone_command_in_every_state) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = 400;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    using fw::CloneState;
    const std::vector<std::pair<uint16_t, std::string>> commands = {
        {fw::kCreateClone, "create"},       {fw::kPrecopyClone, "precopy"},
        {fw::kActivateClone, "activate"},   {fw::kActiveCopyClone, "active copy"},
        {fw::kTerminateClone, "terminate"}, {fw::kQueryClone, "query"},
        {fw::kAddCloneExtent, "add extent"}};
    auto reach = [&](CloneState want) {
      if (t.firmware().clones().state(DST) == CloneState::active) {
        wait_clone(t, DST, CloneState::copied);
      }
      t.command(fw::kTerminateClone, SRC, DST);
      if (want == CloneState::none) return;
      t.command(fw::kCreateClone, SRC, DST, {want == CloneState::precopy ? 1u : 0u, 0, 0});
      if (want == CloneState::active || want == CloneState::copied) {
        t.command(fw::kActivateClone, SRC, DST);
      }
      if (want == CloneState::copied) wait_clone(t, DST, CloneState::copied);
    };
    json out;
    for (auto st : {CloneState::none, CloneState::created, CloneState::precopy, CloneState::active,
                    CloneState::copied}) {
      for (const auto& [code, name] : commands) {
        reach(st);
        const CloneState before = t.firmware().clones().state(DST);
        const auto s = t.command(code, SRC, DST, {0, 0, 0});
        const CloneState after = t.firmware().clones().state(DST);
        out[std::string(to_string(before))][name] = {{"result", result(s)},
                                                     {"after", std::string(to_string(after))},
                                                     {"message", s.message}};
      }
    }
    return out;
  });
  const std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>> want = {
      {"no session",
       {{"create", {"ok", "created"}},
        {"precopy", {"invalid state", "no session"}},
        {"activate", {"invalid state", "no session"}},
        {"active copy", {"ok", "active"}},
        {"terminate", {"invalid state", "no session"}},
        {"query", {"invalid state", "no session"}},
        {"add extent", {"invalid state", "no session"}}}},
      {"created",
       {{"create", {"invalid state", "created"}},
        {"precopy", {"ok", "precopy"}},
        {"activate", {"ok", "active"}},
        {"active copy", {"invalid state", "created"}},
        {"terminate", {"ok", "no session"}},
        {"query", {"ok", "created"}},
        {"add extent", {"invalid state", "created"}}}},  // a whole-volume session
      {"precopy",
       {{"create", {"invalid state", "precopy"}},
        {"precopy", {"invalid state", "precopy"}},
        {"activate", {"ok", "active"}},
        {"active copy", {"invalid state", "precopy"}},
        {"terminate", {"ok", "no session"}},
        {"query", {"ok", "precopy"}},
        {"add extent", {"invalid state", "precopy"}}}},
      {"active",
       {{"create", {"invalid state", "active"}},
        {"precopy", {"invalid state", "active"}},
        {"activate", {"invalid state", "active"}},
        {"active copy", {"invalid state", "active"}},
        {"terminate", {"invalid state", "active"}},
        {"query", {"ok", "active"}},
        {"add extent", {"invalid state", "active"}}}},
      {"copied",
       {{"create", {"invalid state", "copied"}},
        {"precopy", {"invalid state", "copied"}},
        {"activate", {"invalid state", "copied"}},
        {"active copy", {"invalid state", "copied"}},
        {"terminate", {"ok", "no session"}},
        {"query", {"ok", "copied"}},
        {"add extent", {"invalid state", "copied"}}}}};
  for (const auto& [state, row] : want) {
    for (const auto& [command, expected] : row) {
      BOOST_TEST_CONTEXT(state << " / " << command << ": " << r[state][command].dump()) {
        BOOST_TEST(r[state][command]["result"].get<std::string>() == expected.first);
        BOOST_TEST(r[state][command]["after"].get<std::string>() == expected.second);
      }
    }
  }
  // The seed's own error: ACTIVATE on an active session.
  BOOST_TEST(r["active"]["activate"]["message"].get<std::string>().find("is already active") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(destination_is_not_ready_before_activate) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = 16;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    std::vector<uint8_t> data(512);
    t.command(fw::kCreateClone, SRC, DST, {1, 0, 0});
    out["read_before"] = std::string(to_string(t.array().read(0, DST, 0, 1, data).result));
    out["write_before"] = std::string(to_string(t.write(0, DST, 0, 1, 5).result));
    t.command(fw::kActivateClone, SRC, DST);
    out["read_after"] = std::string(to_string(t.array().read(0, DST, 0, 1, data).result));
    out["write_after"] = std::string(to_string(t.write(0, DST, 0, 1, 5).result));
    return out;
  });
  BOOST_TEST(r["read_before"].get<std::string>() == "not ready");
  BOOST_TEST(r["write_before"].get<std::string>() == "not ready");
  BOOST_TEST(r["read_after"].get<std::string>() == "ok");
  BOOST_TEST(r["write_after"].get<std::string>() == "ok");
}

BOOST_AUTO_TEST_CASE(a_failed_track_copy_fails_the_host_io_that_needs_it) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = 16;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    // A bit flipped on the media of source track 5: its copy through the
    // DRR unit finds the check code wrong.
    const sc::Volume* v = t.array().volume(SRC);
    const auto at = v->group->place(v->lba(5, 0));
    v->group->drive(at.member).corrupt_block(at.lba, 9);
    t.command(fw::kCreateClone, SRC, DST);
    t.command(fw::kActivateClone, SRC, DST);
    std::vector<uint8_t> data(512);
    const auto read = t.array().read(0, DST, 5 * t.blocks_per_track(DST), 1, data);
    out["read"] = {std::string(to_string(read.result)), read.message};
    while (t.firmware().clones().session(DST)->os_copy.op_status != fw::CloneOpStatus::failed) {
      wait(sc_core::sc_time(100, sc_core::SC_US));
    }
    out["error"] = t.firmware().clones().session(DST)->error;
    const auto later = t.array().read(0, DST, 0, 1, data);
    out["later_read"] = std::string(to_string(later.result));
    return out;
  });
  BOOST_TEST_MESSAGE(r.dump());
  BOOST_TEST(r["read"][0].get<std::string>() == "data check");
  BOOST_TEST(r["error"].get<std::string>().find("copy of track 5 failed") != std::string::npos);
  BOOST_TEST(r["later_read"].get<std::string>() == "data check");
}

BOOST_AUTO_TEST_CASE(a_volume_serves_one_local_copy_service_at_a_time) {
  LocalTopologyConfig c;
  c.volumes = 4;
  c.tracks = 16;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    const uint16_t v2 = local_volume(2), v3 = local_volume(3);
    t.command(fw::kCreateLocalPair, SRC, DST, {15, 0, 0});
    auto s = t.command(fw::kCreateClone, SRC, v2);
    out["clone_of_pair_primary"] = {result(s), s.message};
    s = t.command(fw::kCreateClone, v2, DST);
    out["clone_onto_pair_secondary"] = {result(s), s.message};
    t.command(fw::kCreateClone, v2, v3);
    s = t.command(fw::kCreateLocalPair, v3, SRC, {15, 0, 0});
    out["pair_of_clone_destination"] = {result(s), s.message};
    return out;
  });
  BOOST_TEST(r["clone_of_pair_primary"][0].get<std::string>() == "invalid state");
  BOOST_TEST(r["clone_of_pair_primary"][1].get<std::string>().find("in a local pair") !=
             std::string::npos);
  BOOST_TEST(r["clone_onto_pair_secondary"][0].get<std::string>() == "invalid state");
  BOOST_TEST(r["pair_of_clone_destination"][0].get<std::string>() == "invalid state");
  BOOST_TEST(r["pair_of_clone_destination"][1].get<std::string>().find("clone session") !=
             std::string::npos);
}

// Copy TCBs are a bound (clones.copy_tcbs): with two, a third session is
// refused while both copy, and accepted once one has copied, before any
// TERMINATE: a copied session needs no copy program.
BOOST_AUTO_TEST_CASE(a_copied_session_returns_its_copy_tcb_before_terminate) {
  LocalTopologyConfig c;
  c.volumes = 6;
  c.tracks = 64;
  c.firmware.clones.copy_tcbs = 2;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    t.command(fw::kActiveCopyClone, local_volume(0), local_volume(1));
    t.command(fw::kActiveCopyClone, local_volume(2), local_volume(3));
    const auto busy = t.command(fw::kCreateClone, local_volume(4), local_volume(5));
    out["while_copying"] = {result(busy), busy.message};
    wait_clone(t, local_volume(1), fw::CloneState::copied);
    out["after_copied"] = result(t.command(fw::kCreateClone, local_volume(4), local_volume(5)));
    out["first_still_there"] = std::string(to_string(t.firmware().clones().state(local_volume(1))));
    return out;
  });
  BOOST_TEST_MESSAGE("copy TCBs: " << r.dump());
  BOOST_TEST(r["while_copying"][0].get<std::string>() == "no resources");
  BOOST_TEST(r["while_copying"][1].get<std::string>().find("all 2 copy TCBs are busy") !=
             std::string::npos);
  BOOST_TEST(r["after_copied"].get<std::string>() == "ok");
  BOOST_TEST(r["first_still_there"].get<std::string>() == "copied");
}
