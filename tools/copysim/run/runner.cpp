#include "tools/copysim/run/runner.h"

#include <fmt/format.h>
#include <fmt/os.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include "driver/engine/topology.h"
#include "firmware/command/command_block.h"
#include "systemc/common/histogram.h"
#include "systemc/config/json_reader.h"
#include "systemc/fault/injection.h"
#include "testbench/common/host_data.h"
#include "tools/copysim/run/outputs.h"
#include "tools/copysim/run/verification.h"
#include "tools/copysim/scenario/yaml_reader.h"
#include "tools/copysim/workload/traces.h"

namespace copysim::run {

using scenario::Scenario;
using scenario::ScenarioError;
using scenario::Workload;

namespace {

uint64_t ps_of_ms(double ms) { return static_cast<uint64_t>(std::llround(ms * 1e9)); }
uint64_t now_ps() { return static_cast<uint64_t>(sc_core::sc_time_stamp().value()); }
sc_core::sc_time ps_time(uint64_t ps) { return sc_core::sc_time(double(ps), sc_core::SC_PS); }

// The file position for a topology error: the longest JSON pointer the
// message begins with.
std::string locate(const Scenario& s, const std::string& message) {
  std::string best;
  for (const auto& [pointer, where] : s.positions) {
    if (message.rfind(pointer, 0) == 0 && pointer.size() > best.size()) best = pointer;
  }
  return best.empty() ? s.file : s.positions.at(best);
}

// Picks blocks for a synthetic workload: uniform, a hot spot, or Zipf over
// up to 4,096 regions of the volume.
class BlockPicker {
 public:
  // `first_slot`: where a sequential worker starts (workers spread out).
  BlockPicker(const scenario::SyntheticWorkload& w, uint64_t blocks, uint64_t seed,
              uint64_t first_slot = 0)
      : w_(w), slots_(std::max<uint64_t>(1, blocks / w.blocks)), rng_(seed), next_(first_slot) {
    if (w.skew == "zipf") {
      const uint64_t regions = std::min<uint64_t>(4096, slots_);
      double sum = 0;
      for (uint64_t k = 1; k <= regions; ++k) {
        sum += 1.0 / std::pow(double(k), w.zipf_theta);
        cdf_.push_back(sum);
      }
      for (double& c : cdf_) c /= sum;
    }
  }
  uint64_t next_block() {
    uint64_t slot = 0;
    if (w_.pattern == "sequential") {
      slot = next_++ % slots_;
    } else if (w_.skew == "hotspot") {
      const uint64_t hot = std::max<uint64_t>(1, uint64_t(double(slots_) * w_.hot_fraction));
      slot = uniform() < w_.hot_probability ? rng_() % hot
                                            : hot + rng_() % std::max<uint64_t>(1, slots_ - hot);
      slot %= slots_;
    } else if (w_.skew == "zipf") {
      const auto region = std::upper_bound(cdf_.begin(), cdf_.end(), uniform()) - cdf_.begin();
      const uint64_t per = slots_ / cdf_.size();
      slot = std::min<uint64_t>(uint64_t(region), cdf_.size() - 1) * per + (per ? rng_() % per : 0);
    } else {
      slot = rng_() % slots_;
    }
    return slot * w_.blocks;
  }
  double uniform() { return double(rng_() >> 11) * 0x1.0p-53; }
  std::mt19937_64& rng() { return rng_; }

 private:
  const scenario::SyntheticWorkload& w_;
  uint64_t slots_;
  std::mt19937_64 rng_;
  std::vector<double> cdf_;
  uint64_t next_;
};

class Run {
 public:
  // `verify`: the data check, or null for a run without one.
  Run(const Scenario& s, engine::Topology& t, Results& results, Verification* verify)
      : s_(s), t_(t), r_(results), verify_(verify), end_ps_(ps_of_ms(s.duration_ms)) {}

  void start() {
    for (std::size_t i = 0; i < s_.workloads.size(); ++i) start_workload(i);
    sc_core::sc_spawn([this] { timeline(); }, "timeline");
    sc_core::sc_spawn([this] { sample(); }, "sampler");
    for (auto& a : t_.arrays()) {
      const std::string name = a->name;
      auto observe = [this, name](const char* service) {
        return [this, name, service](const fw::HistoryEntry& e) {
          r_.events.push_back(
              {e.time_ps, name, service, e.id, e.source, e.target, e.event, e.from, e.to});
        };
      };
      a->firmware->local_pairs().history().observe(observe("local pair"));
      a->firmware->clones().history().observe(observe("clone"));
      a->firmware->pairs().history().observe(observe("remote pair"));
    }
  }

 private:
  engine::ArrayNode& array(const std::string& name) {
    engine::ArrayNode* a = t_.array(name);
    if (a == nullptr) throw ScenarioError(fmt::format("{}: no array named \"{}\"", s_.file, name));
    return *a;
  }

  // Writes carry versioned data (testbench/common/host_data.h) whether or
  // not the run is verified, so a verified run moves the same bytes.
  void io(std::size_t w, const Workload& wl, sc::StorageArray& a, uint16_t device, uint64_t block,
          uint32_t blocks, bool write, std::vector<uint8_t>& buffer) {
    buffer.resize(std::size_t{blocks} * 512);
    const uint64_t start = now_ps();
    sc::IoStatus st;
    if (write) {
      uint64_t version = 0;
      if (verify_ != nullptr) {
        version = verify_->begin_write(wl.array, device, block, buffer);
      } else {
        version = ++unverified_writes_;
        testing::fill_user_blocks(buffer, device, block, version);
      }
      st = a.write(wl.port, device, block, blocks, buffer);
      if (verify_ != nullptr) verify_->end_write(wl.array, version, st.ok());
    } else {
      st = a.read(wl.port, device, block, blocks, buffer);
      if (verify_ != nullptr) verify_->read(wl.array, device, block, buffer, start, st.ok());
    }
    r_.record_io(w, start, now_ps() - start, write, uint64_t{blocks} * 512, st.ok(),
                 st.ok() ? std::string() : st.message, device, block, blocks);
  }

  void start_workload(std::size_t w) {
    const Workload& wl = s_.workloads[w];
    sc::StorageArray& a = *array(wl.array).array;
    for (uint16_t v : wl.volumes) {
      if (a.volume(v) == nullptr) {
        throw ScenarioError(
            fmt::format("{}: /workloads/{}/volumes: array \"{}\" has no volume "
                        "{:#06x}",
                        s_.file, w, wl.array, v));
      }
      if (wl.type == "synthetic" && a.volume(v)->geometry.blocks() < wl.synthetic.blocks) {
        throw ScenarioError(
            fmt::format("{}: /workloads/{}/synthetic/blocks: {} blocks do not fit "
                        "in volume {:#06x} of {} blocks",
                        s_.file, w, wl.synthetic.blocks, v, a.volume(v)->geometry.blocks()));
      }
    }
    for (auto [trace_device, v] : wl.trace.devices) {
      if (wl.type == "trace" && a.volume(v) == nullptr) {
        throw ScenarioError(
            fmt::format("{}: /workloads/{}/trace/devices/{}: array \"{}\" has no "
                        "volume {:#06x}",
                        s_.file, w, trace_device, wl.array, v));
      }
    }
    const uint64_t stop_ps = wl.stop_ms > 0 ? ps_of_ms(wl.stop_ms) : end_ps_;
    if (wl.type == "trace") {
      auto records = std::make_shared<std::vector<workload::TraceRecord>>(
          workload::read_trace(wl.trace.format, wl.trace.file, wl.trace.max_records));
      std::erase_if(*records, [&](const workload::TraceRecord& r) {
        return wl.trace.devices.count(r.device) == 0;
      });
      if (records->empty()) {
        throw ScenarioError(
            fmt::format("{}: /workloads/{}/trace/devices: no record of {} is for a "
                        "mapped device",
                        s_.file, w, wl.trace.file));
      }
      sc_core::sc_spawn([this, w, &wl, &a, records, stop_ps] {
        const uint64_t start = ps_of_ms(wl.start_ms);
        for (const auto& r : *records) {
          const double at_d = double(start) + r.time_s * wl.trace.time_scale * 1e12;
          if (at_d >= double(stop_ps)) break;
          const auto at = static_cast<uint64_t>(at_d);
          if (at > now_ps()) wait(ps_time(at - now_ps()));
          const uint16_t device = wl.trace.devices.at(r.device);
          const uint64_t volume_blocks = a.volume(device)->geometry.blocks();
          const auto blocks = static_cast<uint32_t>(std::min<uint64_t>(
              {std::max<uint64_t>(1, (r.bytes + 511) / 512), 4096, volume_blocks}));
          const uint64_t block = (r.offset_bytes / 512) % (volume_blocks - blocks + 1);
          // As in the trace, IOs overlap: each one is its own process.
          sc_core::sc_spawn([this, w, &wl, &a, device, block, blocks, r] {
            std::vector<uint8_t> buffer;
            io(w, wl, a, device, block, blocks, r.write, buffer);
          });
        }
      });
      return;
    }
    const scenario::SyntheticWorkload& sw = wl.synthetic;
    uint64_t largest = 0;
    for (uint16_t v : wl.volumes) largest = std::max(largest, a.volume(v)->geometry.blocks());
    for (uint32_t q = 0; q < sw.queue_depth; ++q) {
      sc_core::sc_spawn([this, w, q, &wl, &sw, &a, stop_ps, largest] {
        const uint64_t seed = s_.seed * 1'000'003 + w * 1009 + q;
        const uint64_t slots = std::max<uint64_t>(1, largest / sw.blocks);
        BlockPicker pick(sw, largest, seed, slots * q / sw.queue_depth);
        std::vector<uint8_t> buffer;
        // queue_depth workers, each a Poisson stream at rate / queue_depth
        // with one IO in flight; at rate 0, each back to back.
        const double mean_gap_ps = sw.rate_iops > 0 ? 1e12 * sw.queue_depth / sw.rate_iops : 0;
        double next = double(ps_of_ms(wl.start_ms));
        for (;;) {
          if (mean_gap_ps > 0) next += -std::log(1 - pick.uniform()) * mean_gap_ps;
          if (next >= double(stop_ps)) return;
          if (next > double(now_ps())) wait(ps_time(uint64_t(next) - now_ps()));
          if (now_ps() >= stop_ps) return;
          const uint16_t device = wl.volumes[pick.rng()() % wl.volumes.size()];
          const uint64_t volume_blocks = a.volume(device)->geometry.blocks();
          const uint64_t block = pick.next_block() % (volume_blocks - sw.blocks + 1);
          const bool write = pick.uniform() >= sw.read_fraction;
          const uint64_t before = now_ps();
          io(w, wl, a, device, block, sw.blocks, write, buffer);
          // An IO refused at once takes no time: back off rather than spin.
          if (now_ps() == before) wait(sc_core::sc_time(100, sc_core::SC_US));
          if (mean_gap_ps == 0) next = double(now_ps());
        }
      });
    }
  }

  // Injects a timeline fault (docs/VERIFICATION.md has the reactions);
  // returns what happened, or throws std::out_of_range for a link, array,
  // volume or block the topology does not have.
  std::string inject(const scenario::TimelineEntry& e) {
    const auto ps = static_cast<uint64_t>(e.us * 1e6);
    if (e.action.rfind("fault.link", 0) == 0 || e.action.rfind("fault.frame", 0) == 0 ||
        e.action == "fault.credit_loss") {
      if (e.link >= t_.fibres()) {
        throw std::out_of_range(fmt::format("the topology has {} links", t_.fibres()));
      }
      sc::FcLink& link = t_.fibre(e.link);
      sc::FcLinkDirection& d = link.forward();
      if (e.action == "fault.link_down" || e.action == "fault.link_up") {
        link.set_up(e.action == "fault.link_up");
        return fmt::format("link {} {}", e.link, e.action == "fault.link_up" ? "up" : "down");
      }
      if (e.action == "fault.frame_corrupt") {
        sc::fault::corrupt_next_frames(d, e.count);
        return fmt::format("link {}: the next {} frames corrupted", e.link, e.count);
      }
      if (e.action == "fault.frame_drop") {
        for (uint64_t k = 0; k < e.count; ++k) d.drop_next_message();
        return fmt::format("link {}: a frame of each of the next {} messages lost", e.link,
                           e.count);
      }
      if (e.action == "fault.frame_delay") {
        d.delay_next_message(ps);
        return fmt::format("link {}: the next message {} us late", e.link, e.us);
      }
      d.lose_credits(static_cast<uint32_t>(std::min<uint64_t>(e.count, UINT32_MAX)));
      return fmt::format("link {}: {} credits lost", e.link, d.stats().credits_lost);
    }
    engine::ArrayNode* a = t_.array(e.array);
    if (a == nullptr) throw std::out_of_range("no array named " + e.array);
    if (e.action == "fault.media_error") {
      sc::fault::damage_block(*a->array, e.volume, e.block);
      if (verify_ != nullptr) verify_->media_error(e.array, e.volume, e.block);
      return fmt::format("media error under {:#06x} block {}", e.volume, e.block);
    }
    if (e.action == "fault.write_error") {
      sc::fault::fail_next_write(*a->array, e.volume, e.block);
      return fmt::format("the next write of {:#06x} block {} fails", e.volume, e.block);
    }
    if (e.action == "fault.drive_loss") {
      std::optional<uint64_t> rebuild;
      if (e.rebuild_after_ms >= 0) rebuild = static_cast<uint64_t>(e.rebuild_after_ms * 1e9);
      sc::fault::lose_drive(*a->array, e.drive, rebuild);
      return rebuild ? fmt::format("drive {} lost; rebuilt onto a spare from {} ms after", e.drive,
                                   e.rebuild_after_ms)
                     : fmt::format("drive {} lost", e.drive);
    }
    if (e.action == "fault.cpu_busy") {
      sc::fault::occupy_processors(*a->array, ps);
      return fmt::format("every processor busy for {} us", e.us);
    }
    if (e.action == "fault.cache_full") {
      sc_core::sc_spawn([a, ps] { sc::fault::hold_cache(*a->array, ps); });
      return fmt::format("cache slots held for {} us", e.us);
    }
    // fault.power_loss: the array's links go dark and a volatile cache
    // loses its write-pending data; when power returns the array reports it.
    std::vector<sc::FcLink*> links;
    for (std::size_t k = 0; k < t_.fibres(); ++k) links.push_back(&t_.fibre(k));
    const std::vector<uint16_t> lost = sc::fault::lose_power(
        *a->array, std::move(links), ps,
        [a](const std::vector<uint16_t>& v) { a->hardware->power_restored(v); });
    if (verify_ != nullptr) verify_->power_lost(e.array, lost);
    return fmt::format("power off for {} us; {} volumes lost write-pending data", e.us,
                       lost.size());
  }

  void timeline() {
    for (const scenario::TimelineEntry& e : s_.timeline) {
      const uint64_t at = ps_of_ms(e.at_ms);
      if (at > now_ps()) wait(ps_time(at - now_ps()));
      Command c{now_ps(), e.action, e.array, e.primary, e.secondary, "", "", e.where};
      if (e.action.rfind("fault.", 0) == 0) {
        try {
          c.message = inject(e);
          c.result = "ok";
        } catch (const std::out_of_range& error) {
          c.result = "bad parameter";
          c.message = error.what();
        }
      } else {
        engine::ArrayNode* a = t_.array(e.array);
        if (a == nullptr) {
          c.result = "bad parameter";
          c.message = "no array named " + e.array;
        } else {
          const fw::CommandBlock b{scenario::command_actions().at(e.action), e.primary, e.secondary,
                                   e.parameters};
          const fw::CommandStatus st = fw::decode_status(a->array->command(0, fw::encode(b)));
          c.result = std::string(fw::to_string(st.result));
          c.message = st.message;
        }
      }
      r_.commands.push_back(c);
    }
  }

  // Every bucket: copy progress and the firmware's TCBs and link commits.
  void sample() {
    const uint64_t bucket = std::max<uint64_t>(1, ps_of_ms(s_.bucket_ms));
    for (uint64_t t = 0; t <= end_ps_; t += bucket) {
      if (t > now_ps()) wait(ps_time(t - now_ps()));
      Sample smp;
      smp.time_ps = now_ps();
      for (auto& a : t_.arrays()) {
        fw::Controller& f = *a->firmware;
        smp.tcbs[a->name] = f.masters().in_use() + f.data_movers().in_use() +
                            f.local_pairs().tcbs().in_use() + f.clones().tcbs().in_use();
        for (const auto& [key, e] : r_.copies()) {
          if (e.array != a->name) continue;
          if (e.service == "local pair") {
            if (auto p = f.local_pairs().pair(e.source, e.target))
              smp.left[key] = p->unequal_tracks;
          } else if (e.service == "clone") {
            if (auto c = f.clones().session(e.target)) smp.left[key] = c->tracks_to_copy;
          } else {
            smp.left[key] = f.pairs().out_of_sync_tracks(e.source);
          }
        }
        if (a->links) {
          for (std::size_t i = 0; i < a->links->paths(); ++i) {
            smp.commits[fmt::format("{} link {}", a->name, i)] = a->links->path(i).stats().commits;
          }
        }
      }
      r_.samples.push_back(smp);
    }
  }

  const Scenario& s_;
  engine::Topology& t_;
  Results& r_;
  Verification* verify_;
  uint64_t unverified_writes_ = 0;
  uint64_t end_ps_;
};

}  // namespace

void check(const Scenario& s) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  std::unique_ptr<engine::Topology> topology;
  try {
    topology = std::make_unique<engine::Topology>(s.topology);
  } catch (const sc::ConfigError& e) {
    throw ScenarioError(fmt::format("{}: {}", locate(s, e.what()), e.what()));
  }
  Results results(s);
  Run r(s, *topology, results, nullptr);
  r.start();
}

int run(const Scenario& s, const RunOptions& options) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  std::unique_ptr<engine::Topology> topology;
  nlohmann::json description = s.topology;
  if (s.waveforms) {
    // The DRR units run their RTL and trace it: <results>/<array>.<dka>.fst.
    std::filesystem::create_directories(options.results_dir);
    for (auto& a : description["arrays"]) {
      if (!a.is_object() || !a.contains("config")) continue;
      if (a["config"].is_string()) {
        std::ifstream in(a["config"].get<std::string>());
        if (in) a["config"] = nlohmann::json::parse(in, nullptr, false);
      }
      auto& drr = a["config"]["disk_adapters"]["drr"];
      drr["implementation"] = "rtl";
      drr["wave_file"] =
          options.results_dir + "/" +
          (a.contains("name") && a["name"].is_string() ? a["name"].get<std::string>() : "array") +
          ".fst";
    }
  }
  try {
    topology = std::make_unique<engine::Topology>(description);
  } catch (const sc::ConfigError& e) {
    throw ScenarioError(fmt::format("{}: {}", locate(s, e.what()), e.what()));
  }
  Results results(s);
  std::unique_ptr<Verification> verify;
  if (s.verify) {
    const nlohmann::json& link = s.topology.value("link", nlohmann::json::object());
    verify = std::make_unique<Verification>(*topology, link.value("secondary", std::string()));
  }
  Run r(s, *topology, results, verify.get());
  r.start();

  const uint64_t end = ps_of_ms(s.duration_ms);
  const auto wall_start = std::chrono::steady_clock::now();
  const bool tty = options.progress_bar && ::isatty(2);
  int last_tenth = -1;
  for (int step = 1; step <= 100; ++step) {
    const uint64_t until = end * uint64_t(step) / 100;
    if (until > now_ps()) sc_core::sc_start(ps_time(until - now_ps()));
    if (options.quiet) continue;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const double eta = step < 100 ? wall / step * (100 - step) : 0;
    const double rate = wall > 0 ? double(now_ps()) / 1e9 / wall : 0;
    if (tty) {
      fmt::print(stderr,
                 "\r[{:<40}] {:3}%  {:.3f} of {:.3f} ms simulated  {:.1f} ms/s  ETA {:.0f} s ",
                 std::string(std::size_t(step * 40 / 100), '#'), step, double(now_ps()) / 1e9,
                 s.duration_ms, rate, eta);
    } else if (step / 10 != last_tenth) {
      last_tenth = step / 10;
      fmt::print(stderr, "copysim run: {:3}% ({:.3f} of {:.3f} ms simulated, {:.1f} ms/s)\n", step,
                 double(now_ps()) / 1e9, s.duration_ms, rate);
    }
  }
  if (tty) fmt::print(stderr, "\n");
  for (auto& a : topology->arrays()) {
    results.arrays[a->name] = a->array->statistics();
    for (std::size_t i = 0; a->links && i < a->links->paths(); ++i) {
      const sc::FcpStats& st = a->links->path(i).stats();
      results.links[fmt::format("{} link {}", a->name, i)] = {
          {"up", a->links->link(i).up()},
          {"exchanges", st.exchanges},
          {"good", st.good},
          {"retries", st.retries},
          {"failed", st.failed},
          {"commits", st.commits},
          {"buffer_waits", st.buffer_waits},
          {"in_flight_peak", st.in_flight_peak},
          {"buffers_in_use_peak", st.buffers_in_use_peak}};
    }
    for (uint32_t i = 0; i < a->array->config().disk_adapters.count; ++i) {
      a->array->disk_adapter(i).drr().close_wave();
    }
  }
  if (verify) {
    verify->finish();
    results.verification = verify->tally();
  }
  results.write(options.results_dir);
  fmt::print("{}", results.summary(options.results_dir));
  if (verify && verify->mismatches() > 0) {
    fmt::print(stderr,
               "copysim run: {}: verification failed: {} blocks hold data the hosts' writes do "
               "not allow (stats.json, \"verification\")\n",
               s.file, verify->mismatches());
    return 3;
  }
  return 0;
}

}  // namespace copysim::run
