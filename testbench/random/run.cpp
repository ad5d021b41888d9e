// A randomized run: the topology, the scoreboard checks that come with
// state changes, and the result.
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "firmware/clone/clone_service.h"
#include "firmware/local_pairs/local_pair_service.h"
#include "firmware/remote_copy/remote_pairs.h"
#include "systemc/fault/injection.h"
#include "testbench/common/host_data.h"
#include "testbench/random/run_parts.h"

namespace copysim::testing::random::detail {

Run::Run(const Plan& plan, const RunOptions& options)
    : plan_(plan), options_(options), topology_(config(plan, options)), board_(reference_) {
  for (const Step& s : plan.steps) {
    if (s.action == "remote.establish") remote_.insert(s.a);
    if (s.action == "local.create") locals_.push_back({s.a, s.b, {}, false, 0});
    if (s.action.starts_with("clone.create")) clones_.push_back({s.a, s.b, s.value, {}, 0});
  }
  for (uint32_t v = 0; v < plan.volumes; ++v) {
    const bool target = std::any_of(locals_.begin(), locals_.end(),
                                    [&](const LocalRole& l) { return l.secondary == v; }) ||
                        std::any_of(clones_.begin(), clones_.end(),
                                    [&](const CloneRole& c) { return c.destination == v; });
    if (!target) sources_.push_back(v);
  }
  observe();
}

nlohmann::json Run::go() {
  for (uint32_t h = 0; h < plan_.hosts; ++h) {
    sc_core::sc_spawn([this, h] { host(h); });
  }
  sc_core::sc_spawn([this] { timeline(); });
  sc_core::sc_start();
  return result();
}

RemoteTopologyConfig Run::config(const Plan& p, const RunOptions& o) {
  RemoteTopologyConfig c;
  c.volumes = p.volumes;
  c.tracks = p.tracks;
  c.links = p.links;
  c.return_links = 1;
  c.distance_km = p.distance_km;
  c.drives = p.drives;
  // Every layout the plan's drive count makes: one drive alone, a mirror,
  // RAID-5 2D+1P, RAID-6 2D+2P; small chunks, so that writes span chunks
  // and fill whole stripes.
  static constexpr const char* kLayouts[] = {"raid0", "raid1", "raid5", "raid6"};
  const uint32_t layout = std::min<uint32_t>(p.drives, 4) - 1;
  // A lost drive is found within the run (20 ms), and drives are small
  // (100 cylinders, 500 MB) so that a rebuild has stripes to get through.
  const uint32_t data_drives = layout < 2 ? 1 : 2;
  c.parity_group = {{"raid", kLayouts[layout]},
                    {"data_drives", data_drives},
                    {"chunk_blocks", 32},
                    {"drive_timeout_ms", 20},
                    {"rebuild_mb_per_s", 200}};
  c.drive = {{"cylinders", 100}};
  c.cache_slots = p.cache_slots;
  c.secondary_non_volatile = p.secondary_non_volatile;
  c.firmware.local_pairs.mutant_skip_copy_before_write = o.mutant_skip_copy_before_write;
  return c;
}

void Run::check_volume(const char* promise, sc::StorageArray& a, uint16_t device, uint16_t source,
                       uint64_t t_ps, const std::string& what, bool whole_writes, uint64_t extent) {
  uint64_t first = 0, count = volume_blocks();
  if (extent != 0) {
    first = (extent >> 32) * blocks_per_track();
    count = (extent & 0xffffffffu) * blocks_per_track();
  }
  ++promises_[promise];
  Scoreboard::ImageCheck check(board_, what, source, t_ps);
  const std::vector<uint8_t> image = a.peek(device, 0, static_cast<uint32_t>(volume_blocks()));
  const std::span<const uint8_t> all(image);
  if (first > 0) check.untouched(0, all.first(first * kBlock));
  check.blocks(first, all.subspan(first * kBlock, count * kBlock));
  if (first + count < volume_blocks()) {
    check.untouched(first + count, all.subspan((first + count) * kBlock));
  }
  if (whole_writes) check.writes_whole();
}

void Run::observe() {
  firmware().pairs().history().observe([this](const fw::HistoryEntry& e) {
    ++events_;
    if (e.to == "full duplex" && e.from != "full duplex") {  // a promise made now
      const uint32_t v = e.source - primary_of(0);
      check_volume("remote pair secondary at full duplex", topology_.secondary(),
                   secondary_volume(v), e.source, now_ps(),
                   fmt::format("remote pair {:#06x} at full duplex", e.source), false);
    }
    if (e.event == "link failure") react("pair suspended for a link failure");
    if (e.event.starts_with("error")) {
      react("pair suspended for an error");
      explain_error(fmt::format("remote pair {:#06x} suspended: {}", e.source, e.event));
    }
    if (e.event == "copy started" && e.from == "suspended") react("pair resynchronized");
    if (e.event == "secondary lost data") react("pair copying all tracks: its secondary lost data");
  });
  firmware().local_pairs().history().observe([this](const fw::HistoryEntry& e) {
    ++events_;
    LocalRole* l = local(e.source, e.target);
    if (l == nullptr) return;
    if (e.event == "point in time") {
      l->point_ps = e.time_ps;
      ++l->generation;
    } else if (e.to == "copied" && e.from != "copied" && l->point_ps) {
      l->copied = true;
      check_volume("split secondary when copied", topology_.primary(), e.target, e.source,
                   *l->point_ps,
                   fmt::format("local pair {:#06x}->{:#06x} copied", e.source, e.target), true);
    } else if (e.event != "copy complete" && e.event != "copy") {
      l->point_ps.reset();  // resync, suspend, delete: no promise any more
      l->copied = false;
      ++l->generation;
      if (e.to == "suspended" && e.event != "suspend") {
        react("local pair suspended for an error");
        explain_error(
            fmt::format("local pair {:#06x}->{:#06x} suspended: {}", e.source, e.target, e.event));
      }
    }
  });
  firmware().clones().history().observe([this](const fw::HistoryEntry& e) {
    ++events_;
    CloneRole* c = clone(e.target);
    if (c == nullptr) return;
    if (e.event == "point in time") {
      c->point_ps = e.time_ps;
      ++c->generation;
    } else if (e.to == "copied" && e.from != "copied" && c->point_ps) {
      check_volume("clone destination when copied", topology_.primary(), e.target, e.source,
                   *c->point_ps, fmt::format("clone {:#06x}->{:#06x} copied", e.source, e.target),
                   true, c->extent);
    } else if (e.event == "terminate" || e.event.starts_with("fail")) {
      if (e.event != "terminate") {
        explain_error(fmt::format("clone {:#06x}->{:#06x} failed", e.source, e.target));
      }
      c->point_ps.reset();
      ++c->generation;
    }
  });
}

nlohmann::json Run::result() {
  uint64_t retries = 0, link_failures = 0;
  for (std::size_t i = 0; i < topology_.forward_adapter().paths(); ++i) {
    retries += topology_.forward_adapter().path(i).stats().retries;
    link_failures += topology_.forward_adapter().path(i).stats().failed;
  }
  if (retries > 0) react("link exchanges retried", retries);
  if (link_failures > 0) react("link exchanges failed over or given up", link_failures);
  for (uint32_t which : {0u, 1u}) {
    for (std::size_t i = 0; i < array(which).config().disk_adapters.count; ++i) {
      const uint64_t n = array(which).disk_adapter(i).stats().write_reassigns;
      if (n > 0) react("medium error on write: block reassigned, destage rewritten", n);
    }
    const sc::CacheStats& c = array(which).cache().stats();
    if (c.allocation_waits + c.write_pending_waits > 0) {
      react("cache waits (full)", c.allocation_waits + c.write_pending_waits);
    }
  }
  nlohmann::json j;
  j["seed"] = plan_.seed;
  j["data_mismatches"] = board_.mismatches();
  j["mismatches"] = board_.mismatches() + other_failures_;
  std::vector<std::string> all = board_.mismatch_reports();
  all.insert(all.end(), failures_.begin(), failures_.end());
  j["failures"] = all;
  j["checks"] = board_.checks();
  j["bytes_compared"] = board_.bytes_compared();
  j["writes"] = writes_;
  j["reads"] = reads_;
  j["commands"] = commands_;
  j["events"] = events_;
  j["end_us"] = end_ps_ / kPsPerUs;
  j["faults"] = faults_;
  j["steps"] = steps_;
  j["refusals"] = refusals_;
  j["reactions"] = reactions_;
  j["promises_checked"] = promises_;
  return j;
}

}  // namespace copysim::testing::random::detail

namespace copysim::testing::random {

nlohmann::json run_plan(const Plan& plan, const RunOptions& options) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING,
                                          sc_core::SC_DISPLAY | sc_core::SC_THROW);
  detail::Run run(plan, options);
  return run.go();
}

}  // namespace copysim::testing::random
