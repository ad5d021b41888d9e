// Local pairs (seed 004) on one array with its firmware: a split secondary
// is the primary as it was at the split's point in time while hosts keep
// writing (copy-before-write, Fig. 9), resync copies only unequal tracks,
// pace trades copy time against host response, and every command in every
// status gets its transition or a refusal naming the status.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <functional>
#include <random>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbench/common/local_topology.h"
#include "testbench/common/pace_experiment.h"

using namespace copysim;
using namespace copysim::testing;
using nlohmann::json;

namespace {

const uint16_t P = local_volume(0);
const uint16_t S = local_volume(1);

// Random writes of 1 to 40 blocks (often across tracks) to `device` until
// `stop`; `running` counts writers still going.
void write_randomly(LocalTopology& t, uint16_t device, uint64_t seed, const bool& stop,
                    int& running) {
  std::mt19937_64 rng(seed);
  const uint64_t blocks = t.blocks(device);
  while (!stop) {
    const auto n = static_cast<uint32_t>(1 + rng() % 40);
    const uint64_t block = rng() % (blocks - n);
    if (!t.write(1 + static_cast<uint32_t>(rng() % 3), device, block, n, rng() | 1).ok()) {
      throw std::runtime_error("host write failed");
    }
    wait(sc_core::sc_time(double(50 + rng() % 250), sc_core::SC_US));
  }
  --running;
}

void wait_state(LocalTopology& t, uint16_t p, uint16_t s, fw::LocalPairState want) {
  while (t.firmware().local_pairs().state(p, s) != want) {
    wait(sc_core::sc_time(100, sc_core::SC_US));
  }
}

uint64_t differing_blocks(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size() || a.empty()) return ~uint64_t{0};
  uint64_t n = 0;
  for (std::size_t i = 0; i < a.size(); i += 512) {
    n += !std::equal(a.begin() + std::ptrdiff_t(i), a.begin() + std::ptrdiff_t(i + 512),
                     b.begin() + std::ptrdiff_t(i));
  }
  return n;
}

// One seed: create, random writes, split at a random instant, writes on
// through the copy; resync and split again; then known writes on both
// sides, resync, split again.
json split_and_resync(uint64_t seed) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = 32;
  return in_local_topology(c, [seed](LocalTopology& t) {
    std::mt19937_64 rng(seed);
    json out;
    std::vector<uint8_t> image;  // the primary at the split's point in time
    t.firmware().local_pairs().history().observe([&](const fw::HistoryEntry& e) {
      if (e.event == "point in time") image = t.array().peek(P, 0, uint32_t(t.blocks(P)));
    });
    const uint64_t pace = std::array<uint64_t, 3>{1, 3, 15}[rng() % 3];
    auto s = t.command(fw::kCreateLocalPair, P, S, {pace, 0, 0});
    if (!s.ok()) throw std::runtime_error(s.message);
    bool stop = false;
    int running = 2;
    for (int w = 0; w < 2; ++w) {
      sc_core::sc_spawn([&, w] { write_randomly(t, P, seed * 7 + w, stop, running); });
    }
    wait(sc_core::sc_time(double(1 + rng() % 20), sc_core::SC_MS));
    s = t.command(fw::kCopyLocalPair, P, S);
    if (!s.ok()) throw std::runtime_error(s.message);
    wait_state(t, P, S, fw::LocalPairState::copied);
    stop = true;
    while (running > 0) wait(sc_core::sc_time(100, sc_core::SC_US));
    std::string error;
    out["split_differing_blocks"] = differing_blocks(t.read_volume(S, &error), image);
    out["read_error"] = error;
    out["copy_before_writes"] = t.firmware().local_pairs().pair(P, S)->copy_before_writes;

    // Resync after the random writes, split again: equal once copied.
    for (uint16_t code : {fw::kResyncLocalPair, fw::kCopyLocalPair}) {
      s = t.command(code, P, S);
      if (!s.ok()) throw std::runtime_error(s.message);
    }
    wait_state(t, P, S, fw::LocalPairState::copied);
    out["second_split_differing_blocks"] = differing_blocks(t.read_volume(S), t.read_volume(P));

    // Known writes on both sides of the split pair, then resync: exactly
    // the tracks either side wrote are unequal.
    const uint32_t bpt = t.blocks_per_track(P);
    std::set<uint64_t> unequal;
    for (int k = 0; k < 6; ++k) {
      const uint64_t tp = rng() % 32, ts = rng() % 32;
      if (!t.write(0, P, tp * bpt + rng() % bpt, 1, 1000 + k).ok() ||
          !t.write(0, S, ts * bpt + rng() % bpt, 1, 2000 + k).ok()) {
        throw std::runtime_error("write to a split pair failed");
      }
      unequal.insert(tp);
      unequal.insert(ts);
    }
    const uint64_t copied_before = t.firmware().local_pairs().pair(P, S)->tracks_copied;
    s = t.command(fw::kResyncLocalPair, P, S);
    if (!s.ok()) throw std::runtime_error(s.message);
    out["unequal_expected"] = unequal.size();
    out["unequal_after_resync"] = t.firmware().local_pairs().pair(P, S)->unequal_tracks;
    s = t.command(fw::kCopyLocalPair, P, S);
    if (!s.ok()) throw std::runtime_error(s.message);
    wait_state(t, P, S, fw::LocalPairState::copied);
    out["resync_tracks_copied"] =
        t.firmware().local_pairs().pair(P, S)->tracks_copied - copied_before;
    out["resync_differing_blocks"] = differing_blocks(t.read_volume(S), t.read_volume(P));
    return out;
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(split_secondary_is_the_primary_at_the_split_and_resync_copies_only_unequal) {
  uint64_t with_copy_before_write = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const json r = split_and_resync(seed);
    BOOST_TEST_CONTEXT("seed " << seed << ": " << r.dump()) {
      BOOST_TEST(r["read_error"].get<std::string>() == "");
      BOOST_TEST(r["split_differing_blocks"].get<uint64_t>() == 0u);
      BOOST_TEST(r["second_split_differing_blocks"].get<uint64_t>() == 0u);
      BOOST_TEST(r["unequal_after_resync"] == r["unequal_expected"]);
      BOOST_TEST(r["resync_tracks_copied"] == r["unequal_expected"]);
      BOOST_TEST(r["resync_differing_blocks"].get<uint64_t>() == 0u);
    }
    with_copy_before_write += r["copy_before_writes"].get<uint64_t>() > 0;
  }
  // The writes really raced the copy: most seeds copied tracks ahead of a write.
  BOOST_TEST(with_copy_before_write > 100u);
}

BOOST_AUTO_TEST_CASE(every_pair_command_in_every_state) {
  LocalTopologyConfig c;
  c.volumes = 2;
  c.tracks = 400;  // long enough a copy to find it in progress
  const json r = in_local_topology(c, [](LocalTopology& t) {
    using fw::LocalPairState;
    const std::vector<std::pair<uint16_t, std::string>> commands = {
        {fw::kCreateLocalPair, "create"}, {fw::kCopyLocalPair, "copy"},
        {fw::kResyncLocalPair, "resync"}, {fw::kSuspendLocalPair, "suspend"},
        {fw::kQueryLocalPair, "query"},   {fw::kDeleteLocalPair, "delete"}};
    // Brings the pair to `want` from no pair.
    auto reach = [&](LocalPairState want) {
      t.command(fw::kDeleteLocalPair, P, S);
      if (want == LocalPairState::no_pair) return;
      t.command(fw::kCreateLocalPair, P, S, {1, 0, 0});
      if (want == LocalPairState::suspended) t.command(fw::kSuspendLocalPair, P, S);
      if (want == LocalPairState::copy_in_progress || want == LocalPairState::copied) {
        t.command(fw::kCopyLocalPair, P, S);
      }
      if (want == LocalPairState::copied) wait_state(t, P, S, LocalPairState::copied);
    };
    json out;
    for (auto st :
         {LocalPairState::no_pair, LocalPairState::paired_not_copied,
          LocalPairState::copy_in_progress, LocalPairState::copied, LocalPairState::suspended}) {
      for (const auto& [code, name] : commands) {
        reach(st);
        const fw::LocalPairState before = t.firmware().local_pairs().state(P, S);
        const auto s = t.command(code, P, S, {code == fw::kCreateLocalPair ? 3u : 0u, 0, 0});
        out[std::string(to_string(before))][name] = {
            {"result", std::string(to_string(s.result))},
            {"after", std::string(to_string(t.firmware().local_pairs().state(P, S)))},
            {"message", s.message}};
      }
    }
    return out;
  });
  // status -> command -> {result, status after}; a refusal changes nothing.
  const std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>> want = {
      {"no pair",
       {{"create", {"ok", "paired not copied"}},
        {"copy", {"invalid state", "no pair"}},
        {"resync", {"invalid state", "no pair"}},
        {"suspend", {"invalid state", "no pair"}},
        {"query", {"invalid state", "no pair"}},
        {"delete", {"invalid state", "no pair"}}}},
      {"paired not copied",
       {{"create", {"invalid state", "paired not copied"}},
        {"copy", {"ok", "copy in progress"}},
        {"resync", {"invalid state", "paired not copied"}},
        {"suspend", {"ok", "suspended"}},
        {"query", {"ok", "paired not copied"}},
        {"delete", {"ok", "no pair"}}}},
      {"copy in progress",
       {{"create", {"invalid state", "copy in progress"}},
        {"copy", {"invalid state", "copy in progress"}},
        {"resync", {"invalid state", "copy in progress"}},
        {"suspend", {"ok", "suspended"}},
        {"query", {"ok", "copy in progress"}},
        {"delete", {"ok", "no pair"}}}},
      {"copied",
       {{"create", {"invalid state", "copied"}},
        {"copy", {"invalid state", "copied"}},
        {"resync", {"ok", "paired not copied"}},
        {"suspend", {"invalid state", "copied"}},
        {"query", {"ok", "copied"}},
        {"delete", {"ok", "no pair"}}}},
      {"suspended",
       {{"create", {"invalid state", "suspended"}},
        {"copy", {"invalid state", "suspended"}},
        {"resync", {"ok", "paired not copied"}},
        {"suspend", {"invalid state", "suspended"}},
        {"query", {"ok", "suspended"}},
        {"delete", {"ok", "no pair"}}}}};
  for (const auto& [state, row] : want) {
    for (const auto& [command, expected] : row) {
      BOOST_TEST_CONTEXT(state << " / " << command << ": " << r[state][command].dump()) {
        BOOST_TEST(r[state][command]["result"].get<std::string>() == expected.first);
        BOOST_TEST(r[state][command]["after"].get<std::string>() == expected.second);
        if (expected.first == "invalid state") {
          // The refusal names the status the pair is in.
          BOOST_TEST(r[state][command]["message"].get<std::string>().find(state) !=
                     std::string::npos);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(reserve_secondary_choice_and_host_write_access) {
  LocalTopologyConfig c;
  c.volumes = 6;
  c.tracks = 8;
  const json r = in_local_topology(c, [](LocalTopology& t) {
    json out;
    const uint16_t v2 = local_volume(2), v3 = local_volume(3), v4 = local_volume(4),
                   v5 = local_volume(5);
    // Reserved volumes refuse host writes; the automatic choice takes the
    // lowest reserved device number.
    for (uint16_t v : {v5, v3, v4, v2}) t.command(fw::kSetReserve, v, 0, {1, 0, 0});
    out["reserved_write"] = std::string(to_string(t.write(0, v3, 0, 1, 1).result));
    auto s = t.command(fw::kCreateLocalPair, P, 0, {15, 0, 0});
    out["auto_first"] = s.message;
    s = t.command(fw::kCreateLocalPair, P, 0, {15, 0, 0});
    out["auto_second"] = s.message;
    s = t.command(fw::kCreateLocalPair, P, 0, {15, 0, 0});
    out["auto_third"] = s.message;
    s = t.command(fw::kCreateLocalPair, P, 0, {15, 0, 0});
    out["fourth"] = {std::string(to_string(s.result)), s.message};
    s = t.command(fw::kCreateLocalPair, P, S, {7, 0, 0});
    out["bad_pace"] = {std::string(to_string(s.result)), s.message};
    out["secondary_write_paired"] = std::string(to_string(t.write(0, v2, 0, 1, 1).result));
    out["primary_write_paired"] = std::string(to_string(t.write(0, P, 0, 1, 1).result));
    t.command(fw::kCopyLocalPair, P, v2);
    wait_state(t, P, v2, fw::LocalPairState::copied);
    out["secondary_write_copied"] = std::string(to_string(t.write(0, v2, 0, 1, 1).result));
    s = t.command(fw::kSetReserve, v2, 0, {0, 0, 0});
    out["release_paired"] = std::string(to_string(s.result));
    t.command(fw::kDeleteLocalPair, P, v2);
    out["deleted_still_reserved"] = std::string(to_string(t.write(0, v2, 0, 1, 1).result));
    t.command(fw::kSetReserve, v2, 0, {0, 0, 0});
    out["released_write"] = std::string(to_string(t.write(0, v2, 0, 1, 1).result));
    return out;
  });
  BOOST_TEST(r["reserved_write"].get<std::string>() == "write protected");
  BOOST_TEST(r["auto_first"].get<std::string>().find("0x3000->0x3002") != std::string::npos);
  BOOST_TEST(r["auto_second"].get<std::string>().find("0x3000->0x3003") != std::string::npos);
  BOOST_TEST(r["auto_third"].get<std::string>().find("0x3000->0x3004") != std::string::npos);
  BOOST_TEST(r["fourth"][0].get<std::string>() == "no resources");
  BOOST_TEST(r["fourth"][1].get<std::string>().find("3 secondaries") != std::string::npos);
  BOOST_TEST(r["bad_pace"][0].get<std::string>() == "bad parameter");
  BOOST_TEST(r["secondary_write_paired"].get<std::string>() == "write protected");
  BOOST_TEST(r["primary_write_paired"].get<std::string>() == "ok");
  BOOST_TEST(r["secondary_write_copied"].get<std::string>() == "ok");
  BOOST_TEST(r["release_paired"].get<std::string>() == "invalid state");
  BOOST_TEST(r["deleted_still_reserved"].get<std::string>() == "write protected");
  BOOST_TEST(r["released_write"].get<std::string>() == "ok");
}

BOOST_AUTO_TEST_CASE(pace_trades_copy_time_against_host_response) {
  const auto rows = run_pace_experiment({1, 3, 15}, 480);
  BOOST_REQUIRE(rows.size() == 3u);
  for (const PaceRow& row : rows) {
    BOOST_TEST_CONTEXT("pace " << row.pace) {
      BOOST_TEST(row.tracks_copied == row.tracks);
      BOOST_TEST(row.host_reads > 0u);
    }
  }
  // Faster pace: the copy ends sooner and host reads wait longer.
  BOOST_TEST(rows[2].copy_ms < rows[1].copy_ms);
  BOOST_TEST(rows[1].copy_ms < rows[0].copy_ms);
  BOOST_TEST(rows[2].read_mean_us > rows[0].read_mean_us);
}
