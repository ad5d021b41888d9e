// The topology's link, link adapter and firmware settings (docs/DRIVER.md,
// "Topology"): defaults written out and read back are the same
// configuration, every member is reachable from JSON, and the readers are
// strict. Nothing here elaborates a SystemC model.
#include <boost/test/unit_test.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "driver/engine/topology_config.h"

using copysim::engine::config_from_json;
using copysim::engine::to_json;
using copysim::sc::ConfigError;
using nlohmann::json;
namespace sc = copysim::sc;
namespace fw = copysim::fw;

namespace {

// Checks one member read from JSON: it has the value the JSON gave, and
// that value is not the default (so the JSON really changed it).
template <class T, class U>
void member(const char* name, const T& got, const T& defaults, const U& want) {
  BOOST_TEST_CONTEXT(name) {
    BOOST_TEST(!(defaults == T(want)));  // else the JSON did not change it
    BOOST_TEST((got == T(want)));
  }
}

// The message of the ConfigError `read` throws, or "" if it throws none.
template <class F>
std::string error_of(F read) {
  try {
    read();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

template <class Config>
std::string error_of(const json& j, const std::string& path) {
  return error_of([&] { config_from_json<Config>(j, path); });
}

}  // namespace

BOOST_AUTO_TEST_CASE(link_defaults_written_and_read_back_are_the_same) {
  const json defaults = to_json(sc::FcLinkConfig{});
  BOOST_TEST(to_json(config_from_json<sc::FcLinkConfig>(defaults, "/link")) == defaults);
  // As text too, the way a file carries them.
  const json reparsed = json::parse(defaults.dump());
  BOOST_TEST(to_json(config_from_json<sc::FcLinkConfig>(reparsed, "/link")) == defaults);
}

BOOST_AUTO_TEST_CASE(link_adapter_defaults_written_and_read_back_are_the_same) {
  const json defaults = to_json(sc::LinkAdapterConfig{});
  BOOST_TEST(to_json(config_from_json<sc::LinkAdapterConfig>(defaults, "/link/adapter")) ==
             defaults);
  const json reparsed = json::parse(defaults.dump());
  BOOST_TEST(to_json(config_from_json<sc::LinkAdapterConfig>(reparsed, "/link/adapter")) ==
             defaults);
}

BOOST_AUTO_TEST_CASE(firmware_defaults_written_and_read_back_are_the_same) {
  const json defaults = to_json(fw::ControllerConfig{});
  BOOST_TEST(to_json(config_from_json<fw::ControllerConfig>(defaults, "/arrays/0/firmware")) ==
             defaults);
  const json reparsed = json::parse(defaults.dump());
  BOOST_TEST(to_json(config_from_json<fw::ControllerConfig>(reparsed, "/arrays/0/firmware")) ==
             defaults);
}

// An empty object is the defaults.
BOOST_AUTO_TEST_CASE(an_empty_object_gives_the_defaults) {
  const json empty = json::object();
  BOOST_TEST(to_json(config_from_json<sc::FcLinkConfig>(empty, "/link")) ==
             to_json(sc::FcLinkConfig{}));
  BOOST_TEST(to_json(config_from_json<sc::LinkAdapterConfig>(empty, "/link/adapter")) ==
             to_json(sc::LinkAdapterConfig{}));
  BOOST_TEST(to_json(config_from_json<fw::ControllerConfig>(empty, "/arrays/0/firmware")) ==
             to_json(fw::ControllerConfig{}));
}

// Every member set to a value other than its default, read, and compared
// member by member. The structured bindings name every member: a member
// added to a configuration stops this test compiling until it is read,
// written and checked here.
BOOST_AUTO_TEST_CASE(every_link_member_is_reachable) {
  const json j = json::parse(R"({
    "speed": "32GFC", "distance_km": 123.5, "propagation_us_per_km": 4.9,
    "bb_credits": 777, "max_payload": 1024, "fidelity": "frame",
    "lost_frame_detect_us": 2500
  })");
  const auto got = config_from_json<sc::FcLinkConfig>(j, "/link");
  const sc::FcLinkConfig def;
  const auto& [speed, distance_km, propagation_us_per_km, bb_credits, max_payload, fidelity,
               lost_frame_detect_us] = got;
  const auto& [d_speed, d_distance_km, d_propagation_us_per_km, d_bb_credits, d_max_payload,
               d_fidelity, d_lost_frame_detect_us] = def;
  member("speed", speed, d_speed, std::string("32GFC"));
  member("distance_km", distance_km, d_distance_km, 123.5);
  member("propagation_us_per_km", propagation_us_per_km, d_propagation_us_per_km, 4.9);
  member("bb_credits", bb_credits, d_bb_credits, 777);
  member("max_payload", max_payload, d_max_payload, 1024);
  member("fidelity", fidelity, d_fidelity, sc::LinkFidelity::frame);
  member("lost_frame_detect_us", lost_frame_detect_us, d_lost_frame_detect_us, 2500.0);
  BOOST_TEST(to_json(got) == j);
}

BOOST_AUTO_TEST_CASE(every_link_adapter_member_is_reachable) {
  const json j = json::parse(R"({
    "dma": {"bus": {"clock_mhz": 400, "width_bytes": 64, "latency_cycles": 8}, "queue_depth": 32},
    "fcp": {"mode": "standard", "policy": "allocate_after_receipt", "buffers": 64, "pool_buffers": 100,
            "command_us": 3.5, "allocation_us": 7.25, "max_retries": 5}
  })");
  const auto got = config_from_json<sc::LinkAdapterConfig>(j, "/link/adapter");
  const sc::LinkAdapterConfig def;
  const auto& [dma, fcp] = got;
  const auto& [d_dma, d_fcp] = def;
  {
    const auto& [bus, queue_depth] = dma;
    const auto& [d_bus, d_queue_depth] = d_dma;
    const auto& [clock_mhz, width_bytes, latency_cycles] = bus;
    const auto& [d_clock_mhz, d_width_bytes, d_latency_cycles] = d_bus;
    member("dma.bus.clock_mhz", clock_mhz, d_clock_mhz, 400.0);
    member("dma.bus.width_bytes", width_bytes, d_width_bytes, 64);
    member("dma.bus.latency_cycles", latency_cycles, d_latency_cycles, 8);
    member("dma.queue_depth", queue_depth, d_queue_depth, 32);
  }
  {
    const auto& [mode, policy, buffers, pool_buffers, command_us, allocation_us, max_retries] = fcp;
    const auto& [d_mode, d_policy, d_buffers, d_pool_buffers, d_command_us, d_allocation_us,
                 d_max_retries] = d_fcp;
    member("fcp.mode", mode, d_mode, sc::FcpWriteMode::standard);
    member("fcp.policy", policy, d_policy, sc::SecondaryBufferPolicy::allocate_after_receipt);
    member("fcp.buffers", buffers, d_buffers, 64);
    member("fcp.pool_buffers", pool_buffers, d_pool_buffers, 100);
    member("fcp.command_us", command_us, d_command_us, 3.5);
    member("fcp.allocation_us", allocation_us, d_allocation_us, 7.25);
    member("fcp.max_retries", max_retries, d_max_retries, 5);
  }
  // Integers given for doubles come back as doubles; otherwise the same.
  json expected = j;
  expected["dma"]["bus"]["clock_mhz"] = 400.0;
  BOOST_TEST(to_json(got) == expected);
}

BOOST_AUTO_TEST_CASE(every_firmware_member_is_reachable) {
  const json j = json::parse(R"({
    "master_tcbs": 8, "data_mover_tcbs": 128, "tcb_bytes": 1024, "dispatch_cycles": 150,
    "mirror_tcbs": 100,
    "transfer": {"max_data_movers": 32, "group_tracks": 8, "group_start": "after_completion",
                 "master_cycles_per_track": 1500, "mover_cycles_per_track": 2500,
                 "attempts_per_track": 6, "link_retry_ps": 20000000000},
    "bridge": {"tcbs": 16, "movers": 24, "command_cycles": 1000,
               "snapshot_cycles_per_track": 60, "send_cycles_per_track": 1800,
               "move_cycles_per_track": 1700, "status_cycles_per_record": 250,
               "setup_timeout_ps": 200000000000, "status_retry_ps": 5000000000},
    "local_pairs": {"max_pairs": 512, "copy_tcbs": 48, "step_period_ps": 1000000000,
                    "step_cycles": 2500, "mutant_skip_copy_before_write": true},
    "clones": {"max_sessions": 128, "copy_tcbs": 32, "track_cycles": 900}
  })");
  const auto got = config_from_json<fw::ControllerConfig>(j, "/arrays/0/firmware");
  const fw::ControllerConfig def;
  const auto& [master_tcbs, data_mover_tcbs, tcb_bytes, dispatch_cycles, mirror_tcbs, transfer,
               bridge, local_pairs, clones] = got;
  const auto& [d_master_tcbs, d_data_mover_tcbs, d_tcb_bytes, d_dispatch_cycles, d_mirror_tcbs,
               d_transfer, d_bridge, d_local_pairs, d_clones] = def;
  member("master_tcbs", master_tcbs, d_master_tcbs, 8);
  member("data_mover_tcbs", data_mover_tcbs, d_data_mover_tcbs, 128);
  member("tcb_bytes", tcb_bytes, d_tcb_bytes, 1024);
  member("dispatch_cycles", dispatch_cycles, d_dispatch_cycles, 150);
  member("mirror_tcbs", mirror_tcbs, d_mirror_tcbs, 100);
  {
    const auto& [max_data_movers, group_tracks, group_start, master_cycles_per_track,
                 mover_cycles_per_track, attempts_per_track, link_retry_ps] = transfer;
    const auto& [d_max_data_movers, d_group_tracks, d_group_start, d_master_cycles_per_track,
                 d_mover_cycles_per_track, d_attempts_per_track, d_link_retry_ps] = d_transfer;
    member("transfer.max_data_movers", max_data_movers, d_max_data_movers, 32);
    member("transfer.group_tracks", group_tracks, d_group_tracks, 8);
    member("transfer.group_start", group_start, d_group_start, fw::GroupStart::after_completion);
    member("transfer.master_cycles_per_track", master_cycles_per_track, d_master_cycles_per_track,
           1500);
    member("transfer.mover_cycles_per_track", mover_cycles_per_track, d_mover_cycles_per_track,
           2500);
    member("transfer.attempts_per_track", attempts_per_track, d_attempts_per_track, 6);
    member("transfer.link_retry_ps", link_retry_ps, d_link_retry_ps, 20'000'000'000);
  }
  {
    const auto& [tcbs, movers, command_cycles, snapshot_cycles_per_track, send_cycles_per_track,
                 move_cycles_per_track, status_cycles_per_record, setup_timeout_ps,
                 status_retry_ps] = bridge;
    const auto& [d_tcbs, d_movers, d_command_cycles, d_snapshot_cycles_per_track,
                 d_send_cycles_per_track, d_move_cycles_per_track, d_status_cycles_per_record,
                 d_setup_timeout_ps, d_status_retry_ps] = d_bridge;
    member("bridge.tcbs", tcbs, d_tcbs, 16);
    member("bridge.movers", movers, d_movers, 24);
    member("bridge.command_cycles", command_cycles, d_command_cycles, 1000);
    member("bridge.snapshot_cycles_per_track", snapshot_cycles_per_track,
           d_snapshot_cycles_per_track, 60);
    member("bridge.send_cycles_per_track", send_cycles_per_track, d_send_cycles_per_track, 1800);
    member("bridge.move_cycles_per_track", move_cycles_per_track, d_move_cycles_per_track, 1700);
    member("bridge.status_cycles_per_record", status_cycles_per_record, d_status_cycles_per_record,
           250);
    member("bridge.setup_timeout_ps", setup_timeout_ps, d_setup_timeout_ps, 200'000'000'000);
    member("bridge.status_retry_ps", status_retry_ps, d_status_retry_ps, 5'000'000'000);
  }
  {
    const auto& [max_pairs, copy_tcbs, step_period_ps, step_cycles, mutant_skip_copy_before_write] =
        local_pairs;
    const auto& [d_max_pairs, d_copy_tcbs, d_step_period_ps, d_step_cycles,
                 d_mutant_skip_copy_before_write] = d_local_pairs;
    member("local_pairs.max_pairs", max_pairs, d_max_pairs, 512);
    member("local_pairs.copy_tcbs", copy_tcbs, d_copy_tcbs, 48);
    member("local_pairs.step_period_ps", step_period_ps, d_step_period_ps, 1'000'000'000);
    member("local_pairs.step_cycles", step_cycles, d_step_cycles, 2500);
    member("local_pairs.mutant_skip_copy_before_write", mutant_skip_copy_before_write,
           d_mutant_skip_copy_before_write, true);
  }
  {
    const auto& [max_sessions, copy_tcbs, track_cycles] = clones;
    const auto& [d_max_sessions, d_copy_tcbs, d_track_cycles] = d_clones;
    member("clones.max_sessions", max_sessions, d_max_sessions, 128);
    member("clones.copy_tcbs", copy_tcbs, d_copy_tcbs, 32);
    member("clones.track_cycles", track_cycles, d_track_cycles, 900);
  }
  BOOST_TEST(to_json(got) == j);
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_errors_naming_the_path) {
  BOOST_TEST(error_of<sc::FcLinkConfig>({{"bb_creditz", 400}}, "/link") ==
             "/link/bb_creditz: unknown key");
  BOOST_TEST(error_of<sc::LinkAdapterConfig>({{"dma", {{"depth", 4}}}}, "/link/adapter") ==
             "/link/adapter/dma/depth: unknown key");
  BOOST_TEST(error_of<sc::LinkAdapterConfig>({{"dma", {{"bus", {{"mhz", 4}}}}}}, "/link/adapter") ==
             "/link/adapter/dma/bus/mhz: unknown key");
  BOOST_TEST(error_of<sc::LinkAdapterConfig>({{"fcp", {{"bufers", 4}}}}, "/link/adapter") ==
             "/link/adapter/fcp/bufers: unknown key");
  BOOST_TEST(error_of<fw::ControllerConfig>({{"master_tcb", 4}}, "/arrays/0/firmware") ==
             "/arrays/0/firmware/master_tcb: unknown key");
  for (const char* nested : {"transfer", "bridge", "local_pairs", "clones"}) {
    BOOST_TEST(
        error_of<fw::ControllerConfig>({{nested, {{"colour", "red"}}}}, "/arrays/0/firmware") ==
        std::string("/arrays/0/firmware/") + nested + "/colour: unknown key");
  }
}

BOOST_AUTO_TEST_CASE(values_out_of_range_are_errors_naming_the_path) {
  struct Case {
    json j;
    std::string message;
  };
  for (const auto& [j, message] : std::initializer_list<Case>{
           {{{"bb_credits", 0}}, "/link/bb_credits: 0 is outside [1, 65535]"},
           {{{"bb_credits", 65536}}, "/link/bb_credits: 65536 is outside [1, 65535]"},
           {{{"bb_credits", "40"}},
            "/link/bb_credits: expected a non-negative integer, found \"40\""},
           {{{"max_payload", 2113}}, "/link/max_payload: 2113 is outside [256, 2112]"},
           {{{"max_payload", 128}}, "/link/max_payload: 128 is outside [256, 2112]"},
           {{{"max_payload", 1022}}, "/link/max_payload: 1022 is not a multiple of 4"},
           {{{"speed", "12GFC"}}, "/link/speed: \"12GFC\" is not 8GFC, 16GFC, 32GFC or 64GFC"},
           {{{"fidelity", "exact"}}, "/link/fidelity: \"exact\" is not \"frame\" or \"fast\""},
           {{{"distance_km", -1}}, "/link/distance_km: -1 is outside [0, 20000]"},
           {{{"propagation_us_per_km", 3}},
            "/link/propagation_us_per_km: 3 is outside [3.336, 10]"},
           {{{"lost_frame_detect_us", 2e7}},
            "/link/lost_frame_detect_us: 20000000 is outside [0, 10000000]"},
       }) {
    BOOST_TEST(error_of<sc::FcLinkConfig>(j, "/link") == message);
  }
  for (const auto& [j, message] : std::initializer_list<Case>{
           {{{"fcp", {{"buffers", 65536}}}},
            "/link/adapter/fcp/buffers: 65536 is outside [1, 65535]"},
           {{{"fcp", {{"mode", "fast"}}}},
            "/link/adapter/fcp/mode: \"fast\" is not \"standard\" or \"extended_cdb\""},
           {{{"fcp", {{"policy", "allocate_after_receipt"}, {"buffers", 32}}}},
            "/link/adapter/fcp/pool_buffers: allocate_after_receipt replaces buffers from the "
            "pool: needs more than the 32 buffers, got 32"},
           {{{"fcp", {{"max_retries", 1001}}}},
            "/link/adapter/fcp/max_retries: 1001 is outside [0, 1000]"},
           {{{"dma", {{"queue_depth", 0}}}},
            "/link/adapter/dma/queue_depth: 0 is outside [1, 65536]"},
           {{{"dma", 4}}, "/link/adapter/dma: expected an object, found number"},
       }) {
    BOOST_TEST(error_of<sc::LinkAdapterConfig>(j, "/link/adapter") == message);
  }
  for (const auto& [j, message] : std::initializer_list<Case>{
           {{{"master_tcbs", 65537}},
            "/arrays/0/firmware/master_tcbs: 65537 is outside [1, 65536]"},
           {{{"data_mover_tcbs", 0}},
            "/arrays/0/firmware/data_mover_tcbs: 0 is outside [1, 65536]"},
           {{{"transfer", {{"group_start", "eager"}}}},
            "/arrays/0/firmware/transfer/group_start: \"eager\" is not \"after_completion\" or "
            "\"overlapped\""},
           {{{"transfer", {{"link_retry_ps", 0}}}},
            "/arrays/0/firmware/transfer/link_retry_ps: 0 is outside [1000000, "
            "3600000000000000]"},
           {{{"bridge", {{"movers", 70000}}}},
            "/arrays/0/firmware/bridge/movers: 70000 is outside [1, 65536]"},
           {{{"local_pairs", {{"mutant_skip_copy_before_write", 1}}}},
            "/arrays/0/firmware/local_pairs/mutant_skip_copy_before_write: expected true or "
            "false, found 1"},
           {{{"clones", {{"track_cycles", 2'000'000'000}}}},
            "/arrays/0/firmware/clones/track_cycles: 2000000000 is outside [0, 1000000000]"},
       }) {
    BOOST_TEST(error_of<fw::ControllerConfig>(j, "/arrays/0/firmware") == message);
  }
}
