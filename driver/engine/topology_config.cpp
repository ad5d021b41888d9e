#include "driver/engine/topology_config.h"

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string>

#include "systemc/fc/fc_speed.h"

namespace copysim::engine {

using sc::JsonReader;

namespace {

// Ranges (docs/LINKS.md and docs/DRIVER.md give each with its reason).
// Pools, tables and queues: 65,536 entries at most. Every pool the model
// makes is allocated when the array is built (TCBs enrolled with the
// dispatcher, control store taken), and 65,536 is as many volumes as 16-bit
// device numbers name, so no table needs more.
constexpr uint32_t kMaxEntries = 65536;
// FCP exchanges are named by a 16-bit OX_ID, 0xffff meaning "unassigned"
// (FC-FS): at most 65,535 writes in flight, hence secondary buffers.
constexpr uint32_t kMaxExchanges = 65535;
// The BB_Credit field of the login's common service parameters is 16 bits
// (FC-LS).
constexpr uint32_t kMaxBbCredits = 65535;
// Firmware work per step: at most a second of a 1 GHz processor.
constexpr uint64_t kMaxCycles = 1'000'000'000;
// Timers: at least a microsecond (a shorter retry spins without the
// simulated world changing), at most an hour.
constexpr uint64_t kMinTimerPs = 1'000'000;
constexpr uint64_t kMaxTimerPs = 3'600'000'000'000'000;
// A retry count beyond a thousand means a link that never works.
constexpr uint32_t kMaxRetries = 1000;
// Secondary processing of one command or buffer: at most a second.
constexpr double kMaxStepUs = 1e6;

std::string_view to_string(sc::LinkFidelity f) {
  return f == sc::LinkFidelity::frame ? "frame" : "fast";
}

std::string_view to_string(fw::GroupStart g) {
  return g == fw::GroupStart::after_completion ? "after_completion" : "overlapped";
}

// Reads `key` as one of the names `to_string` gives the values of `E`.
template <class E, class Names>
void read_choice(JsonReader& r, const std::string& key, E& value, std::initializer_list<E> choices,
                 Names names) {
  if (!r.has(key)) return;
  std::string s;
  r.read(key, s);
  std::string expected;
  for (E c : choices) {
    if (names(c) == s) {
      value = c;
      return;
    }
    expected += fmt::format("{}\"{}\"", expected.empty() ? "" : " or ", names(c));
  }
  r.fail(key, fmt::format("\"{}\" is not {}", s, expected));
}

void read_path(JsonReader r, sc::ClockedPath& p) {
  r.read("clock_mhz", p.clock_mhz, 1.0, 100000.0);
  r.read("width_bytes", p.width_bytes, 1, 4096);
  r.read("latency_cycles", p.latency_cycles, 0, 1000000);
  r.finish();
}

nlohmann::json path_json(const sc::ClockedPath& p) {
  return {{"clock_mhz", p.clock_mhz},
          {"width_bytes", p.width_bytes},
          {"latency_cycles", p.latency_cycles}};
}

void read_pool(JsonReader& r, const std::string& key, uint32_t& value) {
  r.read(key, value, 1, kMaxEntries);
}

void read_cycles(JsonReader& r, const std::string& key, uint64_t& value) {
  r.read(key, value, 0, kMaxCycles);
}

void read_timer(JsonReader& r, const std::string& key, uint64_t& value) {
  r.read(key, value, kMinTimerPs, kMaxTimerPs);
}

}  // namespace

void read_config(JsonReader& r, sc::FcLinkConfig& c) {
  if (r.has("speed")) {
    r.read("speed", c.speed);
    if (!sc::fc_speed(c.speed)) {
      r.fail("speed", fmt::format("\"{}\" is not 8GFC, 16GFC, 32GFC or 64GFC", c.speed));
    }
  }
  // Half the earth's circumference: no two sites are farther apart.
  r.read("distance_km", c.distance_km, 0.0, 20000.0);
  // No faster than light in vacuum (3.336 us per km); at most twice fibre's.
  r.read("propagation_us_per_km", c.propagation_us_per_km, 3.336, 10.0);
  r.read("bb_credits", c.bb_credits, 1, kMaxBbCredits);
  // The login's receive data field size: 256 to 2,112 bytes, a multiple of 4.
  r.read("max_payload", c.max_payload, 256, sc::kFcMaxPayload);
  if (c.max_payload % 4 != 0) {
    r.fail("max_payload", fmt::format("{} is not a multiple of 4", c.max_payload));
  }
  read_choice(r, "fidelity", c.fidelity, {sc::LinkFidelity::frame, sc::LinkFidelity::fast},
              [](sc::LinkFidelity f) { return to_string(f); });
  // Up to FC's resource allocation timeout, R_A_TOV (10 s).
  r.read("lost_frame_detect_us", c.lost_frame_detect_us, 0.0, 1e7);
}

nlohmann::json to_json(const sc::FcLinkConfig& c) {
  return {{"speed", c.speed},
          {"distance_km", c.distance_km},
          {"propagation_us_per_km", c.propagation_us_per_km},
          {"bb_credits", c.bb_credits},
          {"max_payload", c.max_payload},
          {"fidelity", to_string(c.fidelity)},
          {"lost_frame_detect_us", c.lost_frame_detect_us}};
}

void read_config(JsonReader& r, sc::LinkAdapterConfig& c) {
  {
    JsonReader d = r.object("dma");
    read_path(d.object("bus"), c.dma.bus);
    d.read("queue_depth", c.dma.queue_depth, 1, kMaxEntries);
    d.finish();
  }
  {
    JsonReader f = r.object("fcp");
    using sc::FcpWriteMode, sc::SecondaryBufferPolicy;
    read_choice(f, "mode", c.fcp.mode, {FcpWriteMode::standard, FcpWriteMode::extended_cdb},
                [](FcpWriteMode m) { return sc::to_string(m); });
    read_choice(
        f, "policy", c.fcp.policy,
        {SecondaryBufferPolicy::preallocated, SecondaryBufferPolicy::allocate_after_receipt},
        [](SecondaryBufferPolicy p) { return sc::to_string(p); });
    f.read("buffers", c.fcp.buffers, 1, kMaxExchanges);
    f.read("pool_buffers", c.fcp.pool_buffers, 1, kMaxExchanges);
    if (c.fcp.policy == SecondaryBufferPolicy::allocate_after_receipt &&
        c.fcp.pool_buffers <= c.fcp.buffers) {
      f.fail("pool_buffers",
             fmt::format("allocate_after_receipt replaces buffers from the pool: needs more than "
                         "the {} buffers, got {}",
                         c.fcp.buffers, c.fcp.pool_buffers));
    }
    f.read("command_us", c.fcp.command_us, 0.0, kMaxStepUs);
    f.read("allocation_us", c.fcp.allocation_us, 0.0, kMaxStepUs);
    f.read("max_retries", c.fcp.max_retries, 0, kMaxRetries);
    f.finish();
  }
}

nlohmann::json to_json(const sc::LinkAdapterConfig& c) {
  return {{"dma", {{"bus", path_json(c.dma.bus)}, {"queue_depth", c.dma.queue_depth}}},
          {"fcp",
           {{"mode", sc::to_string(c.fcp.mode)},
            {"policy", sc::to_string(c.fcp.policy)},
            {"buffers", c.fcp.buffers},
            {"pool_buffers", c.fcp.pool_buffers},
            {"command_us", c.fcp.command_us},
            {"allocation_us", c.fcp.allocation_us},
            {"max_retries", c.fcp.max_retries}}}};
}

void read_config(JsonReader& r, fw::ControllerConfig& c) {
  read_pool(r, "master_tcbs", c.master_tcbs);
  read_pool(r, "data_mover_tcbs", c.data_mover_tcbs);
  r.read("tcb_bytes", c.tcb_bytes, 64, 65536);
  read_cycles(r, "dispatch_cycles", c.dispatch_cycles);
  read_pool(r, "mirror_tcbs", c.mirror_tcbs);
  {
    JsonReader t = r.object("transfer");
    auto& x = c.transfer;
    read_pool(t, "max_data_movers", x.max_data_movers);
    // A group may span the largest volume the array describes (2^32 tracks).
    t.read("group_tracks", x.group_tracks, 1, std::numeric_limits<uint32_t>::max());
    read_choice(t, "group_start", x.group_start,
                {fw::GroupStart::after_completion, fw::GroupStart::overlapped},
                [](fw::GroupStart g) { return to_string(g); });
    read_cycles(t, "master_cycles_per_track", x.master_cycles_per_track);
    read_cycles(t, "mover_cycles_per_track", x.mover_cycles_per_track);
    t.read("attempts_per_track", x.attempts_per_track, 1, kMaxRetries);
    read_timer(t, "link_retry_ps", x.link_retry_ps);
    t.finish();
  }
  {
    JsonReader b = r.object("bridge");
    auto& x = c.bridge;
    read_pool(b, "tcbs", x.tcbs);
    read_pool(b, "movers", x.movers);
    read_cycles(b, "command_cycles", x.command_cycles);
    read_cycles(b, "snapshot_cycles_per_track", x.snapshot_cycles_per_track);
    read_cycles(b, "send_cycles_per_track", x.send_cycles_per_track);
    read_cycles(b, "move_cycles_per_track", x.move_cycles_per_track);
    read_cycles(b, "status_cycles_per_record", x.status_cycles_per_record);
    read_timer(b, "setup_timeout_ps", x.setup_timeout_ps);
    read_timer(b, "status_retry_ps", x.status_retry_ps);
    b.finish();
  }
  {
    JsonReader l = r.object("local_pairs");
    auto& x = c.local_pairs;
    read_pool(l, "max_pairs", x.max_pairs);
    read_pool(l, "copy_tcbs", x.copy_tcbs);
    // 0: each step starts as soon as the previous one is done.
    l.read("step_period_ps", x.step_period_ps, 0, kMaxTimerPs);
    read_cycles(l, "step_cycles", x.step_cycles);
    l.read("mutant_skip_copy_before_write", x.mutant_skip_copy_before_write);
    l.finish();
  }
  {
    JsonReader k = r.object("clones");
    auto& x = c.clones;
    read_pool(k, "max_sessions", x.max_sessions);
    read_pool(k, "copy_tcbs", x.copy_tcbs);
    read_cycles(k, "track_cycles", x.track_cycles);
    k.finish();
  }
}

nlohmann::json to_json(const fw::ControllerConfig& c) {
  const auto& t = c.transfer;
  const auto& b = c.bridge;
  const auto& l = c.local_pairs;
  const auto& k = c.clones;
  return {{"master_tcbs", c.master_tcbs},
          {"data_mover_tcbs", c.data_mover_tcbs},
          {"tcb_bytes", c.tcb_bytes},
          {"dispatch_cycles", c.dispatch_cycles},
          {"mirror_tcbs", c.mirror_tcbs},
          {"transfer",
           {{"max_data_movers", t.max_data_movers},
            {"group_tracks", t.group_tracks},
            {"group_start", to_string(t.group_start)},
            {"master_cycles_per_track", t.master_cycles_per_track},
            {"mover_cycles_per_track", t.mover_cycles_per_track},
            {"attempts_per_track", t.attempts_per_track},
            {"link_retry_ps", t.link_retry_ps}}},
          {"bridge",
           {{"tcbs", b.tcbs},
            {"movers", b.movers},
            {"command_cycles", b.command_cycles},
            {"snapshot_cycles_per_track", b.snapshot_cycles_per_track},
            {"send_cycles_per_track", b.send_cycles_per_track},
            {"move_cycles_per_track", b.move_cycles_per_track},
            {"status_cycles_per_record", b.status_cycles_per_record},
            {"setup_timeout_ps", b.setup_timeout_ps},
            {"status_retry_ps", b.status_retry_ps}}},
          {"local_pairs",
           {{"max_pairs", l.max_pairs},
            {"copy_tcbs", l.copy_tcbs},
            {"step_period_ps", l.step_period_ps},
            {"step_cycles", l.step_cycles},
            {"mutant_skip_copy_before_write", l.mutant_skip_copy_before_write}}},
          {"clones",
           {{"max_sessions", k.max_sessions},
            {"copy_tcbs", k.copy_tcbs},
            {"track_cycles", k.track_cycles}}}};
}

}  // namespace copysim::engine
