#include "testbench/scoreboard/scoreboard.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include "testbench/common/host_data.h"

namespace copysim::testing {

namespace {
constexpr std::size_t kBlock = 512;

bool holds(std::span<const uint8_t> found, uint16_t source, uint64_t block, uint64_t version) {
  std::array<uint8_t, kBlock> want{};
  fill_user_block(want, source, block, version);
  return std::equal(want.begin(), want.end(), found.begin());
}
}  // namespace

void Scoreboard::mismatch(std::string report) {
  ++mismatch_count_;
  if (reports_.size() < 20) reports_.push_back(std::move(report));
}

std::string Scoreboard::describe(uint16_t source, uint64_t block,
                                 std::span<const uint8_t> found) const {
  if (std::all_of(found.begin(), found.end(), [](uint8_t b) { return b == 0; })) return "zeros";
  if (const auto* versions = reference_.history(source, block)) {
    for (uint64_t v : *versions) {
      if (holds(found, source, block, v)) {
        const WriteRecord& w = reference_.write(v);
        return fmt::format("version {} (issued {} ps, completed {} ps)", v, w.issue_ps,
                           w.complete_ps);
      }
    }
  }
  return "bytes no host wrote there";
}

void Scoreboard::ImageCheck::blocks(uint64_t first_block, std::span<const uint8_t> image) {
  for (std::size_t i = 0; i * kBlock < image.size(); ++i) {
    const uint64_t block = first_block + i;
    const auto found = image.subspan(i * kBlock, kBlock);
    board_.bytes_compared_ += kBlock;
    const std::vector<uint64_t> allowed =
        board_.reference_.candidates(source_, block, from_ps_, t_ps_);
    auto hit = std::find_if(allowed.begin(), allowed.end(),
                            [&](uint64_t v) { return holds(found, source_, block, v); });
    if (hit == allowed.end()) {
      board_.mismatch(fmt::format("{}: block {} holds {}; allowed: version {} of {:#06x} at {} ps",
                                  what_, block, board_.describe(source_, block, found),
                                  fmt::join(allowed, " or "), source_, t_ps_));
    } else {
      shown_[block] = *hit;
    }
  }
}

void Scoreboard::ImageCheck::untouched(uint64_t first_block, std::span<const uint8_t> image) {
  board_.bytes_compared_ += image.size();
  for (std::size_t i = 0; i * kBlock < image.size(); ++i) {
    const auto found = image.subspan(i * kBlock, kBlock);
    if (!std::all_of(found.begin(), found.end(), [](uint8_t b) { return b == 0; })) {
      board_.mismatch(fmt::format("{}: block {} outside the copy holds {}; it must be untouched",
                                  what_, first_block + i,
                                  board_.describe(source_, first_block + i, found)));
    }
  }
}

void Scoreboard::ImageCheck::writes_whole() {
  for (const WriteRecord* w : board_.reference_.in_flight_at(source_, t_ps_)) {
    uint32_t in = 0, out = 0;
    for (uint32_t i = 0; i < w->blocks; ++i) {
      auto it = shown_.find(w->first_block + i);
      if (it == shown_.end()) continue;  // not in the image (outside the extents)
      // A block showing what the write overwrote puts it after the point
      // in time; one showing it, or a write that came after it, before.
      // A write that overlapped it says nothing: either may have won.
      const uint64_t shown = it->second;
      if (shown == w->version || board_.reference_.ordered_before(w->version, shown)) {
        ++in;
      } else if (board_.reference_.ordered_before(shown, w->version)) {
        ++out;
      }
    }
    if (in > 0 && out > 0) {
      board_.mismatch(fmt::format(
          "{}: write version {} (blocks {}..{}, issued {} ps, completed {} ps) is split by the "
          "point in time at {} ps: {} blocks before it, {} after",
          what_, w->version, w->first_block, w->first_block + w->blocks - 1, w->issue_ps,
          w->complete_ps, t_ps_, in, out));
    }
  }
}

}  // namespace copysim::testing
