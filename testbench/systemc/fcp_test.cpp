// Remote writes over one link (seed 001): response time of one write with
// and without transfer ready, pipelined throughput up to the line rate,
// back-pressure from the secondary's buffers losing nothing, both buffer
// policies, CRC retry without loss or duplication, and a link going down.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "rtl/checkcode/stored_block.h"
#include "systemc/link/fcp_write.h"
#include "testbench/common/sc_fork.h"

using namespace copysim;
using namespace copysim::sc;
using copysim::testing::run_forked;
using nlohmann::json;

namespace {

constexpr uint32_t kBlocks = 128;                 // 64 KiB of user data per write
constexpr double kRate = 14.025e9 * 64 / 66 / 8;  // 16GFC data bytes per second
constexpr double kCommandUs = 2.0;

double frame_us(double payload) { return (payload + 60) / kRate * 1e6; }
double frames_us(double bytes) {
  double t = 0;
  for (double left = bytes; left > 0; left -= 2048) t += frame_us(std::min(left, 2048.0));
  return t;
}

// The stored blocks of write `n`: 128 blocks at device 0x0100, block n * 128.
std::vector<uint8_t> blocks_of(uint32_t n) {
  std::vector<uint8_t> v(kBlocks * checkcode::kStoredBlockBytes);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 31 + n);
  for (uint32_t b = 0; b < kBlocks; ++b) {
    checkcode::stamp(std::span(v).subspan(b * 520).first<520>(), {0x0100, n * kBlocks + b});
  }
  return v;
}

RemoteWriteControl control_of(uint32_t n) {
  return {0x0100, n * kBlocks, 0x0200, n * kBlocks, kBlocks, n};
}

struct Scenario {
  FcLinkConfig link;
  FcpConfig fcp;
  double commit_us = 10;
  unsigned threads = 1;
  unsigned writes_per_thread = 1;
  double window_from_s = 0, window_to_s = 1;  // throughput window
  std::vector<uint64_t> corrupt_frames;
  double link_down_at_us = -1, link_up_at_us = -1;
};

// The secondary's side: checks every block against the primary's address,
// keeps the data, counts commits of each write.
json run(const Scenario& sc) {
  return json::parse(run_forked([&] {
    FcLink link("link", sc.link);
    for (uint64_t f : sc.corrupt_frames) link.forward().corrupt_frame(f);
    std::map<uint32_t, int> commits;
    uint64_t mismatches = 0;
    FcpWritePath path(
        "path", link, sc.fcp,
        [&](const RemoteWriteControl& c, std::span<const uint8_t> data, std::string& error) {
          sc_core::wait(sc_core::sc_time(sc.commit_us, sc_core::SC_US));
          const auto want = blocks_of(c.sequence);
          if (!std::equal(data.begin(), data.end(), want.begin(), want.end())) {
            ++mismatches;
          }
          for (uint32_t b = 0; b < c.blocks; ++b) {
            const auto blk = data.subspan(b * 520).first<520>();
            if (checkcode::verify(blk, {c.source_device, c.source_block + b}) !=
                checkcode::BlockCheck::ok) {
              error = "a block failed its check";
              return false;
            }
          }
          ++commits[c.sequence];
          return true;
        });
    json results = json::array();
    uint64_t window_bytes = 0;
    for (unsigned t = 0; t < sc.threads; ++t) {
      sc_core::sc_spawn([&, t] {
        for (unsigned w = 0; w < sc.writes_per_thread; ++w) {
          const uint32_t n = t * sc.writes_per_thread + w;
          const auto data = blocks_of(n);
          const FcpResult r = path.write(control_of(n), data);
          const double now = sc_core::sc_time_stamp().to_seconds();
          if (r.ok() && now >= sc.window_from_s && now < sc.window_to_s) {
            window_bytes += data.size();
          }
          results.push_back(
              {n, std::string(to_string(r.status)), r.retries, r.response.to_seconds() * 1e6});
        }
      });
    }
    if (sc.link_down_at_us >= 0) {
      sc_core::sc_spawn([&] {
        wait(sc_core::sc_time(sc.link_down_at_us, sc_core::SC_US));
        link.set_up(false);
        wait(sc_core::sc_time(sc.link_up_at_us - sc.link_down_at_us, sc_core::SC_US));
        link.set_up(true);
        const auto data = blocks_of(999);
        const FcpResult r = path.write(control_of(999), data);
        results.push_back(
            {999, std::string(to_string(r.status)), r.retries, r.response.to_seconds() * 1e6});
      });
    }
    sc_core::sc_start();  // every write runs to its end
    json c = json::object();
    for (auto [seq, n] : commits) c[std::to_string(seq)] = n;
    const FcpStats& st = path.stats();
    return json{{"results", results},
                {"commits", c},
                {"mismatches", mismatches},
                {"mb_per_s", double(window_bytes) / (sc.window_to_s - sc.window_from_s) / 1e6},
                {"buffer_waits", st.buffer_waits},
                {"buffers_in_use_peak", st.buffers_in_use_peak},
                {"in_flight_peak", st.in_flight_peak},
                {"crc_errors", link.forward().stats().crc_errors}}
        .dump();
  }));
}

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
