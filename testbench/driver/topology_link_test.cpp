// Links, link adapters and firmware as a topology file sets them up
// (driver/engine/topology.cpp): a 16GFC link at 50 km carries its payload
// rate with the credits the switch vendors' rule gives for the distance and
// the credit window's rate with a tenth of them; every setting reaches the
// object it configures; unknown keys and firmware the control store cannot
// hold are errors naming the JSON path. SystemC elaborates once per
// process, so each topology is built and simulated in a forked child.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver/engine/topology.h"
#include "systemc/common/sim_time.h"
#include "systemc/config/json_reader.h"
#include "systemc/fc/fc_speed.h"
#include "systemc/link/fc_frame.h"
#include "testbench/common/sc_fork.h"

using copysim::engine::Topology;
using copysim::testing::run_forked;
using nlohmann::json;
namespace sc = copysim::sc;

namespace {

json array_config(const char* first_device) {
  return {{"cache", {{"slots", 1024}}},
          {"drives", 4},
          {"volumes",
           {{{"first_device", first_device},
             {"count", 2},
             {"model", "FBA"},
             {"tracks", 64},
             {"track_kib", 16}}}}};
}

// Two arrays joined by `link` (primary and secondary filled in), each with
// the firmware settings given.
json topology(json link, json primary_firmware = json::object(),
              json secondary_firmware = json::object()) {
  link["primary"] = "primary";
  link["secondary"] = "secondary";
  return {
      {"arrays",
       {{{"name", "primary"}, {"config", array_config("0x1000")}, {"firmware", primary_firmware}},
        {{"name", "secondary"},
         {"config", array_config("0x2000")},
         {"firmware", secondary_firmware}}}},
      {"link", link}};
}

// The ConfigError building `description` throws, or "" if it builds.
std::string build_error(const json& description) {
  return run_forked([description] {
    try {
      Topology t(description);
    } catch (const sc::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  });
}

// Bytes of one long transfer: 60 sequences of 1,000 full (2,112-byte)
// frames, sent as one message on the first forward link.
constexpr std::size_t kFrames = 60'000;
constexpr std::size_t kPayload = 2112;

// Builds the topology, sends the transfer at time 0 and reports when its
// last frame was in, with the link's settings as it has them.
json time_transfer(const json& link) {
  return json::parse(run_forked([link] {
    Topology t(topology(link));
    sc::FcLink& fibre = t.fibre(0);
    static const std::vector<uint8_t> chunk(1000 * kPayload);
    const std::vector<sc::FcSequence> sequences(kFrames / 1000,
                                                sc::FcSequence{sc::kRctlData, chunk});
    json out;
    sc_core::sc_spawn([&] {
      const sc::LinkResult r = fibre.forward().transmit(1, sequences);
      const auto& s = fibre.forward().stats();
      out = {{"delivered", r == sc::LinkResult::delivered},
             {"end_ps", sc::now_ps()},
             {"bytes", s.payload_bytes},
             {"frames", s.frames},
             {"credit_starved_ps", s.credit_starved_ps},
             {"bb_credits", fibre.config().bb_credits},
             {"max_payload", fibre.config().max_payload},
             {"frame_fidelity", fibre.config().fidelity == sc::LinkFidelity::frame},
             {"propagation_ps", fibre.propagation_ps()}};
      sc_core::sc_stop();
    });
    sc_core::sc_start();
    return out.dump();
  }));
}

// 16GFC: 14.025 GBd x 64/66 = 1,700 MB/s of encoded data; a full frame is
// on the line for (2,112 + 36 framing + 24 idle) bytes.
const double kDataRate = sc::fc_speed("16GFC")->data_bytes_per_second();
const double kFrameS = (kPayload + 60.0) / kDataRate;
const double kPayloadRate = kDataRate * kPayload / (kPayload + 60.0);

json link_50km(uint32_t credits) {
  return {{"speed", "16GFC"},
          {"distance_km", 50},
          {"propagation_us_per_km", 5.0},
          {"bb_credits", credits},
          {"max_payload", kPayload}};
}

double throughput(const json& m) {
  return m["bytes"].get<double>() / (m["end_ps"].get<double>() * 1e-12);
}

}  // namespace

// Brocade's rule (shared/reference/fc_link_reference.csv, bbcredit rows:
// km x Gbps / 2 + 6, 8 credits per km at 16GFC, 406 at 50 km) for full
// frames: 400 credits at 50 km keep the line full. A credit is away for a
// frame time plus the 500-us round trip, 501.28 us, so 393 would do. The
// measured rate includes the last frame's 250-us flight (0.3 % of the
// 76.9-ms run); it must be within 1 % of the payload rate, 1,653.0 MB/s.
BOOST_AUTO_TEST_CASE(sixteen_gfc_at_50_km_with_8_credits_per_km_carries_the_payload_rate) {
  const json m = time_transfer(link_50km(400));
  BOOST_TEST_MESSAGE(fmt::format("400 credits: {:.1f} MB/s, payload rate {:.1f} MB/s",
                                 throughput(m) / 1e6, kPayloadRate / 1e6));
  BOOST_TEST(m["delivered"].get<bool>());
  BOOST_TEST(m["bb_credits"] == 400);
  BOOST_TEST(m["max_payload"] == kPayload);
  BOOST_TEST(m["propagation_ps"] == 250'000'000);
  BOOST_TEST(m["frames"] == kFrames);
  BOOST_TEST(m["bytes"] == kFrames * kPayload);
  BOOST_TEST(m["credit_starved_ps"] == 0);
  BOOST_TEST(throughput(m) == kPayloadRate, boost::test_tools::tolerance(0.01));
  BOOST_TEST(throughput(m) <= kPayloadRate);
}

// With 40 credits the window limits the rate: credits x payload / (frame
// time + 2 x propagation) = 40 x 2,112 / 501.28 us = 168.5 MB/s, within
// 1 % (the run is 1,500 round trips; the last frame's flight adds 0.03 %).
BOOST_AUTO_TEST_CASE(sixteen_gfc_at_50_km_with_40_credits_runs_at_the_credit_window) {
  const json m = time_transfer(link_50km(40));
  const double window = 40 * kPayload / (kFrameS + 2 * 50 * 5e-6);
  BOOST_TEST_MESSAGE(fmt::format("40 credits: {:.2f} MB/s, formula {:.2f} MB/s",
                                 throughput(m) / 1e6, window / 1e6));
  BOOST_TEST(m["delivered"].get<bool>());
  BOOST_TEST(m["bb_credits"] == 40);
  BOOST_TEST(m["credit_starved_ps"].get<uint64_t>() > 0);
  BOOST_TEST(throughput(m) == window, boost::test_tools::tolerance(0.01));
}

// "fidelity": "frame" moves every frame through SystemC processes; the
// schedule is the fast one to the picosecond.
BOOST_AUTO_TEST_CASE(frame_fidelity_from_the_topology_gives_the_same_schedule) {
  json link = link_50km(40);
  const json fast = time_transfer(link);
  link["fidelity"] = "frame";
  const json frame = time_transfer(link);
  BOOST_TEST(!fast["frame_fidelity"].get<bool>());
  BOOST_TEST(frame["frame_fidelity"].get<bool>());
  BOOST_TEST(frame["delivered"].get<bool>());
  BOOST_TEST(frame["end_ps"] == fast["end_ps"]);
  BOOST_TEST(frame["credit_starved_ps"] == fast["credit_starved_ps"]);
}

// Every setting arrives where it belongs: each fibre (return links too),
// both link adapters, each array's firmware.
BOOST_AUTO_TEST_CASE(settings_reach_the_links_adapters_and_firmware) {
  json link = link_50km(123);
  link["links"] = 2;
  link["return_links"] = 1;
  link["lost_frame_detect_us"] = 2500;
  link["adapter"] = {{"dma",
                      {{"bus", {{"clock_mhz", 400}, {"width_bytes", 64}, {"latency_cycles", 8}}},
                       {"queue_depth", 32}}},
                     {"fcp",
                      {{"mode", "standard"},
                       {"policy", "allocate_after_receipt"},
                       {"buffers", 64},
                       {"pool_buffers", 128}}}};
  const json primary_firmware = {
      {"master_tcbs", 20}, {"data_mover_tcbs", 100}, {"local_pairs", {{"max_pairs", 300}}}};
  const json secondary_firmware = {{"master_tcbs", 24}};
  const json got = json::parse(run_forked([&] {
    Topology t(topology(link, primary_firmware, secondary_firmware));
    json out;
    for (std::size_t i = 0; i < t.fibres(); ++i) {
      const auto& c = t.fibre(i).config();
      out["fibres"].push_back({c.bb_credits, c.distance_km, c.lost_frame_detect_us});
    }
    for (const char* name : {"primary", "secondary"}) {
      auto* a = t.array(name);
      const auto& dma = a->links->dma().config();
      const auto& fcp = a->links->path(0).config();
      out[name] = {
          {"dma",
           {dma.bus.clock_mhz, dma.bus.width_bytes, dma.bus.latency_cycles, dma.queue_depth}},
          {"fcp",
           {fcp.mode == sc::FcpWriteMode::standard,
            fcp.policy == sc::SecondaryBufferPolicy::allocate_after_receipt, fcp.buffers}},
          {"masters", a->firmware->masters().capacity()},
          {"movers", a->firmware->data_movers().capacity()},
          {"max_pairs", a->firmware->local_pairs().config().max_pairs}};
    }
    return out.dump();
  }));
  BOOST_TEST(got["fibres"] == json::parse("[[123, 50.0, 2500.0], [123, 50.0, 2500.0], "
                                          "[123, 50.0, 2500.0]]"));
  for (const char* name : {"primary", "secondary"}) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(got[name]["dma"] == json::parse("[400.0, 64, 8, 32]"));
      BOOST_TEST(got[name]["fcp"] == json::parse("[true, true, 64]"));
    }
  }
  BOOST_TEST(got["primary"]["masters"] == 20);
  BOOST_TEST(got["primary"]["movers"] == 100);
  BOOST_TEST(got["primary"]["max_pairs"] == 300);
  BOOST_TEST(got["secondary"]["masters"] == 24);
  BOOST_TEST(got["secondary"]["movers"] == 256);  // the default
}

BOOST_AUTO_TEST_CASE(unknown_keys_in_the_link_and_firmware_are_errors_naming_the_path) {
  json link = link_50km(40);
  link["bb_creditz"] = 400;
  BOOST_TEST(build_error(topology(link)) == "/link/bb_creditz: unknown key");
  link = link_50km(40);
  link["adapter"] = {{"fcp", {{"bufers", 8}}}};
  BOOST_TEST(build_error(topology(link)) == "/link/adapter/fcp/bufers: unknown key");
  BOOST_TEST(build_error(topology(link_50km(40), {{"colour", "red"}})) ==
             "/arrays/0/firmware/colour: unknown key");
  BOOST_TEST(
      build_error(topology(link_50km(40), json::object(), {{"transfer", {{"groups", 2}}}})) ==
      "/arrays/1/firmware/transfer/groups: unknown key");
  BOOST_TEST(build_error(topology(link_50km(0))) == "/link/bb_credits: 0 is outside [1, 65535]");
  BOOST_TEST(build_error(topology(link_50km(40))).empty());
}

// 65,536 TCBs of 64 KiB are 4 GiB, the whole control store: the pool is
// refused when the array is built, naming the firmware object.
BOOST_AUTO_TEST_CASE(firmware_the_control_store_cannot_hold_is_an_error_naming_the_path) {
  const std::string e =
      build_error(topology(link_50km(40), {{"master_tcbs", 65536}, {"tcb_bytes", 65536}}));
  BOOST_TEST_MESSAGE(e);
  BOOST_TEST(e.starts_with("/arrays/0/firmware: TCB pool masters: "));
}
