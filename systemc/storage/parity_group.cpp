#include "systemc/storage/parity_group.h"

#include <fmt/format.h>
#include <isa-l/erasure_code.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "systemc/common/sim_time.h"
#include "systemc/log/log.h"

namespace copysim::sc {

using checkcode::kStoredBlockBytes;

namespace {

constexpr std::size_t B = kStoredBlockBytes;
// Blocks a rebuild reads from each drive per command.
constexpr uint64_t kRebuildBatchBlocks = 2048;

}  // namespace

std::string_view to_string(RaidLevel level) {
  switch (level) {
    case RaidLevel::raid0:
      return "raid0";
    case RaidLevel::raid1:
      return "raid1";
    case RaidLevel::raid5:
      return "raid5";
    case RaidLevel::raid6:
      return "raid6";
  }
  return "?";
}

std::optional<RaidLevel> parse_raid_level(std::string_view s) {
  for (auto l : {RaidLevel::raid0, RaidLevel::raid1, RaidLevel::raid5, RaidLevel::raid6}) {
    if (s == to_string(l)) return l;
  }
  return std::nullopt;
}

uint32_t ParityGroupConfig::parity_drives() const {
  switch (raid) {
    case RaidLevel::raid0:
      return 0;
    case RaidLevel::raid1:
      return data_drives;
    case RaidLevel::raid5:
      return 1;
    case RaidLevel::raid6:
      return 2;
  }
  return 0;
}

uint32_t ParityGroupConfig::width() const { return data_drives + parity_drives(); }

std::string ParityGroupConfig::label() const {
  switch (raid) {
    case RaidLevel::raid0:
      return fmt::format("RAID-0 {}D", data_drives);
    case RaidLevel::raid1:
      return fmt::format("RAID-1 {}D+{}D", data_drives, data_drives);
    case RaidLevel::raid5:
    case RaidLevel::raid6:
      return fmt::format("RAID-{} {}D+{}P", raid == RaidLevel::raid5 ? 5 : 6, data_drives,
                         parity_drives());
  }
  return "?";
}

// What an unwritten block of a member holds: formatted volume data, or the
// parity of the formatted data of its stripe.
class ParityGroup::MemberFormat final : public DriveFormat {
 public:
  MemberFormat(const ParityGroup& group, uint32_t member) : group_(group), member_(member) {}
  void fill(uint64_t lba, std::span<uint8_t, kStoredBlockBytes> out) const override {
    group_.formatted_member_block(member_, lba, out);
  }

 private:
  const ParityGroup& group_;
  uint32_t member_;
};

ParityGroup::ParityGroup(std::string name, ParityGroupConfig config, std::vector<Drive*> drives)
    : name_(std::move(name)), config_(config), drives_(std::move(drives)) {
  if (config_.data_drives == 0 || config_.chunk_blocks == 0) {
    throw std::invalid_argument(fmt::format("{}: needs data drives and a chunk size", name_));
  }
  if (drives_.size() != config_.width()) {
    throw std::invalid_argument(fmt::format("{}: {} {}D needs {} drives, not {}", name_,
                                            to_string(config_.raid), config_.data_drives,
                                            config_.width(), drives_.size()));
  }
  const uint64_t member_blocks = drives_.front()->config().blocks();
  stripes_ = member_blocks / config_.chunk_blocks;
  blocks_ = stripes_ * config_.chunk_blocks * config_.data_drives;
  ports_.assign(drives_.size(), nullptr);
  // The encoding matrix: identity for the data, then P (all ones) and Q
  // (g^i), as ISA-L's RAID-6 P+Q generation computes them.
  const uint32_t d = config_.data_drives;
  const uint32_t rows = parity_rows();
  matrix_.assign(std::size_t{d + rows} * d, 0);
  for (uint32_t i = 0; i < d; ++i) matrix_[std::size_t{i} * d + i] = 1;
  unsigned char g = 1;
  for (uint32_t i = 0; i < d; ++i) {
    if (rows >= 1) matrix_[std::size_t{d} * d + i] = 1;
    if (rows >= 2) matrix_[std::size_t{d + 1} * d + i] = g;
    g = gf_mul(g, 2);
  }
  if (rows > 0) {
    tables_.resize(std::size_t{32} * d * rows);
    ec_init_tables(int(d), int(rows), &matrix_[std::size_t{d} * d], tables_.data());
  }
  for (uint32_t m = 0; m < drives_.size(); ++m) {
    formats_.push_back(std::make_unique<MemberFormat>(*this, m));
    drives_[m]->set_format(formats_.back().get());
  }
}

ParityGroup::~ParityGroup() = default;

// A member the group sends commands to for this stripe: not known failed,
// and not a spare whose rebuild has yet to reach the stripe.
bool ParityGroup::usable(uint32_t member, uint64_t stripe) const {
  if (failed_.count(member)) return false;
  return !(rebuilding_ && member == rebuild_member_ && stripe >= rebuilt_below_);
}

// Whether every chunk is still defined by what survives.
bool ParityGroup::rebuildable() const {
  switch (config_.raid) {
    case RaidLevel::raid0:
      return failed_.empty();
    case RaidLevel::raid1:
      return std::none_of(failed_.begin(), failed_.end(), [&](uint32_t m) {
        return failed_.count((m + config_.data_drives) % width()) != 0;
      });
    case RaidLevel::raid5:
    case RaidLevel::raid6:
      return failed_.size() <= parity_rows();
  }
  return false;
}

uint32_t ParityGroup::parity_rows() const {
  return config_.raid == RaidLevel::raid5 ? 1 : config_.raid == RaidLevel::raid6 ? 2 : 0;
}

void ParityGroup::attach_port(uint32_t member, Resource& port, const ClockedPath& path) {
  ports_.at(member) = &port;
  path_ = path;
}

void ParityGroup::format_extent(uint64_t first, uint64_t blocks, checkcode::LogicalAddress la) {
  if (first + blocks > blocks_) {
    throw std::invalid_argument(fmt::format("{}: extent of {} blocks at {} exceeds its {} blocks",
                                            name_, blocks, first, blocks_));
  }
  extents_[first] = {blocks, la};
}

// --- layout -----------------------------------------------------------------

uint32_t ParityGroup::p_member(uint64_t stripe) const {
  const uint32_t w = width();
  return w - 1 - static_cast<uint32_t>(stripe % w);
}

uint32_t ParityGroup::q_member(uint64_t stripe) const { return (p_member(stripe) + 1) % width(); }

uint32_t ParityGroup::member_of(uint64_t stripe, uint32_t index) const {
  switch (config_.raid) {
    case RaidLevel::raid0:
    case RaidLevel::raid1:
      return index;
    case RaidLevel::raid5:
      return (p_member(stripe) + 1 + index) % width();
    case RaidLevel::raid6:
      return (p_member(stripe) + 2 + index) % width();
  }
  return index;
}

ParityGroup::Slot ParityGroup::role(uint32_t member, uint64_t stripe) const {
  const uint32_t w = width();
  const uint32_t d = config_.data_drives;
  switch (config_.raid) {
    case RaidLevel::raid0:
      return {Role::data, member};
    case RaidLevel::raid1:
      return member < d ? Slot{Role::data, member} : Slot{Role::mirror, member - d};
    case RaidLevel::raid5: {
      const uint32_t p = p_member(stripe);
      if (member == p) return {Role::p, 0};
      return {Role::data, (member + w - p - 1) % w};
    }
    case RaidLevel::raid6: {
      const uint32_t p = p_member(stripe);
      if (member == p) return {Role::p, 0};
      if (member == (p + 1) % w) return {Role::q, 0};
      return {Role::data, (member + w - p - 2) % w};
    }
  }
  return {Role::data, member};
}

ParityGroup::Place ParityGroup::place(uint64_t lba) const {
  const uint64_t per_stripe = uint64_t{config_.chunk_blocks} * config_.data_drives;
  const uint64_t stripe = lba / per_stripe;
  const uint64_t within = lba % per_stripe;
  const auto index = static_cast<uint32_t>(within / config_.chunk_blocks);
  return {member_of(stripe, index), stripe * config_.chunk_blocks + within % config_.chunk_blocks};
}

// --- formatted content --------------------------------------------------------

void ParityGroup::fill_formatted_data(uint64_t group_lba, std::span<uint8_t> out) const {
  auto block = out.first<kStoredBlockBytes>();
  if (const auto la = address_of(group_lba)) {
    checkcode::format_block(block, *la);
  } else {
    std::fill(block.begin(), block.end(), uint8_t{0});
  }
}

std::optional<checkcode::LogicalAddress> ParityGroup::address_of(uint64_t group_lba) const {
  auto it = extents_.upper_bound(group_lba);
  if (it == extents_.begin()) return std::nullopt;
  --it;
  if (group_lba >= it->first + it->second.blocks) return std::nullopt;
  return checkcode::LogicalAddress{
      it->second.first.device,
      it->second.first.block + static_cast<uint32_t>(group_lba - it->first)};
}

void ParityGroup::formatted_member_block(uint32_t member, uint64_t member_lba,
                                         std::span<uint8_t, kStoredBlockBytes> out) const {
  const uint64_t stripe = member_lba / config_.chunk_blocks;
  const uint64_t offset = member_lba % config_.chunk_blocks;
  const uint64_t stripe_first = stripe * config_.chunk_blocks * config_.data_drives;
  const Slot s = role(member, stripe);
  if (s.role == Role::data || s.role == Role::mirror) {
    fill_formatted_data(stripe_first + uint64_t{s.index} * config_.chunk_blocks + offset, out);
    return;
  }
  const uint32_t d = config_.data_drives;
  std::vector<uint8_t> data(std::size_t{d} * B);
  std::vector<const uint8_t*> in;
  for (uint32_t i = 0; i < d; ++i) {
    fill_formatted_data(stripe_first + uint64_t{i} * config_.chunk_blocks + offset,
                        std::span(data).subspan(i * B, B));
    in.push_back(&data[i * B]);
  }
  std::vector<uint8_t> parity(parity_rows() * B);
  std::vector<uint8_t*> outs;
  for (uint32_t r = 0; r < parity_rows(); ++r) outs.push_back(&parity[r * B]);
  encode(B, in, outs);
  const uint32_t row = s.role == Role::p ? 0 : 1;
  std::copy_n(&parity[row * B], B, out.begin());
}

// --- parity arithmetic (ISA-L) ----------------------------------------------

void ParityGroup::encode(uint64_t len, std::vector<const uint8_t*> data,
                         std::vector<uint8_t*> parity) const {
  ec_encode_data(int(len), int(config_.data_drives), int(parity_rows()),
                 const_cast<unsigned char*>(tables_.data()),
                 const_cast<unsigned char**>(data.data()), parity.data());
}

void ParityGroup::update(uint64_t len, uint32_t index, const uint8_t* delta,
                         std::vector<uint8_t*> parity) const {
  ec_encode_data_update(int(len), int(config_.data_drives), int(parity_rows()), int(index),
                        const_cast<unsigned char*>(tables_.data()),
                        const_cast<unsigned char*>(delta), parity.data());
}

// `rows` holds, for every member that could be read, its blocks
// [offset, offset + blocks) of the stripe; fills in the data members that
// are missing. A data block read that fails its check code is not used:
// it is one more erasure in its row, rebuilt (and repaired in `rows`) when
// the code still covers the row. Returns the rows that could not be
// rebuilt (their missing blocks are zeros, which fail every check).
std::vector<bool> ParityGroup::reconstruct(uint64_t stripe, uint64_t offset, uint32_t blocks,
                                           std::map<uint32_t, std::vector<uint8_t>>& rows) const {
  const uint32_t d = config_.data_drives;
  const uint64_t stripe_first = stripe * config_.chunk_blocks * d;
  std::vector<std::vector<uint32_t>> damaged(blocks);  // data members, per row
  bool any = false;
  for (uint32_t i = 0; i < d; ++i) {
    const auto it = rows.find(member_of(stripe, i));
    if (it == rows.end()) continue;
    for (uint32_t b = 0; b < blocks; ++b) {
      const auto la = address_of(stripe_first + uint64_t{i} * config_.chunk_blocks + offset + b);
      const auto block = std::span(it->second).subspan(std::size_t{b} * B, B).first<B>();
      if (la && checkcode::verify(block, *la) != checkcode::BlockCheck::ok) {
        damaged[b].push_back(it->first);
        any = true;
      }
    }
  }
  std::vector<bool> lost(blocks, false);
  std::vector<uint32_t> absent;
  for (uint32_t i = 0; i < d; ++i) {
    if (!rows.count(member_of(stripe, i))) absent.push_back(member_of(stripe, i));
  }
  if (!any) {
    if (!reconstruct_rows(stripe, blocks, rows)) {
      lost.assign(blocks, true);
      for (uint32_t m : absent) rows[m].assign(std::size_t{blocks} * B, 0);
    }
    return lost;
  }
  // Row by row, leaving out the damaged blocks.
  for (uint32_t m : absent) rows[m].assign(std::size_t{blocks} * B, 0);
  for (uint32_t b = 0; b < blocks; ++b) {
    std::map<uint32_t, std::vector<uint8_t>> one;
    for (const auto& [m, row] : rows) {
      if (std::find(absent.begin(), absent.end(), m) != absent.end()) continue;
      if (std::find(damaged[b].begin(), damaged[b].end(), m) != damaged[b].end()) continue;
      one[m].assign(row.begin() + std::ptrdiff_t(b * B), row.begin() + std::ptrdiff_t((b + 1) * B));
    }
    if (!reconstruct_rows(stripe, 1, one)) {
      lost[b] = true;
      continue;
    }
    for (uint32_t m : absent)
      std::copy_n(one[m].begin(), B, rows[m].begin() + std::ptrdiff_t(b * B));
    for (uint32_t m : damaged[b]) {
      std::copy_n(one[m].begin(), B, rows[m].begin() + std::ptrdiff_t(b * B));
    }
  }
  return lost;
}

bool ParityGroup::reconstruct_rows(uint64_t stripe, uint32_t blocks,
                                   std::map<uint32_t, std::vector<uint8_t>>& rows) const {
  const uint32_t d = config_.data_drives;
  const std::size_t len = std::size_t{blocks} * B;
  std::vector<uint32_t> missing;  // data indexes
  for (uint32_t i = 0; i < d; ++i) {
    if (!rows.count(member_of(stripe, i))) missing.push_back(i);
  }
  if (missing.empty()) return true;
  if (config_.raid == RaidLevel::raid0) return false;
  if (config_.raid == RaidLevel::raid1) {
    for (uint32_t i : missing) {
      auto it = rows.find(i + d);
      if (it == rows.end()) return false;
      rows[i] = it->second;
    }
    return true;
  }
  // Rows of the encoding matrix for d survivors (data first, then P, Q).
  std::vector<uint32_t> survivors;  // matrix rows
  std::vector<const uint8_t*> sources;
  for (uint32_t i = 0; i < d && survivors.size() < d; ++i) {
    if (auto it = rows.find(member_of(stripe, i)); it != rows.end()) {
      survivors.push_back(i);
      sources.push_back(it->second.data());
    }
  }
  for (uint32_t r = 0; r < parity_rows() && survivors.size() < d; ++r) {
    const uint32_t m = r == 0 ? p_member(stripe) : q_member(stripe);
    if (auto it = rows.find(m); it != rows.end()) {
      survivors.push_back(d + r);
      sources.push_back(it->second.data());
    }
  }
  if (survivors.size() < d) return false;
  std::vector<unsigned char> b(std::size_t{d} * d), inverse(std::size_t{d} * d);
  for (uint32_t k = 0; k < d; ++k) {
    std::copy_n(&matrix_[std::size_t{survivors[k]} * d], d, &b[std::size_t{k} * d]);
  }
  if (gf_invert_matrix(b.data(), inverse.data(), int(d)) != 0) return false;
  std::vector<unsigned char> decode(std::size_t{missing.size()} * d);
  for (std::size_t k = 0; k < missing.size(); ++k) {
    std::copy_n(&inverse[std::size_t{missing[k]} * d], d, &decode[k * d]);
  }
  std::vector<unsigned char> tables(std::size_t{32} * d * missing.size());
  ec_init_tables(int(d), int(missing.size()), decode.data(), tables.data());
  std::vector<uint8_t*> outs;
  for (uint32_t i : missing) {
    auto& row = rows[member_of(stripe, i)];
    row.assign(len, 0);
    outs.push_back(row.data());
  }
  ec_encode_data(int(len), int(d), int(missing.size()), tables.data(),
                 const_cast<unsigned char**>(sources.data()), outs.data());
  return true;
}

// --- stripe locks and drive commands ------------------------------------------

std::vector<ParityGroup::Rows> ParityGroup::rows_of(const std::vector<Piece>& pieces,
                                                    bool whole_stripes) const {
  std::vector<Rows> rows;
  for (const Piece& p : pieces) {
    if (rows.empty() || rows.back().stripe != p.stripe) rows.push_back({p.stripe, p.offset, 0});
    Rows& r = rows.back();
    r.lo = std::min(r.lo, p.offset);
    r.hi = std::max(r.hi, p.offset + p.count);
  }
  if (whole_stripes) {
    for (Rows& r : rows) r = {r.stripe, 0, config_.chunk_blocks};
  }
  return rows;
}

uint64_t ParityGroup::lock(std::vector<Rows> rows) {
  locks_.push_back({next_ticket_++, std::move(rows)});
  const auto self = std::prev(locks_.end());
  auto blocked = [&] {
    for (auto other = locks_.begin(); other != self; ++other) {
      for (const Rows& a : other->rows) {
        for (const Rows& b : self->rows) {
          if (a.stripe == b.stripe && a.lo < b.hi && b.lo < a.hi) return true;
        }
      }
    }
    return false;
  };
  if (blocked()) ++stats_.stripe_lock_waits;
  while (blocked()) sc_core::wait(unlocked_);
  return self->ticket;
}

void ParityGroup::unlock(uint64_t ticket) {
  locks_.remove_if([ticket](const LockRequest& r) { return r.ticket == ticket; });
  unlocked_.notify(sc_core::SC_ZERO_TIME);
}

bool ParityGroup::run(std::vector<std::unique_ptr<DriveCommand>>& commands,
                      const std::vector<uint32_t>& members, Priority priority) {
  if (commands.empty()) return true;
  for (auto& c : commands) c->priority = priority;
  auto port_time = [&](bool writes) {
    sc_core::sc_time end = sc_core::sc_time_stamp();
    for (std::size_t k = 0; k < commands.size(); ++k) {
      const bool is_write = commands[k]->kind == DriveCommand::Kind::write;
      if (is_write != writes || ports_[members[k]] == nullptr || commands[k]->timed_out) continue;
      end = std::max(
          end, ports_[members[k]]->reserve(path_.duration(uint64_t{commands[k]->blocks} * B)));
    }
    if (end > sc_core::sc_time_stamp()) sc_core::wait(end - sc_core::sc_time_stamp());
  };
  port_time(true);  // data to the drives first
  const auto timeout = static_cast<uint64_t>(config_.drive_timeout_ms * 1e9);
  // The drive each command went to: a spare may take a member's place
  // while a command to the lost drive is still timing out.
  std::vector<Drive*> sent_to;
  for (std::size_t k = 0; k < commands.size(); ++k) {
    sent_to.push_back(drives_[members[k]]);
    drives_[members[k]]->submit(*commands[k], timeout);
    (commands[k]->kind == DriveCommand::Kind::write ? stats_.drive_writes : stats_.drive_reads) +=
        1;
  }
  for (auto& c : commands) Drive::wait(*c);
  bool answered = true;
  for (std::size_t k = 0; k < commands.size(); ++k) {
    if (!commands[k]->timed_out) continue;
    answered = false;
    ++stats_.drive_timeouts;
    if (sent_to[k] != drives_[members[k]]) continue;  // already replaced by a spare
    if (failed_.insert(members[k]).second) {
      write_log_line(
          LogLevel::error, name_,
          fmt::format("drive {} did not answer within {} ms: failed; {}",
                      drives_[members[k]]->name(), config_.drive_timeout_ms,
                      !rebuildable() ? "more drives lost than the group can rebuild: their "
                                       "blocks are unreadable"
                                     : "its blocks are rebuilt from the rest of each stripe"));
    }
  }
  port_time(false);  // read data back from the drives
  return answered;
}

namespace {

std::vector<ParityGroup::Piece> split(uint64_t lba, uint32_t blocks, uint32_t chunk, uint32_t d) {
  std::vector<ParityGroup::Piece> pieces;
  const uint64_t per_stripe = uint64_t{chunk} * d;
  uint64_t pos = 0;
  while (blocks > 0) {
    const uint64_t stripe = lba / per_stripe;
    const uint64_t within = lba % per_stripe;
    const auto index = static_cast<uint32_t>(within / chunk);
    const auto offset = static_cast<uint32_t>(within % chunk);
    const uint32_t count = std::min(blocks, chunk - offset);
    pieces.push_back({stripe, index, offset, count, pos});
    lba += count;
    blocks -= count;
    pos += count;
  }
  return pieces;
}

std::unique_ptr<DriveCommand> command(DriveCommand::Kind kind, uint64_t lba, uint32_t blocks) {
  auto c = std::make_unique<DriveCommand>();
  c->kind = kind;
  c->lba = lba;
  c->blocks = blocks;
  return c;
}

}  // namespace

// --- reads ------------------------------------------------------------------

GroupReadResult ParityGroup::read(uint64_t lba, uint32_t blocks, std::span<uint8_t> out,
                                  Priority priority) {
  if (blocks == 0 || lba + blocks > blocks_ || out.size() != std::size_t{blocks} * B) {
    throw std::out_of_range(
        fmt::format("{}: read of {} blocks at {} outside its {}", name_, blocks, lba, blocks_));
  }
  ++stats_.reads;
  ++in_flight_;
  // A drive that stops answering is found by its timeout; the read then
  // runs again around it.
  for (;;) {
    bool retry = false;
    GroupReadResult r = read_once(lba, blocks, out, retry, priority);
    if (!retry) {
      --in_flight_;
      return r;
    }
  }
}

GroupReadResult ParityGroup::read_once(uint64_t lba, uint32_t blocks, std::span<uint8_t> out,
                                       bool& retry, Priority priority) {
  const auto pieces = split(lba, blocks, config_.chunk_blocks, config_.data_drives);
  // A rebuild from parity needs the stripe's rows to hold still.
  const bool degraded = !failed_.empty() || rebuilding_;
  const uint64_t ticket = degraded ? lock(rows_of(pieces, false)) : 0;
  std::vector<std::unique_ptr<DriveCommand>> commands;
  std::vector<uint32_t> members;
  std::vector<const Piece*> rebuilt;
  const uint32_t d = config_.data_drives;
  for (const Piece& p : pieces) {
    uint32_t m = member_of(p.stripe, p.index);
    if (config_.raid == RaidLevel::raid1) {
      // The mirror with fewer commands outstanding, if both can answer.
      const uint32_t other = m + d;
      if (!usable(m, p.stripe) ||
          (usable(other, p.stripe) && drives_[other]->outstanding() < drives_[m]->outstanding())) {
        m = other;
      }
    }
    if (!usable(m, p.stripe)) {
      rebuilt.push_back(&p);
      continue;
    }
    commands.push_back(
        command(DriveCommand::Kind::read, p.stripe * config_.chunk_blocks + p.offset, p.count));
    commands.back()->out = out.subspan(p.pos * B, std::size_t{p.count} * B);
    members.push_back(m);
  }
  // Pieces whose drive is gone: read the same rows of every other member
  // (mirrors and plain stripes have nothing to rebuild from).
  std::vector<std::map<uint32_t, std::vector<uint8_t>>> rows(rebuilt.size());
  for (std::size_t k = 0; k < rebuilt.size() && parity_rows() > 0; ++k) {
    const Piece& p = *rebuilt[k];
    for (uint32_t m = 0; m < width(); ++m) {
      if (!usable(m, p.stripe)) continue;
      auto& row = rows[k][m];
      row.resize(std::size_t{p.count} * B);
      commands.push_back(
          command(DriveCommand::Kind::read, p.stripe * config_.chunk_blocks + p.offset, p.count));
      commands.back()->out = row;
      members.push_back(m);
    }
  }
  if (!run(commands, members, priority)) {
    if (degraded) unlock(ticket);
    retry = true;
    return {};
  }
  GroupReadResult result;
  for (std::size_t k = 0; k < rebuilt.size(); ++k) {
    const Piece& p = *rebuilt[k];
    ++stats_.degraded_reads;
    auto dst = out.subspan(p.pos * B, std::size_t{p.count} * B);
    std::vector<bool> lost(p.count, true);
    if (parity_rows() > 0) lost = reconstruct(p.stripe, p.offset, p.count, rows[k]);
    for (uint32_t b = 0; b < p.count; ++b) {
      auto block = dst.subspan(std::size_t{b} * B, B);
      if (!lost[b]) {
        const auto& row = rows[k][member_of(p.stripe, p.index)];
        std::copy_n(row.begin() + std::ptrdiff_t(b * B), B, block.begin());
        continue;
      }
      // Beyond what the code covers: the block is gone, and says so.
      std::fill(block.begin(), block.end(), uint8_t{0});
      ++stats_.unreadable_blocks;
      result.unreadable.push_back(lba + p.pos + b);
    }
  }
  result.ok = result.unreadable.empty();
  if (degraded) unlock(ticket);
  return result;
}

bool ParityGroup::peek(uint64_t lba, std::span<uint8_t, kStoredBlockBytes> out) const {
  const Place at = place(lba);
  const uint64_t stripe = at.lba / config_.chunk_blocks;
  // The backdoor also skips a drive that has failed but not yet been found.
  auto usable = [&](uint32_t member) {
    return !drives_[member]->failed() && this->usable(member, stripe);
  };
  if (usable(at.member)) {
    drives_[at.member]->peek(at.lba, out);
    return true;
  }
  if (config_.raid == RaidLevel::raid1 && usable(at.member + config_.data_drives)) {
    drives_[at.member + config_.data_drives]->peek(at.lba, out);
    return true;
  }
  std::map<uint32_t, std::vector<uint8_t>> rows;
  for (uint32_t m = 0; m < width(); ++m) {
    if (!usable(m)) continue;
    rows[m].resize(B);
    drives_[m]->peek(at.lba, std::span(rows[m]).first<kStoredBlockBytes>());
  }
  if (reconstruct(stripe, at.lba % config_.chunk_blocks, 1, rows)[0]) return false;
  std::copy_n(rows[at.member].begin(), B, out.begin());
  return true;
}

// --- writes -----------------------------------------------------------------

GroupWriteResult ParityGroup::write(uint64_t lba, uint32_t blocks, std::span<const uint8_t> in,
                                    Priority priority) {
  if (blocks == 0 || lba + blocks > blocks_ || in.size() != std::size_t{blocks} * B) {
    throw std::out_of_range(
        fmt::format("{}: write of {} blocks at {} outside its {}", name_, blocks, lba, blocks_));
  }
  ++stats_.writes;
  const auto pieces = split(lba, blocks, config_.chunk_blocks, config_.data_drives);
  // A full-stripe write rewrites every row of its stripes' parity.
  const bool whole = blocks >= uint64_t{config_.chunk_blocks} * config_.data_drives;
  ++in_flight_;
  const uint64_t ticket = lock(rows_of(pieces, whole));
  GroupWriteResult result;
  std::set<uint64_t> recompute;
  // A drive found failed while reading old data and parity: plan the
  // write again around it. One found failed while writing needs nothing:
  // every other drive of the stripe has its new data or parity, which
  // define the lost chunk.
  while (!write_stripes(pieces, lba, in, recompute, result, priority)) {
    result.lost.clear();
  }
  unlock(ticket);
  --in_flight_;
  if (!result.lost.empty()) stats_.unwritable_blocks += result.lost.size();
  return result;
}

bool ParityGroup::write_stripes(const std::vector<Piece>& pieces, uint64_t lba,
                                std::span<const uint8_t> in, std::set<uint64_t>& recompute,
                                GroupWriteResult& result, Priority priority) {
  const uint32_t d = config_.data_drives;
  const uint32_t chunk = config_.chunk_blocks;
  const uint32_t rows_n = parity_rows();

  // Per stripe: the rows [lo, hi) every member reads first and writes after.
  struct Stripe {
    uint64_t stripe;
    std::vector<const Piece*> pieces;
    uint32_t lo = UINT32_MAX, hi = 0;
    bool full = false, degraded = false;
    std::map<uint32_t, std::vector<uint8_t>> old_rows;  // member -> rows [lo, hi)
    std::map<uint32_t, std::vector<uint8_t>> new_rows;
  };
  std::vector<Stripe> work;
  for (const Piece& p : pieces) {
    if (work.empty() || work.back().stripe != p.stripe) {
      work.emplace_back();
      work.back().stripe = p.stripe;
    }
    Stripe& s = work.back();
    s.pieces.push_back(&p);
    s.lo = std::min(s.lo, p.offset);
    s.hi = std::max(s.hi, p.offset + p.count);
  }
  std::vector<std::unique_ptr<DriveCommand>> reads, writes;
  std::vector<uint32_t> read_members, write_members;
  auto member_lba = [&](uint64_t stripe, uint32_t offset) { return stripe * chunk + offset; };
  for (Stripe& s : work) {
    for (uint32_t m = 0; m < width(); ++m) s.degraded |= !usable(m, s.stripe);
    s.degraded |= recompute.count(s.stripe) != 0;
    uint64_t covered = 0;
    for (const Piece* p : s.pieces) covered += p->count;
    s.full = covered == uint64_t{chunk} * d;
    if (rows_n == 0 || s.full) continue;
    if (s.degraded) {
      // Reconstruct-write: every surviving member's rows, so that the
      // missing data is known and the parity can be computed whole.
      for (uint32_t m = 0; m < width(); ++m) {
        if (!usable(m, s.stripe)) continue;
        auto& row = s.old_rows[m];
        row.resize(std::size_t{s.hi - s.lo} * B);
        reads.push_back(command(DriveCommand::Kind::read, member_lba(s.stripe, s.lo), s.hi - s.lo));
        reads.back()->out = row;
        read_members.push_back(m);
      }
      continue;
    }
    // Read-modify-write: the old data under each piece, the old parity
    // under all of them.
    for (const Piece* p : s.pieces) {
      const uint32_t m = member_of(s.stripe, p->index);
      auto& row = s.old_rows[m];
      row.resize(std::size_t{s.hi - s.lo} * B);
      reads.push_back(command(DriveCommand::Kind::read, member_lba(s.stripe, p->offset), p->count));
      reads.back()->out =
          std::span(row).subspan(std::size_t{p->offset - s.lo} * B, std::size_t{p->count} * B);
      read_members.push_back(m);
    }
    for (uint32_t r = 0; r < rows_n; ++r) {
      const uint32_t m = r == 0 ? p_member(s.stripe) : q_member(s.stripe);
      auto& row = s.old_rows[m];
      row.resize(std::size_t{s.hi - s.lo} * B);
      reads.push_back(command(DriveCommand::Kind::read, member_lba(s.stripe, s.lo), s.hi - s.lo));
      reads.back()->out = row;
      read_members.push_back(m);
    }
  }
  if (!run(reads, read_members, priority)) return false;
  // Old data that fails its check code would carry its damage into the
  // parity: such a stripe's parity is computed again from all its data.
  bool again = false;
  for (Stripe& s : work) {
    if (rows_n == 0 || s.full || s.degraded) continue;
    for (const Piece* p : s.pieces) {
      const auto& old = s.old_rows[member_of(s.stripe, p->index)];
      const uint64_t first = s.stripe * chunk * d + uint64_t{p->index} * chunk + p->offset;
      for (uint32_t b = 0; b < p->count; ++b) {
        const auto la = address_of(first + b);
        const auto block = std::span(old).subspan(std::size_t{p->offset - s.lo + b} * B, B);
        if (la && checkcode::verify(block.first<B>(), *la) != checkcode::BlockCheck::ok) {
          if (recompute.insert(s.stripe).second) ++stats_.recomputed_stripes;
          again = true;
          break;
        }
      }
    }
  }
  if (again) return false;

  for (Stripe& s : work) {
    auto piece_data = [&](const Piece* p) {
      return in.subspan(p->pos * B, std::size_t{p->count} * B);
    };
    auto write_piece = [&](const Piece* p, uint32_t m) {
      writes.push_back(
          command(DriveCommand::Kind::write, member_lba(s.stripe, p->offset), p->count));
      writes.back()->in = piece_data(p);
      write_members.push_back(m);
    };
    auto lose = [&](const Piece* p) {
      for (uint32_t b = 0; b < p->count; ++b) result.lost.push_back(lba + p->pos + b);
    };
    if (rows_n == 0) {
      for (const Piece* p : s.pieces) {
        bool stored = false;
        for (uint32_t copy = 0; copy < (config_.raid == RaidLevel::raid1 ? 2u : 1u); ++copy) {
          const uint32_t m = member_of(s.stripe, p->index) + copy * d;
          if (!usable(m, s.stripe)) continue;
          write_piece(p, m);
          stored = true;
        }
        if (!stored) lose(p);
      }
      continue;
    }
    const uint32_t lo = s.full ? 0 : s.lo, hi = s.full ? chunk : s.hi;
    const std::size_t len = std::size_t{hi - lo} * B;
    std::vector<uint8_t*> parity;
    for (uint32_t r = 0; r < rows_n; ++r) {
      const uint32_t m = r == 0 ? p_member(s.stripe) : q_member(s.stripe);
      auto& row = s.new_rows[m];
      if (!s.full && !s.degraded) {
        row = s.old_rows[m];
      } else {
        row.assign(len, 0);
      }
      parity.push_back(row.data());
    }
    if (s.full || s.degraded) {
      // The whole data of rows [lo, hi): new pieces over the old (rebuilt
      // where a drive is gone), then the parity from all of it.
      std::map<uint32_t, std::vector<uint8_t>> data = s.old_rows;
      const auto rebuilt_rows =
          s.degraded && !s.full ? reconstruct(s.stripe, lo, hi - lo, data) : std::vector<bool>{};
      if (std::find(rebuilt_rows.begin(), rebuilt_rows.end(), true) != rebuilt_rows.end()) {
        // More drives lost than the code covers: the stripe is gone. What
        // lands on surviving drives is written; the rest is lost, loudly.
        for (const Piece* p : s.pieces) {
          const uint32_t m = member_of(s.stripe, p->index);
          if (usable(m, s.stripe)) {
            write_piece(p, m);
          } else {
            lose(p);
          }
        }
        continue;
      }
      std::vector<const uint8_t*> sources;
      for (uint32_t i = 0; i < d; ++i) {
        auto& row = data[member_of(s.stripe, i)];
        row.resize(len);
        for (const Piece* p : s.pieces) {
          if (p->index != i) continue;
          const auto src = piece_data(p);
          std::copy(src.begin(), src.end(), row.begin() + std::ptrdiff_t(p->offset - lo) * B);
        }
        sources.push_back(row.data());
      }
      encode(len, sources, parity);
      if (s.full) ++stats_.full_stripe_writes;
    } else {
      // P' = P + (D - D'), Q' = Q + g^i (D - D'): the difference per piece.
      std::vector<uint8_t> delta;
      for (const Piece* p : s.pieces) {
        const uint32_t m = member_of(s.stripe, p->index);
        const auto src = piece_data(p);
        const auto& old = s.old_rows[m];
        const std::size_t at = std::size_t{p->offset - lo} * B;
        delta.assign(len, 0);
        for (std::size_t k = 0; k < src.size(); ++k) delta[at + k] = old[at + k] ^ src[k];
        update(len, p->index, delta.data(), parity);
      }
      ++stats_.read_modify_writes;
    }
    for (const Piece* p : s.pieces) {
      const uint32_t m = member_of(s.stripe, p->index);
      if (usable(m, s.stripe)) write_piece(p, m);
    }
    for (uint32_t r = 0; r < rows_n; ++r) {
      const uint32_t m = r == 0 ? p_member(s.stripe) : q_member(s.stripe);
      if (!usable(m, s.stripe)) continue;
      writes.push_back(command(DriveCommand::Kind::write, member_lba(s.stripe, lo), hi - lo));
      writes.back()->in = s.new_rows[m];
      write_members.push_back(m);
    }
  }
  run(writes, write_members, priority);
  // A medium error: reassign the block to a spare sector and write the
  // command again; its data is still in hand.
  for (std::size_t k = 0; k < writes.size(); ++k) {
    DriveCommand& c = *writes[k];
    Drive& drive = *drives_[write_members[k]];
    while (!c.timed_out && !c.result.ok) {
      ++result.reassigned;
      ++stats_.write_reassigns;
      drive.reassign(c.result.bad_lba);
      drive.submit(c);
      Drive::wait(c);
      ++stats_.drive_writes;
    }
  }
  return true;
}

// --- drive loss -------------------------------------------------------------

void ParityGroup::fail_drive(uint32_t member) {
  if (member >= width()) {
    throw std::out_of_range(fmt::format("{}: no member {}", name_, member));
  }
  drives_[member]->fail();
}

bool ParityGroup::probe(uint32_t member) {
  if (failed_.count(member)) return false;
  std::vector<uint8_t> block(B);
  std::vector<std::unique_ptr<DriveCommand>> commands;
  commands.push_back(command(DriveCommand::Kind::read, 0, 1));
  commands.back()->out = block;
  return run(commands, {member}, Priority::host);
}

void ParityGroup::rebuild(uint32_t member) {
  if (!failed_.count(member)) {
    throw std::logic_error(fmt::format("{}: member {} has not failed", name_, member));
  }
  if (rebuilding_) throw std::logic_error(fmt::format("{}: a rebuild is running", name_));
  if (!rebuildable()) {
    write_log_line(LogLevel::error, name_,
                   fmt::format("no rebuild of member {}: more drives lost than the group's code "
                               "covers",
                               member));
    return;
  }
  spares_.push_back(std::make_unique<Drive>(fmt::format("{}.spare{}", name_, spares_.size()),
                                            drives_[member]->config()));
  drives_[member] = spares_.back().get();
  drives_[member]->set_format(formats_[member].get());
  failed_.erase(member);
  rebuilding_ = true;
  rebuild_member_ = member;
  rebuilt_below_ = 0;
  const uint64_t start = now_ps();
  const uint32_t chunk = config_.chunk_blocks;
  // Batches of stripes, each read and written with one command per drive,
  // so that the drives stream.
  const uint64_t batch = std::max<uint64_t>(1, kRebuildBatchBlocks / chunk);
  for (uint64_t first = 0; first < stripes_; first += batch) {
    const uint64_t n = std::min(batch, stripes_ - first);
    const auto blocks = static_cast<uint32_t>(n * chunk);
    std::vector<Rows> held;
    for (uint64_t s = first; s < first + n; ++s) held.push_back({s, 0, chunk});
    const uint64_t ticket = lock(std::move(held));
    std::map<uint32_t, std::vector<uint8_t>> whole;
    std::vector<std::unique_ptr<DriveCommand>> reads;
    std::vector<uint32_t> members;
    for (uint32_t m = 0; m < width(); ++m) {
      if (m == member || failed_.count(m)) continue;
      if (config_.raid == RaidLevel::raid1 &&
          m % config_.data_drives != member % config_.data_drives) {
        continue;  // a mirror rebuilds from its twin alone
      }
      auto& row = whole[m];
      row.resize(std::size_t{blocks} * B);
      reads.push_back(command(DriveCommand::Kind::read, first * chunk, blocks));
      reads.back()->out = row;
      members.push_back(m);
    }
    run(reads, members, Priority::background);
    std::vector<uint8_t> lost(std::size_t{blocks} * B, 0);
    for (uint64_t s = first; s < first + n; ++s) {
      const std::size_t at = std::size_t(s - first) * chunk * B;
      const std::size_t len = std::size_t{chunk} * B;
      if (config_.raid == RaidLevel::raid1) {
        const auto& twin = whole.begin()->second;
        std::copy_n(twin.begin() + std::ptrdiff_t(at), len, lost.begin() + std::ptrdiff_t(at));
        continue;
      }
      std::map<uint32_t, std::vector<uint8_t>> rows;
      for (const auto& [m, row] : whole) {
        rows[m].assign(row.begin() + std::ptrdiff_t(at), row.begin() + std::ptrdiff_t(at + len));
      }
      const auto unrebuilt = reconstruct(s, 0, chunk, rows);
      if (const auto bad = std::count(unrebuilt.begin(), unrebuilt.end(), true); bad > 0) {
        // A damaged block on a survivor where the code has nothing left:
        // the row's lost block is written as zeros, which read as a data check.
        stats_.unrebuilt_blocks += uint64_t(bad);
        write_log_line(LogLevel::error, name_,
                       fmt::format("stripe {}: {} blocks of member {} cannot be rebuilt (a "
                                   "damaged block beside them); they will read as data checks",
                                   s, bad, member));
      }
      const Slot slot = role(member, s);
      if (slot.role == Role::data) {
        std::copy(rows[member].begin(), rows[member].end(), lost.begin() + std::ptrdiff_t(at));
        continue;
      }
      std::vector<const uint8_t*> sources;
      for (uint32_t i = 0; i < config_.data_drives; ++i) {
        sources.push_back(rows[member_of(s, i)].data());
      }
      std::vector<uint8_t> parity(parity_rows() * len);
      std::vector<uint8_t*> outs;
      for (uint32_t r = 0; r < parity_rows(); ++r) outs.push_back(&parity[r * len]);
      encode(len, sources, outs);
      const std::size_t r = slot.role == Role::p ? 0 : 1;
      std::copy_n(&parity[r * len], len, lost.begin() + std::ptrdiff_t(at));
    }
    std::vector<std::unique_ptr<DriveCommand>> writes;
    writes.push_back(command(DriveCommand::Kind::write, first * chunk, blocks));
    writes.back()->in = lost;
    std::vector<uint32_t> target{member};
    run(writes, target, Priority::background);
    rebuilt_below_ = first + n;
    stats_.rebuilt_stripes += n;
    unlock(ticket);
    // Paced: the batch may not finish before the rate allows.
    const auto due = start + static_cast<uint64_t>(double((first + n) * chunk * B) /
                                                   (config_.rebuild_mb_per_s * 1e6) * 1e12);
    if (due > now_ps()) sc_core::wait(ps_time(due - now_ps()));
  }
  rebuilding_ = false;
}

// --- checks -----------------------------------------------------------------

std::optional<uint64_t> ParityGroup::check_parity() const {
  if (parity_rows() == 0 && config_.raid != RaidLevel::raid1) return std::nullopt;
  std::set<uint64_t> stripes;
  for (uint32_t m = 0; m < width(); ++m) {
    for (uint64_t l : drives_[m]->stored_lbas()) stripes.insert(l / config_.chunk_blocks);
  }
  const uint32_t d = config_.data_drives;
  const uint32_t chunk = config_.chunk_blocks;
  for (uint64_t s : stripes) {
    std::vector<std::vector<uint8_t>> rows(width(), std::vector<uint8_t>(std::size_t{chunk} * B));
    for (uint32_t m = 0; m < width(); ++m) {
      for (uint32_t b = 0; b < chunk; ++b) {
        drives_[m]->peek(s * chunk + b, std::span(rows[m]).subspan(b * B).first<B>());
      }
    }
    if (config_.raid == RaidLevel::raid1) {
      for (uint32_t i = 0; i < d; ++i) {
        if (rows[i] != rows[i + d]) return s;
      }
      continue;
    }
    std::vector<const uint8_t*> sources;
    for (uint32_t i = 0; i < d; ++i) sources.push_back(rows[member_of(s, i)].data());
    std::vector<uint8_t> parity(parity_rows() * rows[0].size());
    std::vector<uint8_t*> outs;
    for (uint32_t r = 0; r < parity_rows(); ++r) outs.push_back(&parity[r * rows[0].size()]);
    encode(rows[0].size(), sources, outs);
    if (!std::equal(rows[p_member(s)].begin(), rows[p_member(s)].end(), parity.begin())) return s;
    if (parity_rows() == 2 && !std::equal(rows[q_member(s)].begin(), rows[q_member(s)].end(),
                                          parity.begin() + std::ptrdiff_t(rows[0].size()))) {
      return s;
    }
  }
  return std::nullopt;
}

}  // namespace copysim::sc
