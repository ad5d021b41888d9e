// Remote writes over one link (seed 001): response time of one write with
// and without transfer ready, pipelined throughput up to the line rate,
// back-pressure from the secondary's buffers losing nothing, both buffer
// policies, CRC retry without loss or duplication, and a link going down.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "testbench/common/fcp_experiment.h"

using namespace copysim;
using namespace copysim::sc;
using namespace copysim::testing;
using nlohmann::json;

namespace {

using Scenario = FcpScenario;
json run(const Scenario& s) { return run_fcp(s); }

}  // namespace

BOOST_AUTO_TEST_CASE(the_fcp_command_carries_the_write_control_information) {
  const RemoteWriteControl c{0x0123, 77, 0x0456, 88, 128, 9};
  const auto extended = encode_fcp_cmnd(c, true);
  BOOST_TEST(extended.size() == kFcpExtendedCmndBytes);
  BOOST_TEST((decode_fcp_cmnd(extended) == c));
  const auto plain = encode_fcp_cmnd(c, false);
  BOOST_TEST(plain.size() == kFcpCmndBytes);
  const RemoteWriteControl p = decode_fcp_cmnd(plain);
  BOOST_TEST(p.target_device == 0x0456);
  BOOST_TEST(p.target_block == 88u);
  BOOST_TEST(p.source_device == 0);  // not in a plain CDB: it rides with the data
  auto bad = extended;
  bad[12] = 0x2a;
  BOOST_CHECK_EXCEPTION(decode_fcp_cmnd(bad), std::invalid_argument, [](const auto& e) {
    return std::string(e.what()).find("WRITE(16)") != std::string::npos;
  });
  bad = extended;
  bad[47] ^= 1;
  BOOST_CHECK_EXCEPTION(decode_fcp_cmnd(bad), std::invalid_argument, [](const auto& e) {
    return std::string(e.what()).find("FCP_DL") != std::string::npos;
  });
  BOOST_CHECK_THROW(decode_fcp_cmnd(std::span(extended).first(40)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_bridge_header_names_the_final_volume_and_block) {
  RemoteWriteControl c{0x1003, 256, 0x0e80, 640, 128, 41};
  c.bridged = true;
  c.final_device = 0x2003;
  c.final_block = 256;
  const auto extended = encode_fcp_cmnd(c, true);
  BOOST_TEST((extended[27] & 0x40) != 0);  // CONTROL byte, vendor bit 6
  BOOST_TEST((decode_fcp_cmnd(extended) == c));
  const RemoteWriteControl plain = decode_fcp_cmnd(encode_fcp_cmnd(c, false));
  BOOST_TEST(plain.bridged);  // the rest rides with the data
  c.bridged = false;
  const auto unbridged = encode_fcp_cmnd(c, true);
  BOOST_TEST((unbridged[27] & 0x40) == 0);
  const RemoteWriteControl u = decode_fcp_cmnd(unbridged);
  BOOST_TEST(u.final_device == 0);
  BOOST_TEST(u.final_block == 0u);
}

// Without transfer ready a write costs its serialization and one round trip;
// with it, two.
BOOST_AUTO_TEST_CASE(one_write_costs_one_round_trip_without_transfer_ready_and_two_with_it) {
  for (double km : {0.0, 10.0, 100.0, 300.0}) {
    for (FcpWriteMode mode : {FcpWriteMode::extended_cdb, FcpWriteMode::standard}) {
      Scenario s;
      s.link.distance_km = km;
      s.fcp.mode = mode;
      const json r = run(s);
      const double prop = km * 5.0;
      const double data = kBlocks * 520.0;
      const double expected =
          mode == FcpWriteMode::extended_cdb
              ? frame_us(48) + frames_us(data) + prop + kCommandUs + 10 + frame_us(24) + prop
              : frame_us(32) + prop + kCommandUs + frame_us(12) + prop + frames_us(16 + data) +
                    prop + 10 + frame_us(24) + prop;
      BOOST_TEST_CONTEXT(km << " km, " << to_string(mode)) {
        BOOST_TEST(r["results"][0][1] == "good");
        BOOST_TEST(r["results"][0][3].get<double>() == expected,
                   boost::test_tools::tolerance(0.01));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(pipelined_writes_reach_the_line_rate) {
  Scenario s;
  s.link.distance_km = 100;
  s.link.bb_credits = 1000;
  s.fcp.buffers = 64;
  s.threads = 64;
  s.writes_per_thread = 40;
  s.window_from_s = 0.01;
  s.window_to_s = 0.05;
  const json r = run(s);
  // Per write the forward line carries the extended command and 33 data frames.
  const double line_us = frame_us(48) + frames_us(kBlocks * 520.0);
  const double expected = kBlocks * 520.0 / line_us;  // MB/s of stored blocks
  BOOST_TEST_MESSAGE("pipelined: " << r["mb_per_s"] << " MB/s, line limit " << expected);
  BOOST_TEST(r["mb_per_s"].get<double>() == expected, boost::test_tools::tolerance(0.02));
  BOOST_TEST(r["in_flight_peak"].get<int>() > 16);
  BOOST_TEST(r["mismatches"] == 0);
}

namespace {

// Four secondary buffers over 100 km: the primary can have four writes in
// flight, each holding its buffer credit for a whole cycle.
Scenario buffer_limited(SecondaryBufferPolicy policy, double commit_us) {
  Scenario s;
  s.link.distance_km = 100;
  s.link.bb_credits = 1000;
  s.fcp.buffers = 4;
  s.fcp.policy = policy;
  s.commit_us = commit_us;
  s.threads = 16;
  s.writes_per_thread = 60;
  s.window_from_s = 0.005;
  s.window_to_s = 0.2;
  return s;
}

void expect_nothing_lost(const json& r, unsigned writes) {
  BOOST_TEST(r["mismatches"] == 0);
  unsigned committed = 0;
  for (const auto& [seq, n] : r["commits"].items()) {
    BOOST_TEST(n == 1, "write " << seq << " committed " << n << " times");
    ++committed;
  }
  unsigned good = 0;
  for (const auto& x : r["results"]) good += x[1] == "good";
  BOOST_TEST(good == committed);
  BOOST_TEST(committed <= writes);
}

}  // namespace

BOOST_AUTO_TEST_CASE(out_of_secondary_buffers_the_primary_waits_and_nothing_is_lost) {
  const json r = run(buffer_limited(SecondaryBufferPolicy::preallocated, 10));
  // A pre-allocated buffer is back with the status: line time, a round trip,
  // command, commit and status.
  const double cycle_us =
      frame_us(48) + frames_us(kBlocks * 520.0) + 1000 + kCommandUs + 10 + frame_us(24);
  const double expected = 4 * kBlocks * 520.0 / cycle_us;
  BOOST_TEST_MESSAGE("4 buffers, preallocated: " << r["mb_per_s"] << " MB/s, expected "
                                                 << expected);
  BOOST_TEST(r["mb_per_s"].get<double>() == expected, boost::test_tools::tolerance(0.02));
  BOOST_TEST(r["buffer_waits"].get<int>() > 0);
  BOOST_TEST(r["buffers_in_use_peak"] == 4);
  expect_nothing_lost(r, 16 * 60);
}

// With a slow secondary (200 us to commit), replacing each buffer right after
// receipt frees the primary sooner than waiting for the status.
BOOST_AUTO_TEST_CASE(allocating_after_receipt_returns_credit_before_the_commit) {
  const json pre = run(buffer_limited(SecondaryBufferPolicy::preallocated, 200));
  const json after = run(buffer_limited(SecondaryBufferPolicy::allocate_after_receipt, 200));
  const double line_us = frame_us(48) + frames_us(kBlocks * 520.0);
  const double pre_cycle = line_us + 1000 + kCommandUs + 200 + frame_us(24);
  const double after_cycle = line_us + 500 + 5.0 + frame_us(12) + 500;
  BOOST_TEST_MESSAGE("preallocated " << pre["mb_per_s"] << " MB/s, allocate after receipt "
                                     << after["mb_per_s"] << " MB/s");
  BOOST_TEST(pre["mb_per_s"].get<double>() == 4 * kBlocks * 520.0 / pre_cycle,
             boost::test_tools::tolerance(0.02));
  BOOST_TEST(after["mb_per_s"].get<double>() == 4 * kBlocks * 520.0 / after_cycle,
             boost::test_tools::tolerance(0.02));
  expect_nothing_lost(pre, 16 * 60);
  expect_nothing_lost(after, 16 * 60);
}

// The secondary's buffers are finite whatever the mode and policy: in
// standard mode a buffer allocated after the command arrives still comes
// from the `buffers` set up (16 writers, 4 buffers: never more than 4 in
// use); with the extended command a replacement comes from a pool, and a
// commit slower than the round trip spends it (4 set up, 6 in the pool).
BOOST_AUTO_TEST_CASE(secondary_buffers_stay_within_their_bound_in_both_modes_and_policies) {
  for (FcpWriteMode mode : {FcpWriteMode::standard, FcpWriteMode::extended_cdb}) {
    for (SecondaryBufferPolicy policy :
         {SecondaryBufferPolicy::preallocated, SecondaryBufferPolicy::allocate_after_receipt}) {
      Scenario s = buffer_limited(policy, 2000);
      s.fcp.mode = mode;
      s.fcp.pool_buffers = 6;
      s.writes_per_thread = 10;
      const json r = run(s);
      const bool pooled = mode == FcpWriteMode::extended_cdb &&
                          policy == SecondaryBufferPolicy::allocate_after_receipt;
      BOOST_TEST_CONTEXT(to_string(mode)
                         << ", " << to_string(policy) << ": peak " << r["buffers_in_use_peak"]
                         << ", waits " << r["buffer_waits"] << ", pool waits " << r["pool_waits"]) {
        BOOST_TEST(r["buffers_in_use_peak"].get<uint32_t>() == (pooled ? 6u : 4u));
        BOOST_TEST(r["buffer_waits"].get<uint64_t>() > 0u);
        BOOST_TEST((r["pool_waits"].get<uint64_t>() > 0u) == pooled);
        expect_nothing_lost(r, 16 * 10);
      }
    }
  }
}

// Frame 78 is a data frame of the third write (34 frames a write).
BOOST_AUTO_TEST_CASE(a_frame_failing_its_crc_is_retried_without_loss_or_duplication) {
  for (LinkFidelity f : {LinkFidelity::frame, LinkFidelity::fast}) {
    Scenario s;
    s.link.distance_km = 10;
    s.link.fidelity = f;
    s.writes_per_thread = 5;
    s.corrupt_frames = {2 * 34 + 10};
    const json r = run(s);
    BOOST_TEST_CONTEXT((f == LinkFidelity::frame ? "frame" : "fast")) {
      BOOST_TEST(r["crc_errors"] == 1);
      for (const auto& x : r["results"]) {
        BOOST_TEST(x[1] == "good");
        BOOST_TEST(x[2] == (x[0] == 2 ? 1 : 0));  // only the third write retried, once
      }
      expect_nothing_lost(r, 5);
      BOOST_TEST(r["commits"].size() == 5u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_link_going_down_fails_the_exchanges_in_flight_with_link_down) {
  Scenario s;
  s.link.distance_km = 100;
  s.threads = 8;
  s.link_down_at_us = 200;
  s.link_up_at_us = 1000;
  const json r = run(s);
  int down = 0;
  for (const auto& x : r["results"]) {
    if (x[0] == 999) {
      BOOST_TEST(x[1] == "good");  // after the link is back
    } else {
      down += x[1] == "link down";
      BOOST_TEST(x[3].get<double>() == 200.0, boost::test_tools::tolerance(1e-9));
    }
  }
  BOOST_TEST(down == 8);
  BOOST_TEST(r["commits"].size() == 1u);  // only the write after the link came back
}

// Seed 001's secondary is an array (issue 19, item 6): the commit goes
// through its processors and cache, and once its write-pending limit is
// reached, through its destage to its drives. A secondary with one drive
// and a small cache holds the primary to what that drive can absorb.
BOOST_AUTO_TEST_CASE(a_secondary_array_commits_through_its_cache_and_holds_the_primary_back) {
  auto scenario = [](uint64_t slots) {
    Scenario s;
    s.link.distance_km = 10;
    s.link.bb_credits = 1000;
    s.fcp.buffers = 16;
    s.threads = 64;
    s.writes_per_thread = 25;
    s.window_from_s = 0.01;
    s.window_to_s = 0.03;
    s.secondary_array = {{"cache", {{"slots", slots}}},
                         {"drives", 1},
                         {"parity_group", {{"raid", "raid0"}, {"data_drives", 1}}},
                         {"volumes",
                          {{{"first_device", "0x0200"},
                            {"count", 1},
                            {"model", "FBA"},
                            {"tracks", 4096},
                            {"track_kib", 64}}}}};
    return s;
  };
  const json big = run(scenario(8192));
  const json small = run(scenario(64));
  BOOST_TEST_MESSAGE("secondary array, 8,192 slots: " << big["mb_per_s"] << " MB/s, "
                                                      << big["secondary_write_pending_waits"]
                                                      << " write-pending waits");
  BOOST_TEST_MESSAGE("secondary array, 64 slots: " << small["mb_per_s"] << " MB/s, "
                                                   << small["secondary_write_pending_waits"]
                                                   << " write-pending waits");
  expect_nothing_lost(big, 64 * 25);
  expect_nothing_lost(small, 64 * 25);
  BOOST_TEST(big["secondary_write_pending_waits"].get<uint64_t>() == 0u);
  BOOST_TEST(small["secondary_write_pending_waits"].get<uint64_t>() > 0u);
  BOOST_TEST(small["mb_per_s"].get<double>() < big["mb_per_s"].get<double>());
  // Never more than the one drive's media rate (156 MB/s of 520-byte sectors).
  BOOST_TEST(small["mb_per_s"].get<double>() < 156.0);
}
