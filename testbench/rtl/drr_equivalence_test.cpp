// The Verilated RTL of drr_unit against its C++ cycle model, in lockstep:
// identical outputs on every pin on every cycle, under random commands,
// random stalls on all four handshakes and injected damaged and misplaced
// blocks; and both against the transaction-level model's bytes and status.
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include "rtl/drr/drr_lockstep.h"
#include "rtl/drr/drr_stepper.h"
#include "rtl/drr/drr_transfer.h"
#include "rtl/drr/drr_unit_model.h"
#include "rtl/drr/drr_unit_rtl.h"
#include "testbench/common/blocks.h"

using namespace copysim::drr;
using namespace copysim::checkcode;
using copysim::testing::block_at;
using copysim::testing::make_blocks;

namespace {

constexpr uint64_t kPeriodPs = 4000;  // 250 MHz

struct Totals {
  uint64_t blocks = 0;
  uint64_t damaged = 0;
  uint64_t misplaced = 0;
  uint64_t stalled_transfers = 0;
};

// Damages or misplaces about one block in 30 and returns how many of each.
void inject_faults(std::vector<uint8_t>& blocks, uint32_t count, LogicalAddress first,
                   std::mt19937_64& rng, Totals& totals) {
  for (uint32_t i = 0; i < count; ++i) {
    switch (rng() % 60) {
      case 0:  // a bit anywhere in the block, data or trailer
        blocks[i * kStoredBlockBytes + rng() % kStoredBlockBytes] ^=
            static_cast<uint8_t>(1u << (rng() % 8));
        ++totals.damaged;
        break;
      case 1:  // an intact block that belongs elsewhere
        stamp(block_at(blocks, i), {first.device, first.block + i + 1 + uint32_t(rng() % 9)});
        ++totals.misplaced;
        break;
      default:
        break;
    }
  }
}

Totals run_random_transfers(unsigned width, uint64_t min_blocks, uint64_t seed) {
  auto rtl = make_drr_unit_rtl(width, kPeriodPs);
  DrrUnitModel model(width);
  DrrLockstep lockstep(*rtl, model);

  DrrInputs reset;
  reset.rst = true;
  lockstep.evaluate(reset);
  lockstep.clock_edge();

  std::mt19937_64 rng(seed);
  Totals totals;
  while (totals.blocks < min_blocks) {
    const DrrCommand cmd{{static_cast<uint16_t>(rng()), static_cast<uint32_t>(rng())},
                         {static_cast<uint16_t>(rng()), static_cast<uint32_t>(rng())},
                         static_cast<uint32_t>(rng() % 65)};
    auto in = make_blocks(cmd.block_count, cmd.source, rng);
    inject_faults(in, cmd.block_count, cmd.source, rng, totals);

    // Stall probability per handshake for this transfer: none, light, heavy.
    const unsigned stall_percent[] = {0, 10, 50, 90};
    const unsigned p_cmd = stall_percent[rng() % 4], p_in = stall_percent[rng() % 4],
                   p_out = stall_percent[rng() % 4], p_sts = stall_percent[rng() % 4];
    auto stall = [&rng](unsigned percent) {
      return [&rng, percent] { return rng() % 100 < percent; };
    };
    if (p_cmd + p_in + p_out + p_sts > 0) ++totals.stalled_transfers;

    std::vector<uint8_t> out(in.size()), expected(in.size());
    const DrrStepResult r = step_transfer(lockstep, cmd, in, out,
                                          {stall(p_cmd), stall(p_in), stall(p_out), stall(p_sts)});
    const DrrStatus want = drr_transfer(cmd, in, expected);
    BOOST_REQUIRE(r.status == want);
    BOOST_REQUIRE(out == expected);
    totals.blocks += cmd.block_count;
  }
  BOOST_TEST(lockstep.cycles_compared() == rtl->cycles());
  return totals;
}

// A reference that is wrong on purpose, to prove the lockstep notices.
class FlipsOneCheckFlag final : public DrrPins {
 public:
  explicit FlipsOneCheckFlag(DrrPins& inner) : inner_(inner) {}
  unsigned data_bytes() const override { return inner_.data_bytes(); }
  DrrOutputs evaluate(const DrrInputs& in) override {
    DrrOutputs o = inner_.evaluate(in);
    if (o.out_valid && o.out_trailer && ++trailers_ == 3) o.out_cd_error = !o.out_cd_error;
    return o;
  }
  void clock_edge() override { inner_.clock_edge(); }

 private:
  DrrPins& inner_;
  int trailers_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(rtl_equals_model_bit_and_cycle_for_10000_random_blocks_at_64_bytes) {
  const Totals t = run_random_transfers(64, 10000, 2026);
  BOOST_TEST_MESSAGE("64-byte path: " << t.blocks << " blocks, " << t.damaged << " damaged, "
                                      << t.misplaced << " misplaced, " << t.stalled_transfers
                                      << " stalled transfers");
  BOOST_TEST(t.blocks >= 10000u);
  BOOST_TEST(t.damaged > 100u);
  BOOST_TEST(t.misplaced > 100u);
}

BOOST_AUTO_TEST_CASE(rtl_equals_model_bit_and_cycle_for_random_blocks_at_16_bytes) {
  const Totals t = run_random_transfers(16, 2000, 16);
  BOOST_TEST(t.blocks >= 2000u);
  BOOST_TEST(t.damaged + t.misplaced > 0u);
}

BOOST_AUTO_TEST_CASE(unstalled_rtl_takes_exactly_the_documented_cycles) {
  for (unsigned width : drr_rtl_widths()) {
    auto rtl = make_drr_unit_rtl(width, kPeriodPs);
    std::mt19937_64 rng(width);
    for (uint32_t n : {0u, 1u, 111u}) {
      const auto in = make_blocks(n, {5, 0}, rng);
      std::vector<uint8_t> out(in.size());
      const DrrStepResult r = step_transfer(*rtl, {{5, 0}, {6, 0}, n}, in, out);
      BOOST_TEST(r.cycles == drr_transfer_cycles(n, width), "width " << width << ", n " << n);
    }
  }
}

BOOST_AUTO_TEST_CASE(lockstep_stops_at_the_first_differing_pin) {
  auto rtl = make_drr_unit_rtl(64, kPeriodPs);
  DrrUnitModel model(64);
  FlipsOneCheckFlag wrong(model);
  DrrLockstep lockstep(*rtl, wrong);
  std::mt19937_64 rng(3);
  const auto in = make_blocks(8, {1, 0}, rng);
  std::vector<uint8_t> out(in.size());
  BOOST_CHECK_EXCEPTION(step_transfer(lockstep, {{1, 0}, {2, 0}, 8}, in, out), std::logic_error,
                        [](const std::logic_error& e) {
                          return std::string(e.what()).find("on out_cd_error") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(a_width_without_a_verilated_build_is_refused_naming_the_built_ones) {
  BOOST_CHECK_EXCEPTION(make_drr_unit_rtl(32, kPeriodPs), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what()).find("16 and 64") != std::string::npos;
                        });
}
