// Block transfer commands and seed 000's modes on a stand-in for the
// hardware: every command in every state gets its transition or an error
// naming the state, and changes nothing when refused; piped, serial, and
// groups on links.
#include <boost/test/unit_test.hpp>

#include "firmware/controller/controller.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "testbench/common/printers.h"
#include "testbench/firmware/fake_hardware.h"

using namespace copysim::fw;
using copysim::testing::FakeHardware;

namespace {

CommandBlock transfer_cmd(uint16_t primary, uint64_t first, uint64_t tracks) {
  return {kTransferBlock, primary, 0x0200, {first, tracks, 0}};
}

ControllerConfig small(uint32_t movers) {
  ControllerConfig c;
  c.master_tcbs = 2;
  c.data_mover_tcbs = movers;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(command_blocks_round_trip_and_malformed_bytes_get_a_status) {
  const CommandBlock b{kTransferBlock, 0x0100, 0x0200, {5, 7, 9}};
  const auto bytes = encode(b);
  BOOST_TEST(bytes.size() == kCommandBlockBytes);
  const CommandBlock back = decode_command(bytes);
  BOOST_TEST(back.code == kTransferBlock);
  BOOST_TEST(back.secondary_volume == 0x0200);
  BOOST_TEST(back.parameters[2] == 9u);
  FakeHardware hw;
  Controller c(hw, small(4));
  const CommandStatus s = decode_status(c.command(std::span(bytes).first(31)));
  BOOST_TEST(s.result == CommandResult::malformed);
  BOOST_TEST(s.message.find("32 bytes") != std::string::npos);
  auto reserved = bytes;
  reserved[7] = 1;
  BOOST_TEST(decode_status(c.command(reserved)).result == CommandResult::malformed);
  const CommandStatus unknown = c.command(CommandBlock{0x7777, 0x0100, 0, {}});
  BOOST_TEST(unknown.result == CommandResult::unknown_command);
  BOOST_TEST(unknown.message == "unknown command code 0x7777");
}

BOOST_AUTO_TEST_CASE(every_transfer_command_in_every_state) {
  FakeHardware hw;
  Controller c(hw, small(8));
  auto query = [&] { return c.command(CommandBlock{kQueryTransfer, 0x0100, 0, {}}).message; };
  BOOST_TEST(query() == "volume 0x0100 idle");
  // Refused in idle, changing nothing: no such volume, tracks outside it.
  BOOST_TEST(c.command(transfer_cmd(0x0999, 0, 1)).message ==
             "TRANSFER_BLOCK refused: no volume 0x0999");
  const CommandStatus outside = c.command(transfer_cmd(0x0100, 990, 20));
  BOOST_TEST(outside.result == CommandResult::bad_parameter);
  BOOST_TEST(outside.message.find("990..1010 outside volume 0x0100 of 1000") != std::string::npos);
  BOOST_TEST(query() == "volume 0x0100 idle");
  // idle -> transferring
  BOOST_TEST(c.command(transfer_cmd(0x0100, 0, 100)).ok());
  BOOST_TEST(c.transfers().state(0x0100) == TransferState::transferring);
  // transferring: a second transfer is refused naming the state
  const CommandStatus again = c.command(transfer_cmd(0x0100, 0, 100));
  BOOST_TEST(again.result == CommandResult::invalid_state);
  BOOST_TEST(again.message == "TRANSFER_BLOCK refused: volume 0x0100 is transferring");
  hw.run(c.dispatcher());
  // transferring -> transferred
  BOOST_TEST(query().find("volume 0x0100 transferred: 100 of 100 tracks") == 0u, query());
  // transferred: a new transfer is allowed (parameters[1] = 0: to the end)
  BOOST_TEST(c.command(transfer_cmd(0x0100, 900, 0)).ok());
  hw.run(c.dispatcher());
  BOOST_TEST(c.transfers().transfer(0x0100)->stats().tracks_done == 100u);
  BOOST_TEST(c.masters().in_use() == 0u);
  BOOST_TEST(c.data_movers().in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(no_master_tcb_refuses_the_command_and_changes_nothing) {
  FakeHardware hw;
  hw.volume_tracks[0x0101] = 10;
  hw.volume_tracks[0x0102] = 10;
  Controller c(hw, small(8));
  BOOST_TEST(c.command(transfer_cmd(0x0100, 0, 10)).ok());
  BOOST_TEST(c.command(transfer_cmd(0x0101, 0, 10)).ok());
  const CommandStatus third = c.command(transfer_cmd(0x0102, 0, 10));
  BOOST_TEST(third.result == CommandResult::no_resources);
  BOOST_TEST(third.message.find("no master TCB free") != std::string::npos);
  BOOST_TEST(c.transfers().state(0x0102) == TransferState::idle);
  hw.run(c.dispatcher());
  BOOST_TEST(c.command(transfer_cmd(0x0102, 0, 10)).ok());
  hw.run(c.dispatcher());
  BOOST_TEST(c.transfers().state(0x0102) == TransferState::transferred);
}

BOOST_AUTO_TEST_CASE(without_data_movers_the_master_sends_every_track_itself) {
  FakeHardware hw;
  Controller c(hw, small(0));
  BOOST_TEST(c.command(transfer_cmd(0x0100, 0, 20)).ok());
  hw.run(c.dispatcher());
  const auto& st = c.transfers().transfer(0x0100)->stats();
  BOOST_TEST(st.tracks_serial == 20u);
  BOOST_TEST(st.tracks_piped == 0u);
  // One at a time: each track's send (100 us) follows the previous one.
  BOOST_TEST(st.end_ps - st.start_ps >= 20 * 100'000'000u);
  BOOST_TEST(hw.sent.size() == 20u);
}

BOOST_AUTO_TEST_CASE(tracks_go_in_groups_each_on_one_link) {
  FakeHardware hw;
  ControllerConfig cfg = small(64);
  cfg.transfer.group_tracks = 10;
  Controller c(hw, cfg);
  BOOST_TEST(c.command(transfer_cmd(0x0100, 0, 100)).ok());
  hw.run(c.dispatcher());
  BOOST_TEST(hw.sent.size() == 100u);
  for (std::size_t g = 0; g < 10; ++g) {
    for (std::size_t i = 1; i < 10; ++i) {
      BOOST_TEST(hw.sent[g * 10 + i].link == hw.sent[g * 10].link, "group " << g);
    }
  }
  // The first two groups probe both links, untried links counting as best.
  BOOST_TEST(hw.sent[0].link != hw.sent[10].link);
  BOOST_TEST(c.links().record(0).groups + c.links().record(1).groups == 10u);
}

BOOST_AUTO_TEST_CASE(a_link_reported_down_is_tried_again_after_the_retry_interval) {
  FakeHardware hw;
  hw.link_down_until_ps[0] = 5'000'000'000;  // link 0 down for the first 5 ms
  ControllerConfig cfg = small(8);
  cfg.transfer.link_retry_ps = 10'000'000'000;
  Controller c(hw, cfg);
  // 1,000 tracks, 8 at a time, 100 us each: about 6 ms on two links, 12 on one.
  BOOST_TEST(c.command(transfer_cmd(0x0100, 0, 1000)).ok());
  hw.run(c.dispatcher());
  const auto& st = c.transfers().transfer(0x0100)->stats();
  BOOST_TEST(c.transfers().state(0x0100) == TransferState::transferred);
  BOOST_TEST(st.resends > 0u);
  // Link 0 carried tracks again once it was back and its retry time had come.
  uint64_t late_on_link0 = 0;
  for (std::size_t i = hw.sent.size() / 2; i < hw.sent.size(); ++i)
    late_on_link0 += hw.sent[i].link == 0;
  BOOST_TEST(late_on_link0 > 0u);
}

BOOST_AUTO_TEST_CASE(a_failing_transfer_stays_transferring_until_its_tcbs_have_ended) {
  FakeHardware hw;
  hw.refused_tracks = {0};
  Controller c(hw, small(64));
  BOOST_TEST(c.command(transfer_cmd(0x0100, 0, 200)).ok());
  bool seen_winding_down = false;
  for (uint64_t t = 0; t < 100'000'000'000 && !c.transfers().transfer(0x0100)->finished();
       t += 1'000'000) {
    hw.run(c.dispatcher(), t);
    const BlockTransfer& bt = *c.transfers().transfer(0x0100);
    if (bt.outcome() == TransferOutcome::failed && !bt.finished()) {
      seen_winding_down = true;
      BOOST_TEST(c.transfers().state(0x0100) == TransferState::transferring);
      BOOST_TEST(c.command(transfer_cmd(0x0100, 0, 10)).result == CommandResult::invalid_state);
    }
  }
  hw.run(c.dispatcher());
  BOOST_TEST(seen_winding_down);
  BOOST_TEST(c.transfers().state(0x0100) == TransferState::failed);
  BOOST_TEST(c.masters().in_use() == 0u);
  BOOST_TEST(c.data_movers().in_use() == 0u);
  BOOST_TEST(c.command(transfer_cmd(0x0100, 1, 10)).ok());  // now it may start again
  hw.run(c.dispatcher());
  BOOST_TEST(c.transfers().state(0x0100) == TransferState::transferred);
}

BOOST_AUTO_TEST_CASE(without_links_a_transfer_is_refused) {
  FakeHardware hw;
  hw.link_send_ps.clear();
  Controller c(hw, small(4));
  const CommandStatus s = c.command(transfer_cmd(0x0100, 0, 10));
  BOOST_TEST(s.result == CommandResult::no_resources);
  BOOST_TEST(s.message == "TRANSFER_BLOCK refused: no link to a secondary");
  BOOST_TEST(c.transfers().state(0x0100) == TransferState::idle);
}

BOOST_AUTO_TEST_CASE(a_secondary_volume_serves_one_pair_and_is_protected_while_it_does) {
  FakeHardware hw;
  hw.volume_tracks[0x0101] = 1000;
  Controller c(hw, small(8));
  auto pair = [&](uint16_t code, uint16_t primary, uint64_t p0 = 0) {
    return c.command(CommandBlock{code, primary, 0x0200, {p0, 0, 0}});
  };
  BOOST_TEST(pair(kEstablishPath, 0).ok());
  BOOST_TEST(pair(kEstablishPair, 0x0100, 1).ok());
  BOOST_TEST(hw.protected_secondaries.count(0x0200) == 1u);
  const CommandStatus second = pair(kEstablishPair, 0x0101, 1);
  BOOST_TEST(second.result == CommandResult::invalid_state);
  BOOST_TEST(second.message ==
             "ESTABLISH_PAIR refused: volume 0x0200 is the secondary of another pair");
  BOOST_TEST(c.pairs().state(0x0101) == PairState::simplex);
  BOOST_TEST(pair(kTerminatePair, 0x0100).ok());
  BOOST_TEST(hw.protected_secondaries.count(0x0200) == 0u);
  BOOST_TEST(pair(kEstablishPair, 0x0101, 1).ok());
  BOOST_TEST(hw.tables["pair change bitmaps"] == 125u);  // 1,000 tracks, one bit each
}

BOOST_AUTO_TEST_CASE(a_pair_whose_copy_the_secondary_refuses_suspends_by_error_and_stays) {
  FakeHardware hw;
  hw.refused_tracks = {7};
  Controller c(hw, small(8));
  BOOST_TEST(c.command(CommandBlock{kEstablishPath, 0, 0, {}}).ok());
  BOOST_TEST(c.command(CommandBlock{kEstablishPair, 0x0100, 0x0200, {}}).ok());
  hw.run(c.dispatcher());
  BOOST_TEST(c.pairs().state(0x0100) == PairState::suspended);
  BOOST_TEST(c.pairs().reason(0x0100) == SuspendReason::error);
  BOOST_TEST(c.pairs().out_of_sync_tracks(0x0100) >= 1u);  // track 7 stays marked
  BOOST_TEST(c.masters().in_use() == 0u);                  // no automatic resume keeps retrying
}
