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

uint64_t Drive::positioning_ps(uint64_t start_ps, uint64_t lba) const {
  const uint64_t bpt = config_.blocks_per_track;
  const uint64_t track = lba / bpt;
  const auto cylinder = static_cast<uint32_t>(track / config_.heads);
  const auto head = static_cast<uint32_t>(track % config_.heads);
  uint64_t move = 0;
  if (cylinder != cylinder_) {
    move = seek_ps(cylinder > cylinder_ ? cylinder - cylinder_ : cylinder_ - cylinder);
  } else if (head != head_) {
    move = ms_to_ps(config_.head_switch_ms);
  }
  const uint128 rev_u = (uint128)rev_ps_ * bpt;
  const uint128 t = ((uint128)start_ps + move) * bpt;
  const uint64_t angle = (lba % bpt + skew_sectors(track)) % bpt;
  uint128 wait = ((uint128)angle * rev_ps_ + rev_u - t % rev_u) % rev_u;
  if (rev_u - wait < bpt) wait = 0;
  return move + static_cast<uint64_t>(wait / bpt);
}

std::string_view to_string(DriveScheduler s) {
  switch (s) {
    case DriveScheduler::fifo:
      return "fifo";
    case DriveScheduler::elevator:
      return "elevator";
    case DriveScheduler::satf:
      return "satf";
  }
  return "?";
}

std::optional<DriveScheduler> parse_drive_scheduler(std::string_view s) {
  for (auto v : {DriveScheduler::fifo, DriveScheduler::elevator, DriveScheduler::satf}) {
    if (s == to_string(v)) return v;
  }
  return std::nullopt;
}

void Drive::submit(Command& c, uint64_t timeout_ps) {
  c.done = false;
  c.timed_out = false;
  c.timeout_ps = timeout_ps;
  if (failed_) {
    if (timeout_ps == 0) {
      throw std::logic_error(fmt::format("drive {}: a command to a failed drive, no timer", name_));
    }
    // No answer will come: the initiator's timer ends the command.
    c.timed_out = true;
    c.arrival_ps = now_ps() + timeout_ps;
    return;
  }
  if (c.kind != Kind::reassign) {
    check_range(c.lba, c.blocks, c.kind == Kind::read ? c.out.size() : c.in.size());
  } else {
    check_range(c.lba, 1, kStoredBlockBytes);
  }
  if (queue_.size() + (busy_ ? 1 : 0) >= config_.queue_depth) ++stats_.tag_waits;
  c.arrival_ps = now_ps();
  c.sequence = next_sequence_++;
  queue_.push_back(&c);
  stats_.max_outstanding =
      std::max<uint32_t>(stats_.max_outstanding, uint32_t(queue_.size() + (busy_ ? 1 : 0)));
  if (!server_started_) {
    server_started_ = true;
    std::string process = name_ + "_server";
    std::replace(process.begin(), process.end(), '.', '_');
    sc_core::sc_spawn(sc_bind(&Drive::run, this), process.c_str());
  }
  queued_.notify(sc_core::SC_ZERO_TIME);
}

void Drive::wait(Command& c) {
  while (!c.done && !c.timed_out) sc_core::wait(c.finished);
  if (c.timed_out) {
    if (c.arrival_ps > now_ps()) sc_core::wait(ps_time(c.arrival_ps - now_ps()));
    c.done = true;
  }
}

void Drive::fail() {
  failed_ = true;
  auto abandon = [](Command& c) {
    if (c.timeout_ps == 0) {
      throw std::logic_error("a command to a failing drive, no timer");
    }
    c.timed_out = true;
    c.arrival_ps += c.timeout_ps;  // when the initiator gives up
    c.finished.notify(sc_core::SC_ZERO_TIME);
  };
  for (Command* c : queue_) abandon(*c);
  queue_.clear();
  if (busy_ && in_service_ != nullptr) abandon(*in_service_);
}

std::vector<uint64_t> Drive::stored_lbas() const {
  std::vector<uint64_t> lbas;
  lbas.reserve(store_.size());
  for (const auto& [lba, block] : store_) lbas.push_back(lba);
  std::sort(lbas.begin(), lbas.end());
  return lbas;
}

uint64_t Drive::overhead_ps() const {
  return static_cast<uint64_t>(std::llround(config_.controller_overhead_us * 1e6));
}

// A command reaching an idle drive is decoded first; one that waited in the
// queue was decoded while the drive worked on another.
uint64_t Drive::start_ps(const Command& c, uint64_t now) const {
  return std::max(now, c.arrival_ps + overhead_ps());
}

// A read of blocks the read-ahead stream has reached or is about to reach.
bool Drive::continues_stream(const Command& c) const {
  return c.kind == Kind::read && streaming_ && c.lba >= stream_lba_ &&
         c.lba + c.blocks <= stream_lba_ + config_.read_ahead_blocks;
}

// The class first (host before background, but for background's share),
// then the scheduler within it; a command past the age limit goes first.
Drive::Command* Drive::pick() {
  const uint64_t now = now_ps();
  // Only commands holding a tag are the drive's to choose from.
  const auto tagged = queue_.begin() + std::min<std::size_t>(queue_.size(), config_.queue_depth);
  const auto max_wait = static_cast<uint64_t>(config_.max_queue_wait_ms * 1e9);
  if (now - queue_.front()->arrival_ps > max_wait && config_.scheduler != DriveScheduler::fifo) {
    ++stats_.aged;
    return queue_.front();
  }
  // Reused between picks: a pick happens for every command.
  std::vector<Command*>& host = pick_host_;
  std::vector<Command*>& background = pick_background_;
  host.clear();
  background.clear();
  for (auto it = queue_.begin(); it != tagged; ++it) {
    ((*it)->priority == DriveCommand::Priority::host ? host : background).push_back(*it);
  }
  if (host.empty()) return schedule(background);
  if (background.empty()) return schedule(host);
  background_credit_ += config_.background_share;
  if (background_credit_ >= 1.0) {
    background_credit_ -= 1.0;
    return schedule(background);
  }
  ++stats_.background_waits;
  return schedule(host);
}

// `candidates` in arrival order.
Drive::Command* Drive::schedule(const std::vector<Command*>& candidates) {
  const uint64_t now = now_ps();
  const uint64_t bpt = config_.blocks_per_track;
  auto cylinder_of = [&](const Command* c) {
    return static_cast<uint32_t>(c->lba / bpt / config_.heads);
  };
  Command* best = nullptr;
  switch (config_.scheduler) {
    case DriveScheduler::fifo:
      return candidates.front();
    case DriveScheduler::elevator:
      // LOOK: the nearest command ahead in the sweep's direction; turn when
      // there is none.
      for (int pass = 0; pass < 2 && best == nullptr; ++pass) {
        uint64_t best_distance = UINT64_MAX;
        for (Command* c : candidates) {
          const uint32_t cyl = cylinder_of(c);
          const bool ahead = sweeping_up_ ? cyl >= cylinder_ : cyl <= cylinder_;
          if (!ahead) continue;
          const uint64_t d = sweeping_up_ ? cyl - cylinder_ : cylinder_ - cyl;
          if (d < best_distance || (d == best_distance && c->sequence < best->sequence)) {
            best = c;
            best_distance = d;
          }
        }
        if (best == nullptr) sweeping_up_ = !sweeping_up_;
      }
      return best;
    case DriveScheduler::satf: {
      uint64_t best_ps = UINT64_MAX;
      for (Command* c : candidates) {
        const uint64_t start = start_ps(*c, now);
        uint64_t t = 0;
        if (continues_stream(*c)) {
          // No positioning: the wait is for the stream to reach the first
          // block (head switches within the stream neglected in the choice).
          const uint64_t reach =
              stream_.start_ps + (c->lba - stream_.lba) * rev_ps_ / config_.blocks_per_track;
          t = reach > now ? reach - now : 0;
        } else {
          t = start - now + positioning_ps(start, c->lba);
        }
        if (t < best_ps || (t == best_ps && c->sequence < best->sequence)) {
          best = c;
          best_ps = t;
        }
      }
      return best;
    }
  }
  return candidates.front();
}

// The time from `start` until the command's last sector has passed; moves
// the arm. A read the read-ahead stream covers finishes when the stream
// reaches its end (at once, if it already has).
uint64_t Drive::service_ps(Command& c, uint64_t start) {
  const bool from_stream = continues_stream(c);
  if (c.kind == Kind::reassign) {
    streaming_ = false;
    return rev_ps_;
  }
  if (from_stream) {
    // The stream has run on without a break since it began: its time to
    // reach the command's last block is that of one long transfer.
    ++stats_.read_ahead_hits;
    stats_.transfer_ps += uint64_t(c.blocks) * rev_ps_ / config_.blocks_per_track;
    cylinder_ = stream_.cylinder;
    head_ = stream_.head;
    const uint64_t stream_end =
        stream_.start_ps +
        access_ps(stream_.start_ps, stream_.lba, uint32_t(c.lba + c.blocks - stream_.lba), nullptr);
    stream_lba_ = c.lba + c.blocks;
    return std::max(start, stream_end) - start;
  }
  streaming_ = false;
  return access_ps(start, c.lba, c.blocks, &stats_);
}

void Drive::run() {
  for (;;) {
    while (queue_.empty()) sc_core::wait(queued_);
    // Commands issued in this same instant take part in the choice.
    sc_core::wait(sc_core::SC_ZERO_TIME);
    if (queue_.empty()) continue;  // the drive failed meanwhile and dropped them
    Command* c = pick();
    queue_.erase(std::find(queue_.begin(), queue_.end(), c));
    busy_ = true;
    in_service_ = c;
    const uint64_t now = now_ps();
    const uint64_t start = start_ps(*c, now);
    const uint64_t end = start + service_ps(*c, start);
    if (c->kind == Kind::read && !streaming_ && config_.read_ahead_blocks > 0) {
      // A new stream: the drive reads on from where this command ends.
      streaming_ = true;
      stream_ = {end, c->lba + c->blocks, cylinder_, head_};
      stream_lba_ = stream_.lba;
    }
    stats_.queue_wait_ps += now - c->arrival_ps;
    if (c->priority == DriveCommand::Priority::background) ++stats_.background;
    stats_.busy_ps += end - now;
    service_end_ps_ = end;
    (c->kind == Kind::write ? stats_.writes : stats_.reads) += c->kind == Kind::reassign ? 0 : 1;
    (c->kind == Kind::write ? stats_.blocks_written : stats_.blocks_read) +=
        c->kind == Kind::reassign ? 0 : c->blocks;
    sc_core::wait(ps_time(end - now));
    busy_ = false;
    in_service_ = nullptr;
    if (c->timed_out) continue;  // the drive failed meanwhile: no answer, no data
    apply(*c);
    c->done = true;
    c->finished.notify(sc_core::SC_ZERO_TIME);
  }
}

void Drive::fill_formatted(uint64_t lba, std::span<uint8_t, kStoredBlockBytes> out) const {
  if (format_ != nullptr) {
    format_->fill(lba, out);
    return;
  }
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
  Command c;
  c.kind = Kind::read;
  c.lba = lba;
  c.blocks = blocks;
  c.out = out;
  submit(c);
  wait(c);
}

// The data moves when the drive's time for the command has passed.
void Drive::apply(Command& c) {
  switch (c.kind) {
    case Kind::read:
      for (uint32_t i = 0; i < c.blocks; ++i) {
        auto dst = c.out.subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>();
        if (auto it = store_.find(c.lba + i); it != store_.end()) {
          std::copy(it->second.begin(), it->second.end(), dst.begin());
        } else {
          fill_formatted(c.lba + i, dst);
        }
      }
      return;
    case Kind::write:
      c.result = {};
      for (uint32_t i = 0; i < c.blocks; ++i) {
        if (!write_faults_.empty() && write_faults_.count(c.lba + i) != 0) {
          ++stats_.write_faults;
          c.result = {false, c.lba + i};
          return;
        }
        const auto src =
            c.in.subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>();
        if (is_formatted(c.lba + i, src)) {
          store_.erase(c.lba + i);  // reads it back from the extent, as before
        } else {
          std::copy(src.begin(), src.end(), store_[c.lba + i].begin());
        }
      }
      return;
    case Kind::reassign: {
      write_faults_.erase(c.lba);
      Block spare;
      fill_formatted(c.lba, spare);  // a spare holds no data until written
      store_[c.lba] = spare;
      ++stats_.reassigned;
      return;
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
  Command c;
  c.kind = Kind::write;
  c.lba = lba;
  c.blocks = blocks;
  c.in = in;
  submit(c);
  wait(c);
  return c.result;
}

// A block as freshly formatted (zeros stamped with the extent's address)
// takes no memory: an initial copy of a volume no host has written, or a
// host writing zeros, costs the store nothing. The zero scan fails on the
// first non-zero byte, so blocks with data pay almost nothing for it.
bool Drive::is_formatted(uint64_t lba, std::span<const uint8_t, kStoredBlockBytes> block) const {
  if (format_ != nullptr) {
    Block formatted;
    format_->fill(lba, formatted);
    return std::equal(block.begin(), block.end(), formatted.begin());
  }
  if (const auto la = formatted_address(lba)) return checkcode::is_formatted_block(block, *la);
  return std::all_of(block.begin(), block.end(), [](uint8_t b) { return b == 0; });
}

void Drive::reassign(uint64_t lba) {
  Command c;
  c.kind = Kind::reassign;
  c.lba = lba;
  c.blocks = 1;
  submit(c);
  wait(c);
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
