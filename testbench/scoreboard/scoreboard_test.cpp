// The reference model's candidate sets and the scoreboard's verdicts, on
// hand-made write histories and images.
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <vector>

#include "testbench/common/host_data.h"
#include "testbench/scoreboard/scoreboard.h"

using namespace copysim::testing;

namespace {

constexpr uint16_t kDevice = 0x1000;

// An image of `blocks` blocks from `first`, block i holding `versions[i]`.
std::vector<uint8_t> image(uint64_t first, const std::vector<uint64_t>& versions) {
  std::vector<uint8_t> out(versions.size() * 512);
  for (std::size_t i = 0; i < versions.size(); ++i) {
    fill_user_block(std::span(out).subspan(i * 512, 512), kDevice, first + i, versions[i]);
  }
  return out;
}

// A write issued at `issue` that ended at `complete`; returns its version.
uint64_t write(ReferenceModel& m, uint64_t first, uint32_t blocks, uint64_t issue,
               uint64_t complete, bool ok = true) {
  const uint64_t v = m.begin_write(kDevice, first, blocks, issue);
  m.end_write(v, complete, ok);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_never_written_block_may_only_be_zeros) {
  ReferenceModel m;
  BOOST_TEST(m.candidates(kDevice, 7, 1000) == std::vector<uint64_t>{0});
}

BOOST_AUTO_TEST_CASE(a_completed_write_supersedes_everything_before_it) {
  ReferenceModel m;
  const uint64_t v1 = write(m, 0, 4, 100, 200);
  const uint64_t v2 = write(m, 2, 4, 300, 400);
  BOOST_TEST(m.candidates(kDevice, 1, 250) == std::vector<uint64_t>{v1});
  BOOST_TEST(m.candidates(kDevice, 3, 500) == std::vector<uint64_t>{v2});
  BOOST_TEST(m.candidates(kDevice, 3, 50) == std::vector<uint64_t>{0});
}

BOOST_AUTO_TEST_CASE(a_write_in_flight_at_the_instant_may_fall_either_side) {
  ReferenceModel m;
  const uint64_t v1 = write(m, 0, 1, 100, 200);
  const uint64_t v2 = write(m, 0, 1, 300, 400);
  BOOST_TEST(m.candidates(kDevice, 0, 350) == (std::vector<uint64_t>{v1, v2}));
  // Issued or completed exactly at the instant: either side too.
  BOOST_TEST(m.candidates(kDevice, 0, 300) == (std::vector<uint64_t>{v1, v2}));
  BOOST_TEST(m.candidates(kDevice, 0, 400) == (std::vector<uint64_t>{v1, v2}));
  BOOST_TEST(m.in_flight_at(kDevice, 350).size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_write_may_or_may_not_have_landed_until_a_good_one_follows) {
  ReferenceModel m;
  const uint64_t v1 = write(m, 0, 1, 100, 200, false);
  BOOST_TEST(m.candidates(kDevice, 0, 300) == (std::vector<uint64_t>{0, v1}));
  const uint64_t v2 = write(m, 0, 1, 300, 400);
  BOOST_TEST(m.candidates(kDevice, 0, 500) == std::vector<uint64_t>{v2});
}

BOOST_AUTO_TEST_CASE(overlapping_writes_may_each_win_until_a_later_one_completes) {
  ReferenceModel m;
  const uint64_t v1 = m.begin_write(kDevice, 0, 4, 100);
  const uint64_t v2 = m.begin_write(kDevice, 3, 1, 150);  // queued while v1 is in flight
  m.end_write(v2, 200, true);
  m.end_write(v1, 250, true);
  // Block 3: the array may have ordered them either way.
  BOOST_TEST(m.candidates(kDevice, 3, 300) == (std::vector<uint64_t>{v1, v2}));
  BOOST_TEST(m.candidates(kDevice, 0, 300) == std::vector<uint64_t>{v1});
  // Issued after both completed: it overwrites both once it completes.
  const uint64_t v3 = write(m, 3, 1, 250, 400);
  BOOST_TEST(m.candidates(kDevice, 3, 350) == (std::vector<uint64_t>{v1, v2, v3}));
  BOOST_TEST(m.candidates(kDevice, 3, 500) == std::vector<uint64_t>{v3});
  BOOST_TEST(m.ordered_before(v2, v3));
  BOOST_TEST(!m.ordered_before(v1, v2));
  BOOST_TEST(!m.ordered_before(v2, v1));
}

BOOST_AUTO_TEST_CASE(a_read_may_return_what_the_block_held_at_any_instant_of_it) {
  ReferenceModel m;
  const uint64_t v1 = write(m, 0, 1, 100, 200);
  const uint64_t v2 = write(m, 0, 1, 300, 400);
  BOOST_TEST(m.candidates(kDevice, 0, 250, 500) == (std::vector<uint64_t>{v1, v2}));
  BOOST_TEST(m.candidates(kDevice, 0, 450, 500) == std::vector<uint64_t>{v2});
  BOOST_TEST(m.candidates(kDevice, 0, 50, 250) == (std::vector<uint64_t>{0, v1}));
}

BOOST_AUTO_TEST_CASE(a_matching_image_passes_and_counts_its_bytes) {
  ReferenceModel m;
  const uint64_t v = write(m, 1, 2, 100, 200);
  Scoreboard board(m);
  Scoreboard::ImageCheck check(board, "volume", kDevice, 300);
  check.blocks(0, image(0, {0, v, v, 0}));
  check.writes_whole();
  BOOST_TEST(board.mismatches() == 0u);
  BOOST_TEST(board.bytes_compared() == 4u * 512);
  BOOST_TEST(board.checks() == 1u);
}

BOOST_AUTO_TEST_CASE(a_stale_block_is_a_mismatch_naming_what_it_holds) {
  ReferenceModel m;
  const uint64_t v1 = write(m, 0, 1, 100, 200);
  write(m, 0, 1, 300, 400);  // overwrites v1
  Scoreboard board(m);
  Scoreboard::ImageCheck check(board, "secondary", kDevice, 500);
  check.blocks(0, image(0, {v1}));
  BOOST_TEST(board.mismatches() == 1u);
  BOOST_TEST(board.mismatch_reports().at(0).find("holds version 1") != std::string::npos,
             board.mismatch_reports().at(0));
}

BOOST_AUTO_TEST_CASE(a_write_split_by_the_point_in_time_is_a_mismatch) {
  ReferenceModel m;
  const uint64_t v = write(m, 0, 2, 100, 300);
  Scoreboard board(m);
  {
    Scoreboard::ImageCheck whole(board, "split", kDevice, 200);
    whole.blocks(0, image(0, {v, v}));
    whole.writes_whole();
  }
  BOOST_TEST(board.mismatches() == 0u);
  Scoreboard::ImageCheck torn(board, "split", kDevice, 200);
  torn.blocks(0, image(0, {v, 0}));  // each block alone is allowed
  BOOST_TEST(board.mismatches() == 0u);
  torn.writes_whole();
  BOOST_TEST(board.mismatches() == 1u);
}

BOOST_AUTO_TEST_CASE(a_write_overlapping_one_in_flight_at_the_point_in_time_does_not_tear_it) {
  ReferenceModel m;
  const uint64_t v1 = m.begin_write(kDevice, 0, 2, 100);
  const uint64_t v2 = m.begin_write(kDevice, 1, 1, 150);  // overlaps v1 on block 1
  m.end_write(v1, 300, true);
  m.end_write(v2, 310, true);
  Scoreboard board(m);
  Scoreboard::ImageCheck check(board, "split", kDevice, 200);
  check.blocks(0, image(0, {v1, v2}));  // v1 before the point; v2 won block 1
  check.writes_whole();
  BOOST_TEST(board.mismatches() == 0u);
}

BOOST_AUTO_TEST_CASE(untouched_blocks_must_be_zeros) {
  ReferenceModel m;
  Scoreboard board(m);
  Scoreboard::ImageCheck check(board, "outside the extent", kDevice, 0);
  check.untouched(10, std::vector<uint8_t>(1024, 0));
  BOOST_TEST(board.mismatches() == 0u);
  std::vector<uint8_t> dirty(1024, 0);
  dirty[700] = 1;
  check.untouched(10, dirty);
  BOOST_TEST(board.mismatches() == 1u);
  BOOST_TEST(board.mismatch_reports().at(0).find("block 11") != std::string::npos);
}
