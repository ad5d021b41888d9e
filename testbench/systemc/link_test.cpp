// The Fibre Channel link: throughput against the credit window over
// distance, the credits per km it needs for full rate against the published
// rule, the frame and fast fidelities agreeing to the picosecond, frame
// CRCs, and links going down and up.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "systemc/common/sim_time.h"
#include "systemc/link/fc_frame.h"
#include "systemc/link/fc_link.h"
#include "testbench/common/sc_fork.h"

using namespace copysim::sc;
using copysim::testing::run_forked;
using nlohmann::json;

namespace {

double data_rate(const std::string& speed) { return fc_speed(speed)->data_bytes_per_second(); }

}  // namespace

// One long transfer per link, all links in one simulation. Throughput must
// be min(payload rate, credits x payload / (frame time + 2 x propagation)).
BOOST_AUTO_TEST_CASE(long_transfer_throughput_is_the_smaller_of_line_rate_and_credit_window) {
  const std::vector<std::string> speeds = {"16GFC", "32GFC"};
  const std::vector<double> distances = {0, 10, 50, 100, 300};
  const std::vector<uint32_t> credits = {8, 40, 160, 500};
  const json measured = json::parse(run_forked([&] {
    std::vector<std::unique_ptr<FcLink>> links;
    json out = json::array();
    static std::vector<uint8_t> zeros(100u * 500 * 2048);
    for (const auto& speed : speeds) {
      for (double km : distances) {
        for (uint32_t c : credits) {
          FcLinkConfig config;
          config.speed = speed;
          config.distance_km = km;
          config.bb_credits = c;
          links.push_back(
              std::make_unique<FcLink>(fmt::format("link_{}_{}_{}", speed, km, c).c_str(), config));
          FcLink* link = links.back().get();
          const std::size_t frames = std::max<std::size_t>(2000, 100u * c);
          sc_core::sc_spawn([link, frames, &out, speed, km, c] {
            const auto bytes = std::span<const uint8_t>(zeros).first(frames * 2048);
            const LinkResult r = link->forward().transmit(1, FcSequence{kRctlData, bytes});
            out.push_back({speed, km, c, double(bytes.size()) / (double(now_ps()) * 1e-12),
                           r == LinkResult::delivered});
          });
        }
      }
    }
    sc_core::sc_start();
    return out.dump();
  }));
  BOOST_REQUIRE(measured.size() == speeds.size() * distances.size() * credits.size());
  for (const auto& m : measured) {
    const std::string speed = m[0];
    const double km = m[1], c = m[2], got = m[3];
    const double rate = data_rate(speed);
    const double frame_s = (2048.0 + 60) / rate;
    const double payload_rate = rate * 2048 / (2048 + 60);
    const double window = c * 2048 / (frame_s + 2 * km * 5e-6);
    const double expected = std::min(payload_rate, window);
    BOOST_TEST_CONTEXT(speed << " " << km << " km " << c << " credits") {
      BOOST_TEST(m[4].get<bool>());
      BOOST_TEST(got == expected, boost::test_tools::tolerance(0.02));
    }
  }
}

// The fewest credits with which a long run of full (2,112-byte) frames never
// waits for a credit, per km, against Brocade's km x Gbps / 2 at 16GFC
// (shared/reference/fc_link_reference.csv: 8 credits per km).
BOOST_AUTO_TEST_CASE(credits_per_km_for_full_rate_match_the_published_rule_at_16gfc) {
  const std::vector<double> distances = {10, 50, 100};
  const json needed = json::parse(run_forked([&] {
    std::vector<std::unique_ptr<FcLink>> links;
    std::vector<std::pair<double, uint32_t>> keys;
    static std::vector<uint8_t> zeros(4000u * 2112);
    for (double km : distances) {
      for (uint32_t c = uint32_t(6 * km); c <= uint32_t(10 * km); ++c) {
        FcLinkConfig config;
        config.distance_km = km;
        config.bb_credits = c;
        config.max_payload = 2112;
        links.push_back(std::make_unique<FcLink>(fmt::format("l{}_{}", km, c).c_str(), config));
        keys.emplace_back(km, c);
        FcLink* link = links.back().get();
        sc_core::sc_spawn([link] {
          link->forward().transmit(1, FcSequence{kRctlData, std::span<const uint8_t>(zeros)});
        });
      }
    }
    sc_core::sc_start();
    json out = json::object();
    for (std::size_t i = 0; i < links.size(); ++i) {
      const std::string km = fmt::format("{}", keys[i].first);
      if (links[i]->forward().stats().credit_starved_ps == 0 && !out.contains(km)) {
        out[km] = keys[i].second;
      }
    }
    return out.dump();
  }));
  for (double km : distances) {
    const std::string key = fmt::format("{}", km);
    BOOST_REQUIRE(needed.contains(key));
    const double per_km = needed[key].get<double>() / km;
    BOOST_TEST_MESSAGE(km << " km: " << needed[key] << " credits, " << per_km << " per km");
    BOOST_TEST(per_km == 16.0 / 2, boost::test_tools::tolerance(0.05));
  }
}

namespace {

// Five senders, three forward and two backward, sending messages of 1 to
// 20 frames at staggered times over 10 km with 8 credits; frame 7 forward
// is corrupted. Returns every message's completion time and result, and the
// link statistics.
std::string mixed_traffic(LinkFidelity fidelity) {
  return run_forked([fidelity] {
    FcLinkConfig config;
    config.distance_km = 10;
    config.bb_credits = 8;
    config.fidelity = fidelity;
    FcLink link("link", config);
    link.forward().corrupt_frame(7);
    json out = json::array();
    std::vector<uint8_t> bytes(20 * 2048 + 100);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
    for (int s = 0; s < 5; ++s) {
      sc_core::sc_spawn([&, s] {
        std::mt19937_64 rng(s);
        FcLinkDirection& d = s < 3 ? link.forward() : link.backward();
        for (int m = 0; m < 6; ++m) {
          wait(sc_core::sc_time(double(rng() % 30000), sc_core::SC_NS));
          const std::size_t size = 1 + rng() % (20 * 2048);
          std::vector<uint8_t> received;
          const LinkResult r =
              d.transmit(static_cast<uint16_t>(s * 100 + m),
                         FcSequence{kRctlData, std::span(bytes).first(size)}, &received);
          const bool intact = r != LinkResult::delivered ||
                              std::equal(received.begin(), received.end(), bytes.begin(),
                                         bytes.begin() + static_cast<std::ptrdiff_t>(size));
          out.push_back({s, m, now_ps(), std::string(to_string(r)), intact});
        }
      });
    }
    sc_core::sc_start();
    for (FcLinkDirection* d : {&link.forward(), &link.backward()}) {
      const auto& st = d->stats();
      out.push_back({st.frames, st.payload_bytes, st.busy_ps, st.credit_starved_ps, st.crc_errors,
                     st.in_flight_peak});
    }
    return out.dump();
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(frame_and_fast_fidelity_give_identical_timing_and_results) {
  const json frame = json::parse(mixed_traffic(LinkFidelity::frame));
  const json fast = json::parse(mixed_traffic(LinkFidelity::fast));
  BOOST_TEST(frame.size() == 32u);
  BOOST_TEST(frame == fast, "frame: " << frame.dump() << "\nfast:  " << fast.dump());
  int crc_errors = 0;
  for (std::size_t i = 0; i < 30; ++i) {
    crc_errors += frame[i][3] == "CRC error";
    BOOST_TEST(frame[i][4].get<bool>());  // delivered bytes are the bytes sent
  }
  BOOST_TEST(crc_errors == 1);
  BOOST_TEST(frame[31 - 1][3].get<uint64_t>() > 0u);  // the 8 credits did run out
}

BOOST_AUTO_TEST_CASE(every_single_bit_error_in_a_frame_fails_its_crc) {
  std::vector<uint8_t> payload(2112);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 13 + 1);
  FcHeader h;
  h.r_ctl = kRctlData;
  h.ox_id = 0x1234;
  h.seq_cnt = 7;
  h.parameter = 0x4000;
  std::vector<uint8_t> frame = build_frame(h, payload);
  BOOST_TEST(frame.size() == 24u + 2112 + 4);
  BOOST_TEST(frame_crc_ok(frame));
  const FcHeader back = parse_header(frame);
  BOOST_TEST(back.ox_id == 0x1234);
  BOOST_TEST(back.seq_cnt == 7);
  BOOST_TEST(back.parameter == 0x4000u);
  int detected = 0;
  for (std::size_t bit = 0; bit < frame.size() * 8; ++bit) {
    frame[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    detected += !frame_crc_ok(frame);
    frame[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
  BOOST_TEST(detected == static_cast<int>(frame.size() * 8));
}

namespace {

std::string down_and_up(LinkFidelity fidelity) {
  return run_forked([fidelity] {
    FcLinkConfig config;
    config.distance_km = 100;
    config.fidelity = fidelity;
    FcLink link("link", config);
    json out = json::array();
    static std::vector<uint8_t> bytes(1000 * 2048, 0x5a);
    sc_core::sc_spawn([&] {
      const LinkResult r = link.forward().transmit(1, FcSequence{kRctlData, bytes});
      out.push_back({"long", std::string(to_string(r)), now_ps()});
    });
    sc_core::sc_spawn([&] {
      wait(sc_core::sc_time(300, sc_core::SC_US));
      link.set_up(false);
      const LinkResult r = link.forward().transmit(2, FcSequence{kRctlData, bytes});
      out.push_back({"while down", std::string(to_string(r)), now_ps()});
      wait(sc_core::sc_time(1, sc_core::SC_MS));
      link.set_up(true);
      const LinkResult r2 = link.backward().transmit(3, FcSequence{kRctlData, bytes});
      out.push_back({"after up", std::string(to_string(r2)), now_ps()});
    });
    sc_core::sc_start();
    out.push_back(link.forward().stats().lost_to_link_down);
    return out.dump();
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_link_going_down_fails_what_is_in_flight_and_comes_back_with_full_credit) {
  for (LinkFidelity f : {LinkFidelity::frame, LinkFidelity::fast}) {
    const json r = json::parse(down_and_up(f));
    BOOST_TEST_CONTEXT((f == LinkFidelity::frame ? "frame" : "fast")) {
      BOOST_TEST(r[0] == json({"while down", "link down", 300'000'000}));
      BOOST_TEST(r[1] == json({"long", "link down", 300'000'000}));
      BOOST_TEST(r[2][1] == "delivered");
      BOOST_TEST(r[3] == 2);
    }
  }
  BOOST_TEST(down_and_up(LinkFidelity::frame) == down_and_up(LinkFidelity::fast));
}

// Injected link faults, in both fidelities: credits lost slow a long
// transfer to the window of the credits left until the link is reset; a
// dropped frame fails its message after the receiver's detection time; a
// delayed message arrives exactly that much later.
BOOST_AUTO_TEST_CASE(lost_credits_dropped_frames_and_delays_act_as_specified) {
  for (LinkFidelity fidelity : {LinkFidelity::fast, LinkFidelity::frame}) {
    const json r = json::parse(run_forked([fidelity] {
      FcLinkConfig config;
      config.distance_km = 100;  // a round trip of 1 ms: the credit window rules
      config.bb_credits = 40;
      config.fidelity = fidelity;
      config.lost_frame_detect_us = 500;
      FcLink link("link", config);
      json out;
      sc_core::sc_spawn([&] {
        static std::vector<uint8_t> data(400u * 2048);
        auto timed = [&](std::size_t frames) {
          const uint64_t start = now_ps();
          const LinkResult res = link.forward().transmit(
              1, FcSequence{kRctlData, std::span<const uint8_t>(data).first(frames * 2048)});
          return json{to_string(res), now_ps() - start};
        };
        out["full"] = timed(400);
        wait(sc_core::sc_time(2, sc_core::SC_MS));  // every credit back
        link.forward().lose_credits(30);
        out["credits_lost"] = link.forward().stats().credits_lost;
        out["ten_credits"] = timed(400);
        wait(sc_core::sc_time(2, sc_core::SC_MS));
        link.set_up(false);
        link.set_up(true);
        out["after_reset"] = timed(400);
        wait(sc_core::sc_time(2, sc_core::SC_MS));
        out["one_frame"] = timed(1);
        link.forward().drop_next_message();
        out["dropped"] = timed(1);
        link.forward().delay_next_message(250'000'000);  // 250 us
        out["delayed"] = timed(1);
        out["frames_lost"] = link.forward().stats().frames_lost;
      });
      sc_core::sc_start();
      return out.dump();
    }));
    BOOST_TEST_CONTEXT((fidelity == LinkFidelity::fast ? "fast" : "frame")) {
      const double full = r["full"][1], ten = r["ten_credits"][1], reset = r["after_reset"][1];
      BOOST_TEST(r["credits_lost"] == 30);
      // 400 frames through a window of 10 credits per round trip (~1 ms)
      // take about 40 round trips; with 40 credits about 10.
      BOOST_TEST(ten / full == 4.0, boost::test_tools::tolerance(0.1));
      BOOST_TEST(reset == full);
      const uint64_t one = r["one_frame"][1];
      BOOST_TEST(r["dropped"][0] == "frame lost");
      BOOST_TEST(r["dropped"][1].get<uint64_t>() == one + 500'000'000u);
      BOOST_TEST(r["delayed"][0] == "delivered");
      BOOST_TEST(r["delayed"][1].get<uint64_t>() == one + 250'000'000u);
      BOOST_TEST(r["frames_lost"] == 1);
    }
  }
}
