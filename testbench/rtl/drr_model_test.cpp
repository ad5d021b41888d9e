// The DRR unit's behaviour, on its C++ cycle model and its transaction-level
// model: what it does to good, damaged and misplaced blocks, and its timing
// in cycles.
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include "rtl/drr/drr_stepper.h"
#include "rtl/drr/drr_transfer.h"
#include "rtl/drr/drr_unit_model.h"
#include "testbench/common/blocks.h"

using namespace copysim::drr;
using namespace copysim::checkcode;
using copysim::testing::block_at;
using copysim::testing::make_blocks;

namespace {

const DrrCommand kCopy{{0x0100, 1000}, {0x0200, 5000}, 16};

}  // namespace

BOOST_AUTO_TEST_SUITE(drr_behaviour)

BOOST_AUTO_TEST_CASE(good_blocks_leave_stamped_for_the_target_with_data_unchanged) {
  std::mt19937_64 rng(1);
  const auto in = make_blocks(kCopy.block_count, kCopy.source, rng);
  std::vector<uint8_t> out(in.size());
  DrrUnitModel unit;
  const DrrStepResult r = step_transfer(unit, kCopy, in, out);
  BOOST_TEST(r.status == (DrrStatus{16, 0, 0, kNoBadBlock}));
  for (uint32_t i = 0; i < kCopy.block_count; ++i) {
    BOOST_TEST_CONTEXT("block " << i) {
      BOOST_TEST(verify(block_at(out, i), {0x0200, 5000 + i}) == BlockCheck::ok);
      BOOST_TEST(
          std::equal(in.begin() + i * 520, in.begin() + i * 520 + 512, out.begin() + i * 520));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_damaged_block_is_flagged_and_leaves_with_its_trailer_as_it_came) {
  std::mt19937_64 rng(2);
  auto in = make_blocks(kCopy.block_count, kCopy.source, rng);
  in[5 * 520 + 100] ^= 0x04;  // data bit of block 5
  in[9 * 520 + 519] ^= 0x01;  // check-code bit of block 9
  std::vector<uint8_t> out(in.size());
  DrrUnitModel unit;
  const DrrStepResult r = step_transfer(unit, kCopy, in, out);
  BOOST_TEST(r.status == (DrrStatus{16, 2, 0, 5}));
  for (uint32_t bad : {5u, 9u}) {
    BOOST_TEST(
        std::equal(in.begin() + bad * 520, in.begin() + (bad + 1) * 520, out.begin() + bad * 520));
    BOOST_TEST(verify(block_at(out, bad), {0x0200, 5000 + bad}) == BlockCheck::check_code_mismatch);
  }
  BOOST_TEST(verify(block_at(out, 6), {0x0200, 5006}) == BlockCheck::ok);
}

BOOST_AUTO_TEST_CASE(a_misplaced_block_is_flagged_and_not_restamped) {
  std::mt19937_64 rng(3);
  auto in = make_blocks(kCopy.block_count, kCopy.source, rng);
  stamp(block_at(in, 3), {0x0100, 777});   // intact, but not block 1003
  stamp(block_at(in, 4), {0x0101, 1004});  // intact, but another device's
  std::vector<uint8_t> out(in.size());
  DrrUnitModel unit;
  const DrrStepResult r = step_transfer(unit, kCopy, in, out);
  BOOST_TEST(r.status == (DrrStatus{16, 0, 2, 3}));
  BOOST_TEST(read_la(block_at(out, 3)) == (LogicalAddress{0x0100, 777}));
  BOOST_TEST(read_la(block_at(out, 4)) == (LogicalAddress{0x0101, 1004}));
  BOOST_TEST(verify(block_at(out, 5), {0x0200, 5005}) == BlockCheck::ok);
}

BOOST_AUTO_TEST_CASE(transaction_model_gives_the_cycle_models_bytes_and_status) {
  std::mt19937_64 rng(4);
  auto in = make_blocks(200, {7, 0}, rng);
  for (int i = 0; i < 20; ++i) in[rng() % in.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
  const DrrCommand cmd{{7, 0}, {9, 100}, 200};
  std::vector<uint8_t> stepped(in.size()), fast(in.size());
  DrrUnitModel unit;
  const DrrStepResult r = step_transfer(unit, cmd, in, stepped);
  BOOST_TEST(drr_transfer(cmd, in, fast) == r.status);
  BOOST_TEST(stepped == fast);
  BOOST_TEST(r.status.cd_errors > 0u);
}

BOOST_AUTO_TEST_CASE(block_numbers_wrap_modulo_two_to_the_32) {
  std::mt19937_64 rng(5);
  const DrrCommand cmd{{1, 0xfffffffe}, {2, 0xffffffff}, 3};
  const auto in = make_blocks(3, cmd.source, rng);
  std::vector<uint8_t> out(in.size());
  BOOST_TEST(drr_transfer(cmd, in, out).cd_errors == 0u);
  BOOST_TEST(read_la(block_at(out, 0)) == (LogicalAddress{2, 0xffffffff}));
  BOOST_TEST(read_la(block_at(out, 1)) == (LogicalAddress{2, 0}));
  BOOST_TEST(read_la(block_at(out, 2)) == (LogicalAddress{2, 1}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(drr_timing)

BOOST_AUTO_TEST_CASE(unstalled_transfer_takes_the_documented_cycles_at_every_width) {
  std::mt19937_64 rng(6);
  for (unsigned width : {8u, 16u, 32u, 64u, 128u, 256u, 512u}) {
    for (uint32_t n : {0u, 1u, 2u, 111u}) {
      BOOST_TEST_CONTEXT("data_bytes " << width << ", " << n << " blocks") {
        const auto in = make_blocks(n, {1, 0}, rng);
        std::vector<uint8_t> out(in.size());
        DrrUnitModel unit(width);
        const DrrStepResult r = step_transfer(unit, {{1, 0}, {2, 0}, n}, in, out);
        BOOST_TEST(r.cycles == drr_transfer_cycles(n, width));
        BOOST_TEST(r.status.blocks == n);
      }
    }
  }
  // The figures docs/DRR_UNIT.md quotes for the default 64-byte path.
  BOOST_TEST(beats_per_block(64) == 9u);
  BOOST_TEST(drr_transfer_cycles(111, 64) == 1002u);
}

// Drives the pins directly: with the source always valid and the sink always
// ready, a beat enters every cycle and leaves exactly one cycle later.
BOOST_AUTO_TEST_CASE(one_beat_per_cycle_with_one_cycle_latency) {
  std::mt19937_64 rng(7);
  const uint32_t n = 50;
  const auto in = make_blocks(n, {1, 0}, rng);
  const unsigned beats = n * beats_per_block(64);
  DrrUnitModel unit(64);
  DrrInputs pins;
  pins.cmd = {{1, 0}, {2, 0}, n};
  pins.cmd_valid = true;
  pins.out_ready = true;
  pins.sts_ready = true;
  BOOST_TEST(unit.evaluate(pins).cmd_ready);
  unit.clock_edge();
  pins.cmd_valid = false;
  pins.in_valid = true;
  std::vector<uint8_t> beat(64, 0);
  pins.in_data = beat;
  for (unsigned cycle = 0; cycle < beats; ++cycle) {
    const DrrOutputs o = unit.evaluate(pins);
    BOOST_TEST_REQUIRE(o.in_ready, "stalled at cycle " << cycle);
    BOOST_TEST_REQUIRE(o.out_valid == (cycle >= kDrrLatencyCycles));
    unit.clock_edge();
  }
  pins.in_valid = false;
  DrrOutputs o = unit.evaluate(pins);
  BOOST_TEST(o.out_valid);  // the last beat, one cycle after it entered
  BOOST_TEST(o.out_trailer);
  BOOST_TEST(!o.sts_valid);
  unit.clock_edge();
  o = unit.evaluate(pins);
  BOOST_TEST(o.sts_valid);
  BOOST_TEST(o.status.blocks == n);
}

BOOST_AUTO_TEST_CASE(back_pressure_on_every_handshake_loses_nothing) {
  std::mt19937_64 rng(8);
  const DrrCommand cmd{{3, 10}, {4, 20}, 40};
  const auto in = make_blocks(cmd.block_count, cmd.source, rng);
  std::vector<uint8_t> expected(in.size()), out(in.size());
  const DrrStatus want = drr_transfer(cmd, in, expected);
  std::mt19937_64 stall_rng(9);
  auto coin = [&] { return stall_rng() % 3 == 0; };
  DrrUnitModel unit;
  const DrrStepResult r = step_transfer(unit, cmd, in, out, {coin, coin, coin, coin});
  BOOST_TEST(r.status == want);
  BOOST_TEST(out == expected);
  BOOST_TEST(r.cycles > drr_transfer_cycles(cmd.block_count, 64));
}

BOOST_AUTO_TEST_CASE(reset_mid_transfer_returns_the_unit_to_idle) {
  DrrUnitModel unit;
  DrrInputs pins;
  pins.cmd = {{1, 0}, {2, 0}, 4};
  pins.cmd_valid = true;
  unit.evaluate(pins);
  unit.clock_edge();
  pins.cmd_valid = false;
  BOOST_TEST(!unit.evaluate(pins).cmd_ready);
  pins.rst = true;
  unit.evaluate(pins);
  unit.clock_edge();
  pins.rst = false;
  const DrrOutputs o = unit.evaluate(pins);
  BOOST_TEST(o.cmd_ready);
  BOOST_TEST(!o.out_valid);
  BOOST_TEST(!o.sts_valid);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(drr_bad_input)

BOOST_AUTO_TEST_CASE(unsupported_widths_are_refused_with_the_rule) {
  for (unsigned width : {0u, 4u, 24u, 1024u}) {
    BOOST_CHECK_EXCEPTION(
        DrrUnitModel{width}, std::invalid_argument, [](const std::invalid_argument& e) {
          return std::string(e.what()).find("power of two in 8..512") != std::string::npos;
        });
  }
}

BOOST_AUTO_TEST_CASE(buffers_of_the_wrong_size_are_refused_and_nothing_is_written) {
  std::vector<uint8_t> in(3 * 520, 0xaa), out(3 * 520, 0x55);
  BOOST_CHECK_THROW(drr_transfer({{1, 0}, {2, 0}, 4}, in, out), std::invalid_argument);
  DrrUnitModel unit;
  BOOST_CHECK_THROW(step_transfer(unit, {{1, 0}, {2, 0}, 4}, in, out), std::invalid_argument);
  BOOST_TEST(std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0x55; }));
}

BOOST_AUTO_TEST_SUITE_END()
