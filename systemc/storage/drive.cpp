#include "systemc/storage/drive.h"

#include "systemc/common/sim_time.h"
#include "systemc/common/uint128.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace copysim::sc {

using checkcode::kStoredBlockBytes;

namespace {

uint64_t ms_to_ps(double ms) { return static_cast<uint64_t>(std::llround(ms * 1e9)); }

}  // namespace

uint64_t DriveConfig::revolution_ps() const {
  return static_cast<uint64_t>(std::llround(60e12 / rpm));
}

double DriveConfig::media_bytes_per_second() const {
  return double(blocks_per_track) * kStoredBlockBytes / (double(revolution_ps()) * 1e-12);
}

Drive::Drive(std::string name, DriveConfig config)
    : name_(std::move(name)), config_(config), rev_ps_(config.revolution_ps()) {
  if (config.cylinders < 3 || config.heads == 0 || config.blocks_per_track == 0) {
    throw std::invalid_argument(
        fmt::format("drive {}: needs at least 3 cylinders, 1 head and 1 "
                    "block per track",
                    name_));
  }
  const uint64_t bpt = config.blocks_per_track;
  auto sectors_during = [&](uint64_t ps) {
    return static_cast<uint64_t>(((uint128)ps * bpt + rev_ps_ - 1) / rev_ps_ % bpt);
  };
  head_skew_ = sectors_during(ms_to_ps(config.head_switch_ms));
  cylinder_skew_ = sectors_during(ms_to_ps(config.track_to_track_ms));
}

uint64_t Drive::skew_sectors(uint64_t track) const {
  const uint64_t cylinder = track / config_.heads;
  const uint64_t head = track % config_.heads;
  // Each head switch within a cylinder adds head_skew_; each cylinder
  // boundary adds cylinder_skew_ instead.
  const uint64_t switches = cylinder * (config_.heads - 1) + head;
  return (switches * head_skew_ + cylinder * cylinder_skew_) % config_.blocks_per_track;
}

void Drive::format_extent(uint64_t first_lba, uint64_t blocks, checkcode::LogicalAddress first) {
  if (first_lba + blocks > config_.blocks()) {
    throw std::invalid_argument(
        fmt::format("drive {}: extent of {} blocks at LBA {} exceeds its "
                    "{} blocks",
                    name_, blocks, first_lba, config_.blocks()));
  }
  extents_[first_lba] = {blocks, first};
}

uint64_t Drive::seek_ps(uint32_t d) const {
  if (d == 0) return 0;
  const double t2t = config_.track_to_track_ms;
  const double full = config_.full_stroke_ms;
  const double x = double(d - 1) / double(config_.cylinders - 2);
  return ms_to_ps(t2t + (full - t2t) * std::sqrt(x));
}

// Works in units of 1/bpt picosecond, in which a sector lasts exactly one
// revolution's picoseconds, so that no rounding accumulates inside an
// access; only the total is rounded up to a picosecond.
uint64_t Drive::access_ps(uint64_t start_ps, uint64_t lba, uint32_t blocks, DriveStats* stats) {
  const uint64_t bpt = config_.blocks_per_track;
  const uint128 rev_u = (uint128)rev_ps_ * bpt;
  const uint128 start_u = (uint128)start_ps * bpt;
  uint128 t = start_u;
  uint128 seek = 0, rotation = 0, transfer = 0;
  while (blocks > 0) {
    const uint64_t track = lba / bpt;
    const auto cylinder = static_cast<uint32_t>(track / config_.heads);
    const auto head = static_cast<uint32_t>(track % config_.heads);
    const uint64_t sector = lba % bpt;
    const auto run = static_cast<uint32_t>(std::min<uint64_t>(blocks, bpt - sector));
    uint64_t move = 0;
    if (cylinder != cylinder_) {
      move = seek_ps(cylinder > cylinder_ ? cylinder - cylinder_ : cylinder_ - cylinder);
    } else if (head != head_) {
      move = ms_to_ps(config_.head_switch_ms);
    }
    t += (uint128)move * bpt;
    seek += (uint128)move * bpt;
    // A head arriving less than a picosecond late (the caller's start was
    // rounded up) still catches the sector.
    const uint64_t angle = (sector + skew_sectors(track)) % bpt;
    const uint128 target = (uint128)angle * rev_ps_;
    uint128 wait = (target + rev_u - t % rev_u) % rev_u;
    if (rev_u - wait < bpt) wait = 0;
    const uint128 xfer = (uint128)run * rev_ps_;
    t += wait + xfer;
    rotation += wait;
    transfer += xfer;
    cylinder_ = cylinder;
    head_ = head;
    lba += run;
    blocks -= run;
  }
  if (stats != nullptr) {
    stats->seek_ps += static_cast<uint64_t>(seek / bpt);
    stats->rotation_ps += static_cast<uint64_t>(rotation / bpt);
    stats->transfer_ps += static_cast<uint64_t>(transfer / bpt);
  }
  return static_cast<uint64_t>((t - start_u + bpt - 1) / bpt);
}

void Drive::check_range(uint64_t lba, uint32_t blocks, std::size_t bytes) const {
  if (blocks == 0 || lba + blocks > config_.blocks()) {
    throw std::out_of_range(fmt::format("drive {}: {} blocks at LBA {} outside its {} blocks",
                                        name_, blocks, lba, config_.blocks()));
  }
  if (bytes != std::size_t{blocks} * kStoredBlockBytes) {
    throw std::invalid_argument(
        fmt::format("drive {}: buffer of {} bytes for {} blocks", name_, bytes, blocks));
  }
}

void Drive::serve(uint64_t lba, uint32_t blocks, bool is_write) {
  const uint64_t now = now_ps();
  const auto overhead = static_cast<uint64_t>(std::llround(config_.controller_overhead_us * 1e6));
  const uint64_t start = std::max(now + overhead, free_at_ps_);
  const uint64_t duration = access_ps(start, lba, blocks, &stats_);
  stats_.busy_ps += start + duration - std::max(now, free_at_ps_);
  free_at_ps_ = start + duration;
  (is_write ? stats_.writes : stats_.reads) += 1;
  (is_write ? stats_.blocks_written : stats_.blocks_read) += blocks;
  sc_core::wait(sc_core::sc_time(double(free_at_ps_ - now), sc_core::SC_PS));
}

void Drive::fill_formatted(uint64_t lba, std::span<uint8_t, kStoredBlockBytes> out) const {
  if (const auto la = formatted_address(lba)) {
    checkcode::format_block(out, *la);
  } else {
    std::fill(out.begin(), out.end(), uint8_t{0});
  }
}

std::optional<checkcode::LogicalAddress> Drive::formatted_address(uint64_t lba) const {
  auto it = extents_.upper_bound(lba);
  if (it == extents_.begin()) return std::nullopt;
  --it;
  if (lba >= it->first + it->second.blocks) return std::nullopt;
  const auto offset = static_cast<uint32_t>(lba - it->first);
  return checkcode::LogicalAddress{it->second.first.device, it->second.first.block + offset};
}

void Drive::read(uint64_t lba, uint32_t blocks, std::span<uint8_t> out) {
  check_range(lba, blocks, out.size());
  serve(lba, blocks, false);
  for (uint32_t i = 0; i < blocks; ++i) {
    auto dst = out.subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>();
    if (auto it = store_.find(lba + i); it != store_.end()) {
      std::copy(it->second.begin(), it->second.end(), dst.begin());
    } else {
      fill_formatted(lba + i, dst);
    }
  }
}

void Drive::peek(uint64_t lba, std::span<uint8_t, kStoredBlockBytes> out) const {
  if (auto it = store_.find(lba); it != store_.end()) {
    std::copy(it->second.begin(), it->second.end(), out.begin());
  } else {
    fill_formatted(lba, out);
  }
}

DriveWriteResult Drive::write(uint64_t lba, uint32_t blocks, std::span<const uint8_t> in) {
  check_range(lba, blocks, in.size());
  serve(lba, blocks, true);
  for (uint32_t i = 0; i < blocks; ++i) {
    if (!write_faults_.empty() && write_faults_.count(lba + i) != 0) {
      ++stats_.write_faults;
      return {false, lba + i};
    }
    const auto src = in.subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>();
    if (is_formatted(lba + i, src)) {
      store_.erase(lba + i);  // reads it back from the extent, as before
    } else {
      std::copy(src.begin(), src.end(), store_[lba + i].begin());
    }
  }
  return {};
}

// A block as freshly formatted (zeros stamped with the extent's address)
// takes no memory: an initial copy of a volume no host has written, or a
// host writing zeros, costs the store nothing. The zero scan fails on the
// first non-zero byte, so blocks with data pay almost nothing for it.
bool Drive::is_formatted(uint64_t lba, std::span<const uint8_t, kStoredBlockBytes> block) const {
  if (const auto la = formatted_address(lba)) return checkcode::is_formatted_block(block, *la);
  return std::all_of(block.begin(), block.end(), [](uint8_t b) { return b == 0; });
}

void Drive::reassign(uint64_t lba) {
  check_range(lba, 1, kStoredBlockBytes);
  const auto overhead = static_cast<uint64_t>(std::llround(config_.controller_overhead_us * 1e6));
  const uint64_t now = now_ps();
  const uint64_t start = std::max(now + overhead, free_at_ps_);
  stats_.busy_ps += start + rev_ps_ - std::max(now, free_at_ps_);
  free_at_ps_ = start + rev_ps_;
  sc_core::wait(ps_time(free_at_ps_ - now));
  write_faults_.erase(lba);
  Block spare;
  fill_formatted(lba, spare);  // a spare holds no data until written
  store_[lba] = spare;
  ++stats_.reassigned;
}

void Drive::fail_writes_to(uint64_t lba) {
  if (lba >= config_.blocks()) throw std::out_of_range("fail_writes_to outside the drive");
  write_faults_.insert(lba);
}

void Drive::corrupt_block(uint64_t lba, unsigned bit) {
  if (lba >= config_.blocks()) throw std::out_of_range("corrupt_block outside the drive");
  auto it = store_.find(lba);
  if (it == store_.end()) {
    Block b;
    fill_formatted(lba, b);
    it = store_.emplace(lba, b).first;
  }
  it->second[(bit / 8) % kStoredBlockBytes] ^= static_cast<uint8_t>(1u << (bit % 8));
}

void Drive::misdirect_block(uint64_t from, uint64_t to) {
  if (from >= config_.blocks() || to >= config_.blocks()) {
    throw std::out_of_range("misdirect_block outside the drive");
  }
  Block b;
  if (auto it = store_.find(from); it != store_.end()) {
    b = it->second;
  } else {
    fill_formatted(from, b);
  }
  store_[to] = b;
}

}  // namespace copysim::sc
