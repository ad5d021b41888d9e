// The firmware runtime on a stand-in for the hardware: TCB pools in the
// control store, running out as a normal condition, compute steps, waiting
// and waking, TCBs returning to their pools, and a firmware fault surfacing.
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <vector>

#include "firmware/runtime/dispatcher.h"
#include "testbench/firmware/fake_hardware.h"

using namespace copysim::fw;
using copysim::testing::FakeHardware;

namespace {

Task steps(std::vector<int>& trace, int id, uint64_t cycles) {
  trace.push_back(id);
  co_await compute{cycles};
  trace.push_back(id + 100);
}

Task waits(Event& event, std::vector<int>& trace, int id) {
  co_await event.wait();
  trace.push_back(id);
}

Task faulty() {
  co_await compute{10};
  throw std::runtime_error("firmware assertion");
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_pool_takes_its_memory_from_the_control_store_or_is_refused) {
  FakeHardware hw;
  hw.control_store_bytes = 10'000;
  Dispatcher d(hw);
  {
    TcbPool pool(d, "movers", 16, 512);
    BOOST_TEST(hw.used() == 16u * 512);
    BOOST_TEST(hw.tables["TCB pool movers"] == 16u * 512);
    BOOST_CHECK_EXCEPTION(TcbPool(d, "more", 4, 512), std::length_error,
                          [](const std::length_error& e) {
                            return std::string(e.what()).find("TCB pool more") != std::string::npos;
                          });
    BOOST_TEST(hw.used() == 16u * 512);  // the refused pool took nothing
  }
  BOOST_TEST(hw.used() == 0u);
}

BOOST_AUTO_TEST_CASE(running_out_of_tcbs_is_a_normal_answer) {
  FakeHardware hw;
  Dispatcher d(hw);
  TcbPool pool(d, "p", 2);
  Tcb* a = pool.allocate();
  Tcb* b = pool.allocate();
  BOOST_TEST(a != nullptr);
  BOOST_TEST(b != nullptr);
  BOOST_TEST(pool.allocate() == nullptr);
  BOOST_TEST(pool.stats().failures == 1u);
  pool.release(*a);
  BOOST_TEST(pool.allocate() == a);
}

BOOST_AUTO_TEST_CASE(compute_steps_charge_cycles_and_finished_tcbs_return_to_their_pool) {
  FakeHardware hw;
  Dispatcher d(hw, 200);
  TcbPool pool(d, "p", 4);
  std::vector<int> trace;
  d.start(*pool.allocate(), steps(trace, 1, 5000));
  d.start(*pool.allocate(), steps(trace, 2, 3000));
  BOOST_TEST(pool.in_use() == 2u);
  hw.run(d);
  // One processor: TCB 1 runs its step to the end before TCB 2 starts.
  BOOST_TEST(trace == (std::vector<int>{1, 101, 2, 102}), boost::test_tools::per_element());
  BOOST_TEST(hw.now_ps() == (200 + 5000 + 200 + 3000) * 1000u);
  BOOST_TEST(pool.in_use() == 0u);
  BOOST_TEST(d.stats().finished == 2u);
  BOOST_TEST(d.stats().compute_cycles == 8000u);
}

BOOST_AUTO_TEST_CASE(waiting_tcbs_leave_the_processor_until_woken) {
  FakeHardware hw;
  Dispatcher d(hw);
  TcbPool pool(d, "p", 4);
  Event event(d);
  std::vector<int> trace;
  d.start(*pool.allocate(), waits(event, trace, 7));
  d.start(*pool.allocate(), waits(event, trace, 8));
  hw.run(d);
  BOOST_TEST(trace.empty());
  BOOST_TEST(pool.in_use() == 2u);
  hw.at(hw.now_ps() + 1000, [&] { event.notify_all(); });
  hw.run(d);
  BOOST_TEST(trace == (std::vector<int>{7, 8}), boost::test_tools::per_element());
  BOOST_TEST(pool.in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(a_firmware_fault_surfaces_from_run_and_frees_the_tcb) {
  FakeHardware hw;
  Dispatcher d(hw);
  TcbPool pool(d, "p", 1);
  d.start(*pool.allocate(), faulty());
  BOOST_CHECK_THROW(hw.run(d), std::runtime_error);
  BOOST_TEST(pool.in_use() == 0u);
}

BOOST_AUTO_TEST_CASE(ten_thousand_tcbs_wait_at_once) {
  FakeHardware hw;
  hw.control_store_bytes = 64u << 20;
  Dispatcher d(hw);
  TcbPool pool(d, "many", 10000);
  Event event(d);
  std::vector<int> trace;
  for (int i = 0; i < 10000; ++i) d.start(*pool.allocate(), waits(event, trace, i));
  hw.run(d);
  BOOST_TEST(pool.in_use() == 10000u);
  event.notify_all();
  hw.run(d);
  BOOST_TEST(trace.size() == 10000u);
  BOOST_TEST(pool.in_use() == 0u);
}
