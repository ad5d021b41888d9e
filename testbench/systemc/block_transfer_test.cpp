// Seed 000 on the platform: a block transfer's master and data-mover TCBs,
// run by the primary's processors, sending tracks from the primary's cache
// over one or more links to the secondary. Throughput against the link
// limit and the serial formula, switching between piped and serial, link
// selection with a degraded link, and after every run: every TCB back in
// its pool and the secondary's block equal to the primary's.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "testbench/common/transfer_experiment.h"

using namespace copysim;
using namespace copysim::sc;
using namespace copysim::testing;
using nlohmann::json;

namespace {

using Setup = TransferSetup;
json run(const Setup& s) { return run_transfer(s); }

void expect_clean_finish(const json& r) {
  BOOST_TEST(r["outcome"] == "complete");
  BOOST_TEST(r["mismatches"] == 0);
  BOOST_TEST(r["masters_in_use"] == 0);
  BOOST_TEST(r["movers_in_use"] == 0);
  BOOST_TEST(r["ready_left"] == 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(with_enough_data_movers_one_link_runs_at_its_limit_and_k_links_k_times) {
  const double limit = kTrackBytes / line_us();  // MB/s
  const json one = run(Setup{});
  Setup two_links;
  two_links.speeds = {"16GFC", "16GFC"};
  const json two = run(two_links);
  BOOST_TEST_MESSAGE("one link " << one["mb_per_s"] << " MB/s, two links " << two["mb_per_s"]
                                 << " MB/s, one link's limit " << limit);
  BOOST_TEST(one["mb_per_s"].get<double>() == limit, boost::test_tools::tolerance(0.02));
  BOOST_TEST(two["mb_per_s"].get<double>() == 2 * limit, boost::test_tools::tolerance(0.02));
  BOOST_TEST(one["serial"] == 0);
  expect_clean_finish(one);
  expect_clean_finish(two);
  // Both links carried half the groups.
  BOOST_TEST(two["links"][0][1].get<double>() == two["links"][1][1].get<double>(),
             boost::test_tools::tolerance(0.1));
}

// No data mover at all: the master sends every track itself, one at a time.
// A track costs the master's step and its dispatches, the DMA gather (cache
// and bus), the line, the round trip, the secondary's decode and write
// (processor, directory lookup, cache) and the status frame.
BOOST_AUTO_TEST_CASE(without_data_movers_the_master_sends_serially_at_the_analytical_rate) {
  Setup s;
  s.movers = 0;
  s.tracks = 500;
  const json r = run(s);
  const double per_track_us = 2.0 + 2 * 0.2                      // master step, two dispatches
                              + 1048 * 0.004 + 2096 * 0.004      // DMA: cache port, bus
                              + line_us() + 2 * 50.0             // line, round trip at 10 km
                              + 2.0 + 10.0 + 0.2 + 1048 * 0.004  // secondary
                              + 84 / kRate * 1e6;                // FCP_RSP
  BOOST_TEST_MESSAGE("serial: " << r["us_per_track"] << " us per track, expected " << per_track_us);
  BOOST_TEST(r["us_per_track"].get<double>() == per_track_us, boost::test_tools::tolerance(0.02));
  BOOST_TEST(r["piped"] == 0);
  BOOST_TEST(r["serial"] == 500);
  expect_clean_finish(r);
}

BOOST_AUTO_TEST_CASE(a_data_mover_shortage_switches_to_serial_and_back_and_the_copy_finishes) {
  Setup s;
  s.movers = 8;
  s.steal_from_us = 3000;
  s.steal_to_us = 6000;
  const json r = run(s);
  BOOST_TEST_MESSAGE("piped " << r["piped"] << ", serial " << r["serial"] << ", to serial "
                              << r["to_serial"] << ", to piped " << r["to_piped"]);
  BOOST_TEST(r["to_serial"].get<int>() >= 1);
  BOOST_TEST(r["to_piped"].get<int>() >= 1);
  BOOST_TEST(r["serial"].get<int>() > 0);
  BOOST_TEST(r["piped"].get<int>() > 0);
  BOOST_TEST(r["piped"].get<int>() + r["serial"].get<int>() == 2000);
  expect_clean_finish(r);
}

// A link at half the rate is less efficient by the response-time measure,
// and gets fewer groups; with both links busy, in proportion to their rates.
BOOST_AUTO_TEST_CASE(a_degraded_link_gets_a_smaller_share_of_the_groups) {
  Setup s;
  s.speeds = {"16GFC", "8GFC"};
  s.tracks = 3000;  // within the secondary's write-pending limit: the links, not its drives, limit
  const json r = run(s);
  const double g0 = r["links"][0][1], g1 = r["links"][1][1];
  const double share = g1 / (g0 + g1);
  const double rate_share = 850.0 / (1700.0 + 850.0);
  BOOST_TEST_MESSAGE("groups: 16GFC " << g0 << ", 8GFC " << g1 << " (share " << share
                                      << ", rate share " << rate_share << "); " << r["mb_per_s"]
                                      << " MB/s");
  BOOST_TEST(share == rate_share, boost::test_tools::tolerance(0.15));
  // Both links busy: together near the sum of their line rates.
  const double both = kTrackBytes / line_us() * (1 + 0.5);
  BOOST_TEST(r["mb_per_s"].get<double>() == both, boost::test_tools::tolerance(0.05));
  expect_clean_finish(r);
}

// Claim 6 waits for a group to complete before the next one starts; over a
// long link the pipeline drains at every group boundary, so claim 7's
// overlapped groups are faster.
BOOST_AUTO_TEST_CASE(groups_after_completion_drain_the_pipe_overlapped_groups_do_not) {
  Setup after;
  after.km = 100;
  after.tracks = 800;
  after.transfer.group_start = fw::GroupStart::after_completion;
  Setup overlapped = after;
  overlapped.transfer.group_start = fw::GroupStart::overlapped;
  const json a = run(after), o = run(overlapped);
  BOOST_TEST_MESSAGE("after completion " << a["mb_per_s"] << " MB/s, overlapped " << o["mb_per_s"]
                                         << " MB/s");
  BOOST_TEST(o["mb_per_s"].get<double>() > 1.5 * a["mb_per_s"].get<double>());
  expect_clean_finish(a);
  expect_clean_finish(o);
}

// The same copy driven the way a host drives it: command blocks through the
// primary's host port to the firmware's command processor.
BOOST_AUTO_TEST_CASE(command_blocks_through_a_host_port_start_query_and_refuse_a_transfer) {
  const json r = json::parse(run_forked([] {
    StorageArray primary("primary", ArrayConfig::from_json(transfer_array("0x0100")));
    StorageArray secondary("secondary", ArrayConfig::from_json(transfer_array("0x0200")));
    LinkAdapter adapter("la", LinkAdapterConfig{}, primary.cache());
    FcLink link("link0", FcLinkConfig{});
    adapter.add_path(link, commit_to(secondary));
    ArrayHardware hw("hw", primary, &adapter);
    fw::Controller controller(hw, fw::ControllerConfig{});
    hw.run_firmware(controller.dispatcher());
    hw.accept_commands(controller);
    json out = json::array();
    sc_core::sc_spawn([&] {
      auto send = [&](const fw::CommandBlock& b) {
        const fw::CommandStatus s = fw::decode_status(primary.command(1, fw::encode(b)));
        out.push_back({std::string(fw::to_string(s.result)), s.message});
      };
      send({fw::kTransferBlock, 0x0100, 0x0200, {0, 50, 0}});
      send({fw::kTransferBlock, 0x0100, 0x0200, {0, 50, 0}});
      send({fw::kQueryTransfer, 0x0100, 0, {}});
      while (controller.transfers().state(0x0100) == fw::TransferState::transferring) {
        wait(sc_core::sc_time(100, sc_core::SC_US));
      }
      send({fw::kQueryTransfer, 0x0100, 0, {}});
      uint64_t mismatches = 0;
      std::vector<uint8_t> a(kBpt * 512), b(kBpt * 512);
      for (uint32_t t = 0; t < 50; ++t) {
        primary.read(0, 0x0100, t * kBpt, kBpt, a);
        secondary.read(0, 0x0200, t * kBpt, kBpt, b);
        mismatches += a != b;
      }
      out.push_back({mismatches, controller.masters().in_use(), controller.data_movers().in_use()});
    });
    sc_core::sc_start();
    return out.dump();
  }));
  BOOST_TEST(r[0][0] == "ok");
  BOOST_TEST(r[1][0] == "invalid state");
  BOOST_TEST(r[1][1] == "TRANSFER_BLOCK refused: volume 0x0100 is transferring");
  BOOST_TEST(r[2][1].get<std::string>().find("volume 0x0100 transferring") == 0u);
  BOOST_TEST(r[3][1].get<std::string>().find("volume 0x0100 transferred: 50 of 50 tracks") == 0u,
             r[3][1]);
  BOOST_TEST(r[4] == json({0, 0, 0}));
}
