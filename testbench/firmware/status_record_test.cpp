// The status bridge's blocks: records survive the round trip, and a
// malformed block is refused with what is wrong.
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "firmware/bridge/status_record.h"

using namespace copysim::fw;

BOOST_AUTO_TEST_CASE(twenty_records_fit_a_block_and_come_back_unchanged) {
  std::vector<StatusRecord> records;
  for (uint32_t i = 0; i < kStatusRecordsPerBlock; ++i) {
    records.push_back({i, 1000 + i, 0x1003, 0x2003, 7 * i, i % 3 != 0});
  }
  const std::vector<uint8_t> block = encode_status_block(records);
  BOOST_TEST(block.size() == 512u);
  BOOST_TEST((decode_status_block(block) == records));
  BOOST_TEST(decode_status_block(encode_status_block({})).empty());
}

BOOST_AUTO_TEST_CASE(malformed_status_blocks_are_refused_naming_what_is_wrong) {
  const std::vector<StatusRecord> one = {{3, 9, 0x1000, 0x2000, 5, true}};
  auto refused = [](std::vector<uint8_t> block, const std::string& what) {
    try {
      decode_status_block(block);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what()).find(what) != std::string::npos;
    }
    return false;
  };
  std::vector<uint8_t> block = encode_status_block(one);
  BOOST_TEST(refused(std::vector<uint8_t>(block.begin(), block.end() - 1), "511 bytes"));
  block[0] = 'X';
  BOOST_TEST(refused(block, "marker"));
  block = encode_status_block(one);
  block[3] = 21;
  BOOST_TEST(refused(block, "claims 21 records"));
  block = encode_status_block(one);
  block[16 + 16] = 2;
  BOOST_TEST(refused(block, "result 2"));
  BOOST_CHECK_THROW(encode_status_block(std::vector<StatusRecord>(21)), std::invalid_argument);
}
