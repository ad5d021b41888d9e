// Seed 002's claim, asserted: with bridges, host write response on volumes
// in full duplex stays within 5% of its idle value however many volumes wait
// to synchronize (8 to 1,024); with a path and chain per pair (the
// baseline), it degrades as more pairs are duplex pending. The figures are
// in docs/REMOTE_COPY.md (bridge_bench prints them).
#include <boost/test/unit_test.hpp>

#include <map>

#include "testbench/common/bridge_experiment.h"

using namespace copysim::testing;

namespace {

constexpr uint32_t kWaiting[] = {8, 64, 256, 1024};

double growth(const BridgeExperimentResult& r, const BridgeExperimentResult& idle) {
  return r.mean_write_us / idle.mean_write_us - 1.0;
}

}  // namespace

// Flash-like drives: the copies are bound by the links, where the pairs'
// own copies and the full-duplex writes meet.
BOOST_AUTO_TEST_CASE(with_bridges_write_response_holds_while_the_baseline_degrades_with_volumes) {
  const BridgeExperimentResult idle = run_bridge_experiment(0, false, BackEnd::flash);
  BOOST_TEST(idle.writes > 350u);
  for (uint32_t n : kWaiting) {
    const BridgeExperimentResult bridge = run_bridge_experiment(n, true, BackEnd::flash);
    const BridgeExperimentResult own = run_bridge_experiment(n, false, BackEnd::flash);
    BOOST_TEST_CONTEXT(n << " volumes waiting: idle " << idle.mean_write_us << " us, bridge "
                         << bridge.mean_write_us << " us, own paths " << own.mean_write_us
                         << " us") {
      BOOST_TEST(growth(bridge, idle) <= 0.05);
      BOOST_TEST(bridge.syncing_peak == 1u);  // one bridge: one volume at a time
      // With 8 pairs waiting the baseline is already worse; from 64 on, the
      // copies fill the array's 64 hardware workers and the full-duplex
      // writes, which go first among those waiting, still take over twice
      // their idle response (no longer growing with N: the workers bound
      // what the pairs put on the links).
      BOOST_TEST(growth(own, idle) > growth(bridge, idle));
      if (n >= 64) BOOST_TEST(growth(own, idle) > 1.0);
      BOOST_TEST(bridge.tracks_sent > idle.tracks_sent);  // and the bridge does copy
    }
  }
}

// 15,000 rpm drives: the copies are bound by the drives, which caps what N
// pairs can put on the links; bridges still leave the response untouched.
BOOST_AUTO_TEST_CASE(on_disk_bound_copies_bridges_hold_the_response_and_the_baseline_does_not) {
  const BridgeExperimentResult idle = run_bridge_experiment(0, false, BackEnd::disk);
  for (uint32_t n : kWaiting) {
    const BridgeExperimentResult bridge = run_bridge_experiment(n, true, BackEnd::disk);
    const BridgeExperimentResult own = run_bridge_experiment(n, false, BackEnd::disk);
    BOOST_TEST_CONTEXT(n << " volumes waiting") {
      BOOST_TEST(growth(bridge, idle) <= 0.05);
      BOOST_TEST(growth(own, idle) > growth(bridge, idle));
      BOOST_TEST(own.max_write_us > 2 * idle.max_write_us);
    }
  }
}
