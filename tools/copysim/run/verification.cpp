#include "tools/copysim/run/verification.h"

#include <fmt/format.h>

#include <algorithm>

#include "firmware/clone/clone_service.h"
#include "firmware/local_pairs/local_pair_service.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "systemc/common/sim_time.h"
#include "testbench/common/host_data.h"

namespace copysim::run {

namespace {
constexpr std::size_t kBlock = 512;
constexpr const char* kHostsAndCopy = "hosts write it and a copy service copies to it";
}  // namespace

bool Verification::Copy::covers(uint64_t block, uint32_t blocks_per_track) const {
  if (tracks.empty()) return true;
  const uint64_t track = block / blocks_per_track;
  return std::any_of(tracks.begin(), tracks.end(), [&](auto extent) {
    return track >= extent.first && track < extent.first + extent.second;
  });
}

Verification::Verification(engine::Topology& topology, std::string remote_secondary)
    : remote_secondary_(std::move(remote_secondary)) {
  for (auto& a : topology.arrays()) {
    auto s = std::make_unique<ArrayState>();
    s->node = a.get();
    arrays_[a->name] = std::move(s);
  }
  for (auto& a : topology.arrays()) observe(a->name, *a);
}

void Verification::observe(const std::string& array, engine::ArrayNode& node) {
  node.firmware->pairs().history().observe(
      [this, array](const fw::HistoryEntry& e) { remote_event(array, e); });
  node.firmware->local_pairs().history().observe(
      [this, array](const fw::HistoryEntry& e) { local_event(array, e, false); });
  node.firmware->clones().history().observe(
      [this, array](const fw::HistoryEntry& e) { local_event(array, e, true); });
}

void Verification::unchecked(const std::string& array, uint16_t device, const std::string& why) {
  unchecked_.emplace(fmt::format("{} {:#06x}", array, device), why);
}

uint64_t Verification::begin_write(const std::string& array, uint16_t device, uint64_t block,
                                   std::span<uint8_t> data) {
  ArrayState& a = state(array);
  const auto blocks = static_cast<uint32_t>(data.size() / kBlock);
  const uint64_t version = a.model.begin_write(device, block, blocks, sc::now_ps());
  testing::fill_user_blocks(data, device, block, version);
  a.written.insert(device);
  if (auto c = a.copies.find(device); c != a.copies.end()) {
    // A host writing a copy: it is no longer what the copy promised.
    c->second.promised = false;
    c->second.point_ps.reset();
    c->second.changed_ps = sc::now_ps();
    unchecked(array, device, kHostsAndCopy);
  }
  return version;
}

void Verification::end_write(const std::string& array, uint64_t version, bool ok) {
  ArrayState& a = state(array);
  a.model.end_write(version, sc::now_ps(), ok);
  if (!ok) return;
  const testing::WriteRecord& w = a.model.write(version);
  for (uint32_t i = 0; i < w.blocks; ++i) a.damaged.erase({w.device, w.first_block + i});
}

void Verification::read(const std::string& array, uint16_t device, uint64_t block,
                        std::span<const uint8_t> data, uint64_t issue_ps, bool ok) {
  ArrayState& a = state(array);
  if (!ok) return;  // an error status is the workload's to count
  auto c = a.copies.find(device);
  if (c == a.copies.end()) {
    ++checks_["host read of a volume hosts own"];
    // The read may return what the blocks held at any instant it ran.
    testing::Scoreboard::ImageCheck check(a.board,
                                          fmt::format("host read of {} {:#06x}", array, device),
                                          device, sc::now_ps(), issue_ps);
    check.blocks(block, data);
    return;
  }
  const Copy& copy = c->second;
  // A copy is read at its point in time (a clone fetches what the read
  // needs first); a remote secondary is not read by hosts.
  // A promise that changed while the read ran says nothing about it.
  if (!copy.point_ps || !copy.promised || copy.changed_ps >= issue_ps ||
      a.written.count(device) != 0) {
    ++reads_unchecked_;
    return;
  }
  ++checks_["host read of a copy at its point in time"];
  ArrayState& source = state(copy.array);
  testing::Scoreboard::ImageCheck check(
      source.board,
      fmt::format("host read of copy {} {:#06x} (point in time {} ps)", array, device,
                  *copy.point_ps),
      copy.source, *copy.point_ps);
  const uint32_t bpt = a.node->array->volume(device)->geometry.blocks_per_track;
  for (std::size_t i = 0; i * kBlock < data.size(); ++i) {
    const uint64_t b = block + i;
    const auto one = data.subspan(i * kBlock, kBlock);
    copy.covers(b, bpt) ? check.blocks(b, one) : check.untouched(b, one);
  }
  check.writes_whole();
}

void Verification::media_error(const std::string& array, uint16_t device, uint64_t block) {
  state(array).damaged.insert({device, block});
}

void Verification::power_lost(const std::string& array, const std::vector<uint16_t>& volumes) {
  ArrayState& a = state(array);
  for (uint16_t v : volumes) {
    a.lost_ps.emplace(v, sc::now_ps());
    if (auto c = a.copies.find(v); c != a.copies.end()) {
      c->second.promised = false;  // until the firmware copies it again
      c->second.changed_ps = sc::now_ps();
    }
  }
}

void Verification::check_copy(const char* kind, const std::string& on, uint16_t target,
                              const Copy& copy, uint64_t t_ps, const std::string& what) {
  ArrayState& a = state(on);
  if (a.written.count(target) != 0) return;
  ++checks_[kind];
  const auto& geometry = a.node->array->volume(target)->geometry;
  const uint64_t blocks = geometry.blocks();
  const std::vector<uint8_t> image = a.node->array->peek(target, 0, static_cast<uint32_t>(blocks));
  testing::Scoreboard::ImageCheck check(state(copy.array).board, what, copy.source, t_ps);
  for (uint64_t b = 0; b < blocks; ++b) {
    const auto one = std::span<const uint8_t>(image).subspan(b * kBlock, kBlock);
    copy.covers(b, geometry.blocks_per_track) ? check.blocks(b, one) : check.untouched(b, one);
  }
  if (copy.point_ps) check.writes_whole();
}

void Verification::remote_event(const std::string& array, const fw::HistoryEntry& e) {
  if (remote_secondary_.empty()) return;
  ArrayState& secondary = state(remote_secondary_);
  Copy& copy = secondary.copies[e.target];
  copy.kind = Copy::Kind::remote;
  copy.array = array;
  copy.source = e.source;
  copy.point_ps.reset();
  copy.changed_ps = sc::now_ps();
  // Full duplex promises the secondary equals the primary from then on.
  copy.promised = e.to == "full duplex" && e.event != "secondary lost data" &&
                  (e.from != "full duplex" || copy.promised);
  if (secondary.written.count(e.target) != 0) {
    unchecked(remote_secondary_, e.target, kHostsAndCopy);
  }
  if (e.event == "establish (no copy)") {
    // The user's word that the volumes are equal: taken when it is true.
    engine::ArrayNode& primary = *state(array).node;
    const auto blocks = static_cast<uint32_t>(primary.array->volume(e.source)->geometry.blocks());
    if (primary.array->peek(e.source, 0, blocks) !=
        secondary.node->array->peek(e.target, 0, blocks)) {
      copy.promised = false;
      unchecked(remote_secondary_, e.target,
                "established without a copy while it differed from its primary");
    }
    return;
  }
  if (copy.promised && e.from != "full duplex") {
    check_copy("remote pair secondary at full duplex", remote_secondary_, e.target, copy,
               sc::now_ps(),
               fmt::format("remote pair {:#06x}->{:#06x} at full duplex", e.source, e.target));
  }
}

void Verification::local_event(const std::string& array, const fw::HistoryEntry& e, bool clone) {
  ArrayState& a = state(array);
  Copy& copy = a.copies[e.target];
  copy.kind = clone ? Copy::Kind::clone : Copy::Kind::split;
  copy.array = array;
  copy.source = e.source;
  if (a.written.count(e.target) != 0) {
    unchecked(array, e.target, kHostsAndCopy);
  }
  const std::string what =
      fmt::format("{} {:#06x}->{:#06x}", clone ? "clone" : "local pair", e.source, e.target);
  if (e.event == "point in time") {
    copy.point_ps = e.time_ps;
    copy.tracks.clear();
    if (clone) {
      if (auto s = a.node->firmware->clones().session(e.target)) {
        for (const fw::Extent& x : s->extents) copy.tracks.emplace_back(x.first, x.tracks);
      }
    }
    // A clone serves reads at its point in time from the moment it is
    // taken; a split secondary once its copy is done.
    copy.promised = clone;
    copy.changed_ps = sc::now_ps();
  } else if (e.to == "copied" && e.from != "copied" && copy.point_ps) {
    copy.promised = true;
    check_copy(clone ? "clone destination when copied" : "split secondary when copied", array,
               e.target, copy, *copy.point_ps, what + " copied");
  } else if (clone ? (e.event == "terminate" || e.event.starts_with("fail"))
                   : (e.event != "copy complete" && e.event != "copy")) {
    copy.point_ps.reset();  // resync, suspend, delete, terminate, failure: no promise
    copy.promised = false;
    copy.changed_ps = sc::now_ps();
  }
}

void Verification::finish() {
  const uint64_t now = sc::now_ps();
  for (auto& [name, a] : arrays_) {
    for (uint16_t device : a->written) {
      if (a->copies.count(device) != 0) continue;
      ++checks_["volume hosts write, at the end"];
      const uint64_t blocks = a->node->array->volume(device)->geometry.blocks();
      const std::vector<uint8_t> image =
          a->node->array->peek(device, 0, static_cast<uint32_t>(blocks));
      testing::Scoreboard::ImageCheck check(
          a->board, fmt::format("{} volume {:#06x} at the end", name, device), device, now);
      for (uint64_t b = 0; b < blocks; ++b) {
        if (a->damaged.count({device, b}) != 0) continue;  // a media error nobody wrote over
        check.blocks(b, std::span<const uint8_t>(image).subspan(b * kBlock, kBlock));
      }
    }
    for (const auto& [target, copy] : a->copies) {
      if (!copy.promised) continue;
      // A clone still copying in the background has only its reads checked.
      if (copy.kind == Copy::Kind::clone &&
          a->node->firmware->clones().state(target) != fw::CloneState::copied) {
        continue;
      }
      check_copy(copy.kind == Copy::Kind::remote  ? "remote pair secondary at the end"
                 : copy.kind == Copy::Kind::split ? "split secondary at the end"
                                                  : "clone destination at the end",
                 name, target, copy, copy.point_ps.value_or(now),
                 fmt::format("{} copy {:#06x} of {:#06x} at the end", name, target, copy.source));
      if (copy.kind == Copy::Kind::remote) same_as_primary(name, target, copy, now);
    }
  }
}

// The hosts' concurrent writes to a block may let either win, and the
// reference model allows both; but the two replicas must have made the
// same choice. Every block no write is still changing must hold the same
// bytes on both sides.
void Verification::same_as_primary(const std::string& on, uint16_t target, const Copy& copy,
                                   uint64_t now) {
  ArrayState& primary = state(copy.array);
  ArrayState& secondary = state(on);
  if (secondary.written.count(target) != 0) return;
  ++checks_["remote pair secondary identical to its primary, at the end"];
  const auto blocks =
      static_cast<uint32_t>(primary.node->array->volume(copy.source)->geometry.blocks());
  const std::vector<uint8_t> p = primary.node->array->peek(copy.source, 0, blocks);
  const std::vector<uint8_t> s = secondary.node->array->peek(target, 0, blocks);
  for (uint64_t b = 0; b < blocks; ++b) {
    if (primary.damaged.count({copy.source, b}) != 0) continue;
    bool settled = true;
    for (uint64_t v : primary.model.candidates(copy.source, b, now)) {
      settled = settled && (v == 0 || primary.model.write(v).complete_ps < now);
    }
    if (!settled) continue;
    const auto mine = std::span(p).subspan(b * kBlock, kBlock);
    const auto theirs = std::span(s).subspan(b * kBlock, kBlock);
    if (!std::equal(mine.begin(), mine.end(), theirs.begin())) {
      primary.board.mismatch(
          fmt::format("remote pair {:#06x}->{:#06x} at the end: block {} differs between the "
                      "primary and the secondary, with no write in flight to it",
                      copy.source, target, b));
    }
  }
}

uint64_t Verification::mismatches() const {
  uint64_t n = 0;
  for (const auto& [name, a] : arrays_) n += a->board.mismatches();
  return n;
}

nlohmann::json Verification::tally() const {
  nlohmann::json j;
  uint64_t bytes = 0, writes = 0;
  std::vector<std::string> reports;
  for (const auto& [name, a] : arrays_) {
    bytes += a->board.bytes_compared();
    writes += a->model.writes();
    for (const std::string& r : a->board.mismatch_reports()) {
      if (reports.size() < 20) reports.push_back(name + ": " + r);
    }
  }
  j["checks"] = checks_;
  j["bytes_compared"] = bytes;
  j["writes_tracked"] = writes;
  j["mismatches"] = mismatches();
  j["first_mismatches"] = reports;
  j["reads_not_checked"] = reads_unchecked_;
  j["volumes_not_checked"] = unchecked_;
  nlohmann::json lost = nlohmann::json::object();
  for (const auto& [name, a] : arrays_) {
    for (auto [v, t] : a->lost_ps) lost[fmt::format("{} {:#06x}", name, v)] = t;
  }
  j["lost_at_power_loss_ps"] = lost;
  return j;
}

}  // namespace copysim::run
