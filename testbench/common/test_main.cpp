// Entry point of the Boost.Test suites that need no SystemC.
#define BOOST_TEST_MODULE copysim
#include <boost/test/unit_test.hpp>
