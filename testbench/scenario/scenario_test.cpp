// The copysim command line on scenarios: every shipped scenario validates
// and runs, the same scenario and seed give byte-identical statistics, the
// timeline has every kind of event, bad scenarios and traces each give
// their documented error, the trace formats replay, sweeps, waveforms.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kCopysim = COPYSIM_BINARY;
const std::string kSource = COPYSIM_SOURCE_DIR;
const std::string kFixtures = kSource + "/testbench/scenario/fixtures";

struct Outcome {
  int exit = -1;
  std::string output;  // stdout and stderr
};

Outcome shell(const std::string& command) {
  Outcome o;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) o.output.append(buf, n);
  const int status = ::pclose(p);
  o.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("copysim-scenario-test-" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

Outcome run(const std::string& scenario, const std::string& out, const std::string& extra = "") {
  return shell(kCopysim + " run '" + scenario + "' --quiet --out '" + out + "' " + extra);
}

}  // namespace

// Each shipped scenario's copy is checked at the promise it makes.
const std::vector<std::pair<std::string, std::string>> kPromisesOfShippedScenarios = {
    {"remote_pair_link_failover", "remote pair secondary at full duplex"},
    {"remote_writes_at_distance", "remote pair secondary at the end"},  // established equal
    {"bridge_volumes_sync_queue", "remote pair secondary at full duplex"},
    {"local_pair_split_under_writes", "split secondary when copied"},
    {"clone_precopy_then_activate", "clone destination when copied"},
    {"trace_replay_msr", "host read of a volume hosts own"},
    {"remote_pair_link_failover", "remote pair secondary identical to its primary, at the end"},
    {"remote_writes_at_distance", "remote pair secondary identical to its primary, at the end"},
    {"bridge_volumes_sync_queue", "remote pair secondary identical to its primary, at the end"},
};

BOOST_AUTO_TEST_CASE(every_shipped_scenario_validates_and_runs) {
  int scenarios = 0;
  for (const auto& entry : fs::directory_iterator(kSource + "/tools/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    ++scenarios;
    const std::string file = entry.path().string();
    BOOST_TEST_CONTEXT(file) {
      const Outcome v = shell(kCopysim + " validate '" + file + "'");
      BOOST_TEST(v.exit == 0, v.output);
      const std::string out = temp_dir(entry.path().stem().string());
      const Outcome r = run(file, out);
      BOOST_TEST(r.exit == 0, r.output);
      for (const char* f : {"summary.txt", "stats.json", "stats.csv", "timeseries.csv",
                            "events.csv", "commands.csv", "timeline.json", "scenario.json",
                            "throughput.png", "response.png", "copy_progress.png"}) {
        BOOST_TEST(fs::exists(out + "/" + f), f);
        if (fs::exists(out + "/" + f)) BOOST_TEST(fs::file_size(out + "/" + f) > 0u, f);
      }
      const json stats = json::parse(slurp(out + "/stats.json"));
      for (const auto& [name, w] : stats["workloads"].items()) {
        BOOST_TEST(w["reads"].get<uint64_t>() + w["writes"].get<uint64_t>() > 0u, name);
        BOOST_TEST(w["errors"].get<uint64_t>() == 0u, name);
      }
      for (const auto& c : stats["commands"]) BOOST_TEST(c["result"] == "ok", c.dump());
      BOOST_TEST(shell(kCopysim + " report '" + out + "'").output == slurp(out + "/summary.txt"));
      // The data check ran and found every volume as the hosts' writes allow.
      const json& checked = stats["verification"];
      BOOST_TEST(checked["mismatches"].get<uint64_t>() == 0u, checked["first_mismatches"].dump());
      BOOST_TEST(checked["checks"]["volume hosts write, at the end"].get<uint64_t>() >= 1u);
      BOOST_TEST(checked["bytes_compared"].get<uint64_t>() > 0u);
      for (const auto& [scenario_name, kind] : kPromisesOfShippedScenarios) {
        if (entry.path().stem() != scenario_name) continue;
        BOOST_TEST(checked["checks"].value(kind, uint64_t{0}) >= 1u, kind);
      }
    }
  }
  BOOST_TEST(scenarios >= 6);
}

BOOST_AUTO_TEST_CASE(the_same_scenario_and_seed_give_byte_identical_statistics) {
  const std::string scenario = kSource + "/tools/scenarios/local_pair_split_under_writes.yaml";
  const std::string a = temp_dir("same-a"), b = temp_dir("same-b"), c = temp_dir("other-seed");
  BOOST_REQUIRE(run(scenario, a).exit == 0);
  BOOST_REQUIRE(run(scenario, b).exit == 0);
  BOOST_REQUIRE(run(scenario, c, "--seed 2").exit == 0);
  for (const char* f : {"stats.json", "stats.csv", "timeseries.csv", "events.csv", "commands.csv",
                        "timeline.json"}) {
    BOOST_TEST(slurp(a + "/" + f) == slurp(b + "/" + f), f);
  }
  BOOST_TEST(slurp(a + "/stats.json") != slurp(c + "/stats.json"));
  BOOST_TEST(json::parse(slurp(c + "/scenario.json"))["seed"] == 2);
}

BOOST_AUTO_TEST_CASE(the_timeline_is_valid_json_with_every_kind_of_event) {
  std::set<std::string> kinds;
  for (const char* s : {"clone_precopy_then_activate", "remote_pair_link_failover"}) {
    const std::string out = temp_dir(std::string("timeline-") + s);
    BOOST_REQUIRE(run(kSource + "/tools/scenarios/" + s + ".yaml", out).exit == 0);
    const json t = json::parse(slurp(out + "/timeline.json"));  // throws if not JSON
    BOOST_REQUIRE(t["traceEvents"].is_array());
    for (const auto& e : t["traceEvents"]) {
      if (e.contains("cat")) kinds.insert(e["cat"].get<std::string>());
      BOOST_TEST(e.contains("ph"));
    }
  }
  for (const char* k :
       {"host io", "command", "state change", "copy phase", "firmware", "copy", "link"}) {
    BOOST_TEST(kinds.count(k) == 1u, k);
  }
}

// Each bad input: the scenario text (or a trace), the command, and what
// its error must say. The line numbers are those of the field at fault.
BOOST_AUTO_TEST_CASE(bad_scenarios_and_traces_give_their_documented_errors) {
  const std::string base = slurp(kFixtures + "/base.yaml");
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    const auto at = s.find(from);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, from);
    return s.replace(at, from.size(), to);
  };
  const std::string trace_workload =
      "workloads:\n  - name: w\n    host: h\n    array: a\n    volumes: [0x1000]\n    type: trace\n"
      "    trace: {format: FORMAT, file: FILE, devices: {0: 0x1000}}\n";
  auto with_trace = [&](const std::string& format, const std::string& file) {
    std::string s = base.substr(0, base.find("workloads:"));
    std::string w = trace_workload;
    w.replace(w.find("FORMAT"), 6, format);
    w.replace(w.find("FILE"), 4, file);
    return s + w;
  };
  const std::string dir = temp_dir("bad");
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  };
  write("six_fields.csv",
        "128166372003061629,h,0,Read,0,4096,100\n128166372003161629,h,0,Write,8192,8192\n");
  write("empty.csv", "\n\n");
  write("bad_type.disksim", "0.0 0 0 8 1\n10.0 0 8 8 3\n");
  write("bad_opcode.spc", "0,0,4096,r,0.0\n0,8,4096,x,0.1\n");
  write("disk7.csv", "128166372003061629,h,7,Read,0,4096,100\n");
  struct Case {
    std::string name;
    std::string text;
    std::string expected;  // a part of the error
    std::string extra;     // more arguments
  };
  const std::vector<Case> cases = {
      {"not YAML", "arrays: [\n", ":2:1: not YAML or JSON", ""},
      {"no arrays", "name: x\n", "/arrays: missing (required)", ""},
      {"unknown top-level key", replace("duration_ms: 5", "duraton_ms: 5"),
       ":3:1: /duraton_ms: unknown setting", ""},
      {"negative duration", replace("duration_ms: 5", "duration_ms: -1"),
       ":3:14: /duration_ms: expected a number from 0.001", ""},
      {"duration not a number", replace("duration_ms: 5", "duration_ms: soon"),
       "/duration_ms: expected a number", ""},
      {"unknown workload setting", replace("blocks: 8}", "blocks: 8, rate: 5}"),
       ":17:48: /workloads/0/synthetic/rate: unknown setting", ""},
      {"bad pattern", replace("blocks: 8}", "blocks: 8, pattern: zigzag}"),
       "/workloads/0/synthetic/pattern: expected one of random, sequential", ""},
      {"no volumes", replace("volumes: [0x1000]\n", "volumes: []\n"),
       ":16:14: /workloads/0/volumes: expected a list of device numbers, found an empty list", ""},
      {"bad device number", replace("volumes: [0x1000]\n", "volumes: [0x1g00]\n"),
       "/workloads/0/volumes/0: expected a device number", ""},
      {"host with no port there", replace("    array: a\n    volumes", "    array: b\n    volumes"),
       "/workloads/0/host: host \"h\" has no port on array \"b\"", ""},
      {"unknown action", replace("do: local_pair.create", "do: local_pair.explode"),
       ":19:20: /timeline/0/do: expected one of", ""},
      {"no time", replace("at_ms: 1, ", ""), "/timeline/0/at_ms: missing (required)", ""},
      {"fault without a link",
       replace("do: local_pair.create, array: a, primary: 0x1000, secondary: 0x1001, pace: 15",
               "do: fault.link_down"),
       "/timeline/0/link: missing (required)", ""},
      {"lasting fault without a duration",
       replace("do: local_pair.create, array: a, primary: 0x1000, secondary: 0x1001, pace: 15",
               "do: fault.cpu_busy, array: a"),
       "/timeline/0/us: missing (required)", ""},
      {"media error without a block",
       replace("do: local_pair.create, array: a, primary: 0x1000, secondary: 0x1001, pace: 15",
               "do: fault.media_error, array: a, volume: 0x1000"),
       "/timeline/0/block: missing (required)", ""},
      {"too many parameters", replace("pace: 15}", "parameters: [1, 2, 3, 4]}"),
       "/timeline/0/parameters: expected a list of up to 3 numbers", ""},
      {"unknown array setting", replace("drives: 4", "drivez: 4"),
       ":7:15: /arrays/0/config/drivez: unknown key", ""},
      {"no drives", replace("drives: 4", "drives: 0"),
       ":7:15: /arrays/0/config/drives: 0 is outside [1, 100000]", ""},
      {"no such host port", replace("port: 0}", "port: 99}"), "/hosts/0/ports/0/port", ""},
      {"volume not on the array", replace("volumes: [0x1000]\n", "volumes: [0x1fff]\n"),
       "/workloads/0/volumes: array \"a\" has no volume 0x1fff", ""},
      {"trace without devices",
       with_trace("msr", kFixtures + "/tiny.msr.csv")
           .replace(with_trace("msr", kFixtures + "/tiny.msr.csv").find(", devices: {0: 0x1000}"),
                    22, ""),
       "/workloads/0/trace/devices: expected a map of trace device to volume", ""},
      {"trace file missing", with_trace("msr", dir + "/nowhere.csv"),
       "nowhere.csv: cannot read the trace", ""},
      {"MSR line with six fields", with_trace("msr", dir + "/six_fields.csv"),
       "six_fields.csv:2: expected 7 comma-separated fields", ""},
      {"empty trace", with_trace("msr", dir + "/empty.csv"), "empty.csv: the trace has no records",
       ""},
      {"DiskSim type 3", with_trace("disksim", dir + "/bad_type.disksim"),
       "bad_type.disksim:2: type 3 is not 1 (read) or 0 (write)", ""},
      {"SPC opcode x", with_trace("spc", dir + "/bad_opcode.spc"),
       "bad_opcode.spc:2: Opcode \"x\" is not r or w", ""},
      {"every record unmapped", with_trace("msr", dir + "/disk7.csv"),
       "no record of " + dir + "/disk7.csv is for a mapped device", ""},
      {"unknown trace format", with_trace("csv", kFixtures + "/tiny.msr.csv"),
       "/workloads/0/trace/format: expected one of disksim, msr, spc", ""},
      {"trace device mapped to no volume",
       with_trace("msr", kFixtures + "/tiny.msr.csv")
           .replace(with_trace("msr", kFixtures + "/tiny.msr.csv").find("{0: 0x1000}"), 11,
                    "{0: 0x2000}"),
       "/workloads/0/trace/devices/0: array \"a\" has no volume 0x2000", ""},
      {"IO larger than the volume", replace("blocks: 8}", "blocks: 4096}"),
       "/workloads/0/synthetic/blocks: 4096 blocks do not fit in volume 0x1000 of 512 blocks", ""},
      {"too many buckets", replace("duration_ms: 5", "duration_ms: 100000000\nbucket_ms: 0.001"),
       "/bucket_ms: expected at least duration_ms / 1,000,000", ""},
      {"bucket not a number", replace("duration_ms: 5", "duration_ms: 5\nbucket_ms: .nan"),
       "/bucket_ms: expected a number", ""},
      {"pace and parameters", replace("pace: 15}", "pace: 15, parameters: [3]}"),
       "/timeline/0/pace: expected either pace or parameters", ""},
      {"override with an empty path", base, "the path is empty", "--set /=1"},
      {"override of no setting", base, "/duraton_ms: unknown setting", "--set duraton_ms=5"},
      {"override with a bad value", base, "/duration_ms: expected a number", "--set duration_ms=x"},
  };
  BOOST_TEST(cases.size() >= 20u);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    BOOST_TEST_CONTEXT(c.name) {
      const std::string file = write("case" + std::to_string(i) + ".yaml", c.text);
      const Outcome o = shell(kCopysim + " validate '" + file + "' " + c.extra);
      BOOST_TEST(o.exit == 2, o.output);
      BOOST_TEST(o.output.find(c.expected) != std::string::npos, o.output);
      if (c.expected.rfind(":", 0) == 0 || c.expected.find(":1") != std::string::npos) {
        BOOST_TEST(o.output.find(file) != std::string::npos, o.output);  // the file is named
      }
    }
  }
}

// A workload whose IOs are refused at once (a reserved volume) still lets
// simulated time pass, and the run ends with the errors counted.
BOOST_AUTO_TEST_CASE(refused_io_is_counted_and_the_run_ends) {
  std::string s = slurp(kFixtures + "/base.yaml");
  auto swap = [&s](const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
  };
  swap("read_fraction: 0.5", "read_fraction: 0");
  swap("do: local_pair.create, array: a, primary: 0x1000, secondary: 0x1001, pace: 15",
       "do: local_pair.reserve, array: a, primary: 0x1000, parameters: [1]");
  swap("at_ms: 1,", "at_ms: 0,");
  const std::string dir = temp_dir("refused");
  std::ofstream(dir + "/refused.yaml") << s;
  const Outcome o = run(dir + "/refused.yaml", dir + "/out");
  BOOST_REQUIRE_MESSAGE(o.exit == 0, o.output);
  const json w = json::parse(slurp(dir + "/out/stats.json"))["workloads"]["w"];
  BOOST_TEST(w["errors"].get<uint64_t>() > 10u);
  BOOST_TEST(w["first_errors"][0].get<std::string>().find("refuses host writes") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_trace_format_replays_its_records) {
  const std::string base = slurp(kFixtures + "/base.yaml");
  const std::string head = base.substr(0, base.find("workloads:"));
  struct Trace {
    std::string format, file;
    uint64_t records;
    std::string devices;
  };
  std::vector<Trace> traces = {
      {"msr", kFixtures + "/tiny.msr.csv", 3, "{0: 0x1000, 1: 0x1001}"},
      {"disksim", kFixtures + "/tiny.disksim", 4, "{0: 0x1000, 1: 0x1001}"},
      {"spc", kFixtures + "/tiny.spc", 4, "{0: 0x1000, 1: 0x1001}"}};
  // The real samples, when ../shared is beside the project.
  const std::string shared = COPYSIM_SHARED_DIR "/traces";
  if (fs::exists(shared + "/msr_cambridge_hm0_sample.csv")) {
    traces.push_back({"msr", shared + "/msr_cambridge_hm0_sample.csv", 0, "{0: 0x1000}"});
    traces.push_back({"disksim", shared + "/mqsim_tpcc_small.trace", 0, "{0: 0x1000, 1: 0x1001}"});
  } else {
    BOOST_TEST_MESSAGE("no " << shared << ": the real trace samples are not replayed");
  }
  const std::string dir = temp_dir("traces");
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const Trace& t = traces[i];
    BOOST_TEST_CONTEXT(t.file) {
      const std::string file = dir + "/t" + std::to_string(i) + ".yaml";
      std::ofstream(file) << head << "workloads:\n  - name: w\n    host: h\n    array: a\n"
                          << "    volumes: [0x1000, 0x1001]\n    type: trace\n"
                          << "    trace: {format: " << t.format << ", file: " << t.file
                          << ", max_records: 300, time_scale: 0.001, devices: " << t.devices
                          << "}\n";
      const std::string out = dir + "/out" + std::to_string(i);
      const Outcome o =
          shell(kCopysim + " run '" + file + "' --quiet --out '" + out + "' --set duration_ms=200");
      BOOST_REQUIRE_MESSAGE(o.exit == 0, o.output);
      const json w = json::parse(slurp(out + "/stats.json"))["workloads"]["w"];
      const uint64_t ios = w["reads"].get<uint64_t>() + w["writes"].get<uint64_t>();
      if (t.records != 0) {
        BOOST_TEST(ios == t.records);
      } else {
        BOOST_TEST(ios > 0u);
      }
      BOOST_TEST(w["errors"].get<uint64_t>() == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_sweep_runs_its_grid_and_writes_a_slurm_script) {
  const std::string out = temp_dir("sweep");
  const std::string scenario = kFixtures + "/base.yaml";
  const Outcome o = shell(
      kCopysim + " sweep '" + scenario +
      "' --grid workloads/0/synthetic/blocks=8,32 --grid seed=1,2 --jobs 2 --out '" + out + "'");
  BOOST_REQUIRE_MESSAGE(o.exit == 0, o.output);
  std::istringstream table(slurp(out + "/sweep.csv"));
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(table, line)) rows.push_back(line);
  BOOST_REQUIRE(rows.size() == 5u);  // a header and 2 x 2 points
  BOOST_TEST(rows[0].rfind("run,workloads/0/synthetic/blocks,seed,workload,iops", 0) == 0u);
  BOOST_TEST(rows[4].rfind("3,32,2,w,", 0) == 0u);
  const Outcome s = shell(kCopysim + " sweep '" + scenario +
                          "' --grid workloads/0/synthetic/blocks=8,32 --out '" + out +
                          "' --slurm '" + out + "/sweep.sbatch'");
  BOOST_REQUIRE(s.exit == 0);
  const std::string script = slurp(out + "/sweep.sbatch");
  BOOST_TEST(script.find("#SBATCH --array=0-1") != std::string::npos);
  BOOST_TEST(script.find("workloads/0/synthetic/blocks=32") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(waveforms_open_with_gtkwave_tools) {
  const std::string out = temp_dir("waves");
  const Outcome o = run(kFixtures + "/base.yaml", out, "--set waveforms=true");
  BOOST_REQUIRE_MESSAGE(o.exit == 0, o.output);
  BOOST_REQUIRE(fs::exists(out + "/a.dka0.fst"));
  BOOST_TEST(fs::exists(out + "/a.dka0.fst.gtkw"));
  const Outcome vcd =
      shell(std::string(GTKWAVE_FST2VCD) + " '" + out + "/a.dka0.fst' | head -c 200000");
  BOOST_TEST(vcd.output.find("$var") != std::string::npos);
  BOOST_TEST(vcd.output.find("cmd_valid") != std::string::npos);
}

// Every kind of timeline fault, each with its reaction in the results: the
// retries of corrupted and lost frames, a drive block reassigned, and the
// secondary's lost cache copied again until the pair is back in full duplex.
BOOST_AUTO_TEST_CASE(every_timeline_fault_runs_with_its_reaction) {
  const std::string dir = temp_dir("faults");
  const Outcome o = run(kFixtures + "/faults.yaml", dir + "/out");
  BOOST_REQUIRE_MESSAGE(o.exit == 0, o.output);
  const json stats = json::parse(slurp(dir + "/out/stats.json"));
  std::set<std::string> kinds;
  for (const auto& c : stats["commands"]) {
    const std::string what = c["do"];
    if (what.rfind("fault.", 0) != 0) continue;
    kinds.insert(what);
    if (c["array"] == "nowhere") {
      BOOST_TEST(c["result"] == "bad parameter");
      BOOST_TEST(c["message"] == "no array named nowhere");
    } else {
      BOOST_TEST(c["result"] == "ok", what << ": " << c["message"]);
    }
  }
  BOOST_TEST(kinds.size() == 12u);
  // The lost drive was found by its timeout and rebuilt onto a spare from
  // 40 ms after (500 MB at 2,000 MB/s is 250 ms: under way at the end).
  const json& group = stats["arrays"]["p"]["parity_groups"][0];
  BOOST_TEST(group["drive_timeouts"].get<uint64_t>() >= 1u);
  BOOST_TEST(group["rebuilt_stripes"].get<uint64_t>() > 0u);
  BOOST_TEST(stats["links"]["p link 0"]["retries"].get<uint64_t>() >= 3u);
  BOOST_TEST(stats["links"]["p link 1"]["retries"].get<uint64_t>() >= 3u);
  uint64_t reassigned = 0;
  for (const auto& d : stats["arrays"]["p"]["disk_adapters"])
    reassigned += d["write_reassigns"].get<uint64_t>();
  BOOST_TEST(reassigned == 1u);
  std::vector<std::string> events;
  for (const auto& e : stats["events"]) events.push_back(e["event"]);
  BOOST_TEST(std::count(events.begin(), events.end(), "secondary lost data") == 1);
  BOOST_TEST(stats["events"].back()["to"] == "full duplex");
  BOOST_TEST(stats["events"].back()["time_ms"].get<double>() > 170.0);
  // Through all of it no data was lost: the recopied secondary is checked
  // when it is back in full duplex, and the damaged block is skipped.
  const json& v = stats["verification"];
  BOOST_TEST(v["mismatches"].get<uint64_t>() == 0u, v["first_mismatches"].dump());
  BOOST_TEST(v["checks"]["remote pair secondary at full duplex"].get<uint64_t>() >= 2u);
  BOOST_TEST(v["lost_at_power_loss_ps"].contains("s 0x2000"));
}

// A volatile cache that loses power loses writes the hosts were told were
// done: the data check must find them, name them and fail the run; with a
// non-volatile cache the same run passes.
BOOST_AUTO_TEST_CASE(the_data_check_finds_writes_a_volatile_cache_lost) {
  const std::string dir = temp_dir("volatile");
  const std::string scenario = kFixtures + "/volatile_primary.yaml";
  const Outcome lost = run(scenario, dir + "/lost");
  BOOST_TEST(lost.exit == 3, lost.output);
  BOOST_TEST(lost.output.find("verification failed") != std::string::npos, lost.output);
  const json v = json::parse(slurp(dir + "/lost/stats.json"))["verification"];
  BOOST_TEST(v["mismatches"].get<uint64_t>() > 0u);
  BOOST_TEST(v["lost_at_power_loss_ps"].contains("a 0x1000"));
  const std::string first = v["first_mismatches"].at(0);
  BOOST_TEST(first.find("volume 0x1000") != std::string::npos, first);
  BOOST_TEST(first.find("allowed: version") != std::string::npos, first);
  BOOST_TEST(slurp(dir + "/lost/summary.txt").find("MISMATCH") != std::string::npos);

  const Outcome kept =
      run(scenario, dir + "/kept", "--set arrays/0/config/cache/non_volatile=true");
  BOOST_TEST(kept.exit == 0, kept.output);
  const json w = json::parse(slurp(dir + "/kept/stats.json"))["verification"];
  BOOST_TEST(w["mismatches"].get<uint64_t>() == 0u, w["first_mismatches"].dump());
  BOOST_TEST(w["lost_at_power_loss_ps"].empty());

  const Outcome unchecked = run(scenario, dir + "/off", "--set verify=false");
  BOOST_TEST(unchecked.exit == 0, unchecked.output);
  BOOST_TEST(!json::parse(slurp(dir + "/off/stats.json")).contains("verification"));
}

namespace {

// 50 remote pairs established at once on an array whose firmware has
// `masters` master TCBs; returns the run's stats and its summary.
std::pair<json, std::string> fifty_pairs(uint32_t masters, const std::string& dir) {
  std::string timeline = "  - {at_ms: 0, do: remote.establish_path, array: p}\n";
  for (int i = 0; i < 50; ++i) {
    timeline += fmt::format(
        "  - {{at_ms: 1, do: remote.establish_pair, array: p, primary: {:#06x}, secondary: "
        "{:#06x}}}\n",
        0x1000 + i, 0x2000 + i);
  }
  const std::string yaml = fmt::format(R"(name: fifty-pairs
duration_ms: 400
arrays:
  - name: p
    config:
      volumes: [{{first_device: 0x1000, count: 50, model: FBA, tracks: 8, track_kib: 16}}]
    firmware: {{master_tcbs: {}}}
  - name: s
    config:
      volumes: [{{first_device: 0x2000, count: 50, model: FBA, tracks: 8, track_kib: 16}}]
link: {{primary: p, secondary: s, links: 2, return_links: 1, distance_km: 10}}
timeline:
{})",
                                       masters, timeline);
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/fifty.yaml";
  std::ofstream(file) << yaml;
  const Outcome o = run(file, dir + "/out");
  if (o.exit != 0) throw std::runtime_error(o.output);
  return {json::parse(slurp(dir + "/out/stats.json")), slurp(dir + "/out/summary.txt")};
}

}  // namespace

// With 16 master TCBs, 34 of 50 establishes are refused for want of one,
// and the summary says so at the top; with 64, all 50 pairs reach full
// duplex.
BOOST_AUTO_TEST_CASE(pairs_beyond_the_master_tcbs_are_refused_and_the_run_reports_it) {
  const std::string dir = temp_dir("fifty_pairs");
  const auto [few, few_summary] = fifty_pairs(16, dir + "/16");
  uint64_t refused = 0;
  for (const auto& c : few["commands"]) refused += c["result"] == "no resources" ? 1 : 0;
  BOOST_TEST(refused == 34u);
  BOOST_TEST(few_summary.find("refused: 34 of 51 timeline commands (34 no resources)") !=
             std::string::npos);
  const auto [many, many_summary] = fifty_pairs(64, dir + "/64");
  std::set<std::string> duplex;
  for (const auto& e : many["events"]) {
    if (e["to"] == "full duplex") duplex.insert(e["source"].dump());
  }
  BOOST_TEST(duplex.size() == 50u);
  BOOST_TEST(many_summary.find("refused:") == std::string::npos);
}
