// Entry point of the Boost.Test suites that run SystemC. SystemC elaborates
// once per process, so the suite's global fixture builds the platform and
// each test case runs more simulated time on it (sc_harness.h). Any SystemC
// warning is thrown as an error, so it fails the test that caused it.
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>
#include <systemc>

bool init_unit_test() { return true; }

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING,
                                          sc_core::SC_DISPLAY | sc_core::SC_THROW);
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
