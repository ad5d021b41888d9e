#include "tools/copysim/run/outputs.h"

#include <fmt/format.h>
#include <fmt/os.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace copysim::run {

namespace {

double ms(uint64_t ps) { return double(ps) / 1e9; }
double us(uint64_t ps) { return double(ps) / 1e6; }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

Results::Results(const scenario::Scenario& s)
    : s_(s),
      bucket_ps_(std::max<uint64_t>(1, uint64_t(std::llround(s.bucket_ms * 1e9)))),
      w_(s.workloads.size()) {
  const std::size_t buckets = std::size_t(std::ceil(s.duration_ms / s.bucket_ms)) + 1;
  for (auto& w : w_) w.buckets.resize(buckets);
}

void Results::record_io(std::size_t workload, uint64_t start_ps, uint64_t response_ps, bool write,
                        uint64_t bytes, bool ok, const std::string& error, uint16_t device,
                        uint64_t block, uint32_t blocks) {
  PerWorkload& w = w_.at(workload);
  if (!ok) {
    ++w.errors;
    if (w.first_errors.size() < 5) w.first_errors.push_back(error);
    return;
  }
  ++(write ? w.writes : w.reads);
  w.bytes += bytes;
  (write ? w.write_response : w.read_response).record(response_ps);
  const uint64_t end = start_ps + response_ps;
  Bucket& b = w.buckets[std::min<std::size_t>(end / bucket_ps_, w.buckets.size() - 1)];
  ++b.ios;
  b.bytes += bytes;
  b.response_ps += response_ps;
  if (io_events_.size() < kTimelineIos) {
    io_events_.push_back({workload, start_ps, response_ps, write, device, block, blocks});
  }
}

const std::map<std::string, EventRecord>& Results::copies() {
  for (; copies_seen_ < events.size(); ++copies_seen_) {
    const EventRecord& e = events[copies_seen_];
    copies_[fmt::format("{} {} {:#06x}->{:#06x}", e.array, e.service, e.source, e.target)] = e;
  }
  return copies_;
}

nlohmann::json Results::statistics() const {
  const double seconds = s_.duration_ms / 1e3;
  nlohmann::json j;
  j["scenario"] = s_.name;
  j["seed"] = s_.seed;
  j["simulated_ms"] = s_.duration_ms;
  nlohmann::json ws = nlohmann::json::object();
  for (std::size_t i = 0; i < w_.size(); ++i) {
    const PerWorkload& w = w_[i];
    ws[s_.workloads[i].name] = {{"reads", w.reads},
                                {"writes", w.writes},
                                {"errors", w.errors},
                                {"first_errors", w.first_errors},
                                {"iops", double(w.reads + w.writes) / seconds},
                                {"mb_per_s", double(w.bytes) / seconds / 1e6},
                                {"read_response", w.read_response.to_json()},
                                {"write_response", w.write_response.to_json()}};
  }
  j["workloads"] = ws;
  nlohmann::json cs = nlohmann::json::array();
  for (const Command& c : commands) {
    cs.push_back({{"time_ms", ms(c.time_ps)},
                  {"do", c.action},
                  {"array", c.array},
                  {"result", c.result},
                  {"message", c.message},
                  {"where", c.where}});
  }
  j["commands"] = cs;
  nlohmann::json es = nlohmann::json::array();
  for (const EventRecord& e : events) {
    es.push_back({{"time_ms", ms(e.time_ps)},
                  {"array", e.array},
                  {"service", e.service},
                  {"id", e.id},
                  {"source", e.source},
                  {"target", e.target},
                  {"event", e.event},
                  {"from", e.from},
                  {"to", e.to}});
  }
  j["events"] = es;
  j["arrays"] = arrays;
  j["links"] = links;
  if (!verification.is_null()) j["verification"] = verification;
  return j;
}

void Results::write(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  {
    nlohmann::json as_run = s_.as_run();
    as_run["file"] = s_.file;
    fmt::output_file(dir + "/scenario.json")
        .print("{}\n", as_run.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  fmt::output_file(dir + "/stats.json")
      .print("{}\n", statistics().dump(2, ' ', false, nlohmann::json::error_handler_t::replace));

  auto csv = fmt::output_file(dir + "/stats.csv");
  csv.print(
      "workload,reads,writes,errors,iops,mb_per_s,read_p50_us,read_p99_us,write_p50_us,"
      "write_p99_us\n");
  const double seconds = s_.duration_ms / 1e3;
  for (std::size_t i = 0; i < w_.size(); ++i) {
    const PerWorkload& w = w_[i];
    csv.print("{},{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f}\n",
              csv_field(s_.workloads[i].name), w.reads, w.writes, w.errors,
              double(w.reads + w.writes) / seconds, double(w.bytes) / seconds / 1e6,
              us(w.read_response.percentile_ps(0.5)), us(w.read_response.percentile_ps(0.99)),
              us(w.write_response.percentile_ps(0.5)), us(w.write_response.percentile_ps(0.99)));
  }
  csv.close();

  // Time series: throughput and response per workload, copy progress, TCBs.
  std::vector<std::string> copy_keys, tcb_keys, link_keys;
  for (const Sample& smp : samples) {
    for (const auto& [k, v] : smp.left) {
      if (std::find(copy_keys.begin(), copy_keys.end(), k) == copy_keys.end())
        copy_keys.push_back(k);
    }
    for (const auto& [k, v] : smp.tcbs) {
      if (std::find(tcb_keys.begin(), tcb_keys.end(), k) == tcb_keys.end()) tcb_keys.push_back(k);
    }
    for (const auto& [k, v] : smp.commits) {
      if (std::find(link_keys.begin(), link_keys.end(), k) == link_keys.end())
        link_keys.push_back(k);
    }
  }
  auto ts = fmt::output_file(dir + "/timeseries.csv");
  ts.print("time_ms");
  for (const auto& w : s_.workloads) {
    ts.print(",{0} iops,{0} MB/s,{0} mean response us", csv_field(w.name));
  }
  for (const auto& k : copy_keys) ts.print(",{} tracks to copy", csv_field(k));
  for (const auto& k : tcb_keys) ts.print(",{} TCBs in use", csv_field(k));
  for (const auto& k : link_keys) ts.print(",{} commits", csv_field(k));
  ts.print("\n");
  const double bucket_s = double(bucket_ps_) / 1e12;
  // Row b: the IOs that ended in bucket b, and the sample taken as it began.
  const auto rows = std::size_t(std::ceil(s_.duration_ms / s_.bucket_ms - 1e-9));
  for (std::size_t b = 0; b < rows; ++b) {
    ts.print("{:.3f}", ms(b * bucket_ps_));
    for (const PerWorkload& w : w_) {
      const Bucket& k = w.buckets[b];
      ts.print(",{:.1f},{:.3f},{:.3f}", double(k.ios) / bucket_s, double(k.bytes) / bucket_s / 1e6,
               k.ios ? us(k.response_ps) / double(k.ios) : 0.0);
    }
    const Sample* smp = b < samples.size() ? &samples[b] : nullptr;
    for (const auto& k : copy_keys) {
      ts.print(",{}", smp && smp->left.count(k) ? std::to_string(smp->left.at(k)) : "");
    }
    for (const auto& k : tcb_keys) {
      ts.print(",{}", smp && smp->tcbs.count(k) ? std::to_string(smp->tcbs.at(k)) : "");
    }
    for (const auto& k : link_keys) {
      ts.print(",{}", smp && smp->commits.count(k) ? std::to_string(smp->commits.at(k)) : "");
    }
    ts.print("\n");
  }
  ts.close();

  auto ev = fmt::output_file(dir + "/events.csv");
  ev.print("time_ms,array,service,id,source,target,event,from,to\n");
  for (const EventRecord& e : events) {
    ev.print("{:.6f},{},{},{},{:#06x},{:#06x},{},{},{}\n", ms(e.time_ps), csv_field(e.array),
             e.service, e.id, e.source, e.target, csv_field(e.event), csv_field(e.from),
             csv_field(e.to));
  }
  ev.close();
  auto cm = fmt::output_file(dir + "/commands.csv");
  cm.print("time_ms,do,array,primary,secondary,result,message,where\n");
  for (const Command& c : commands) {
    cm.print("{:.6f},{},{},{:#06x},{:#06x},{},{},{}\n", ms(c.time_ps), c.action, csv_field(c.array),
             c.primary, c.secondary, csv_field(c.result), csv_field(c.message), csv_field(c.where));
  }
  cm.close();
  write_timeline(dir + "/timeline.json");
  write_plots(dir);
  fmt::output_file(dir + "/summary.txt").print("{}", summary(dir));
}

// Chrome trace-event JSON (Perfetto opens it): host IOs as spans per
// workload, commands and state changes as instants, each pair's or
// session's states as spans, and counters of TCBs, tracks to copy and link
// commits.
void Results::write_timeline(const std::string& path) const {
  nlohmann::json events_j = nlohmann::json::array();
  std::map<std::string, int> pid;
  auto pid_of = [&](const std::string& array) {
    auto [it, added] = pid.emplace(array, int(pid.size()) + 1);
    if (added) {
      events_j.push_back({{"ph", "M"},
                          {"name", "process_name"},
                          {"pid", it->second},
                          {"args", {{"name", "array " + array}}}});
    }
    return it->second;
  };
  for (std::size_t i = 0; i < s_.workloads.size(); ++i) {
    const int p = pid_of(s_.workloads[i].array);
    events_j.push_back({{"ph", "M"},
                        {"name", "thread_name"},
                        {"pid", p},
                        {"tid", int(i) + 10},
                        {"args", {{"name", "host IO: " + s_.workloads[i].name}}}});
  }
  for (const IoEvent& e : io_events_) {
    events_j.push_back({{"ph", "X"},
                        {"cat", "host io"},
                        {"name", e.write ? "write" : "read"},
                        {"pid", pid_of(s_.workloads[e.workload].array)},
                        {"tid", int(e.workload) + 10},
                        {"ts", us(e.start_ps)},
                        {"dur", us(e.response_ps)},
                        {"args",
                         {{"volume", fmt::format("{:#06x}", e.device)},
                          {"block", e.block},
                          {"blocks", e.blocks}}}});
  }
  for (const Command& c : commands) {
    events_j.push_back({{"ph", "i"},
                        {"cat", "command"},
                        {"name", c.action},
                        {"s", "p"},
                        {"pid", pid_of(c.array.empty() ? "links" : c.array)},
                        {"tid", 1},
                        {"ts", us(c.time_ps)},
                        {"args", {{"result", c.result}, {"message", c.message}}}});
  }
  // Copy phases: a span per state a pair or session was in.
  struct Open {
    uint64_t since;
    std::string state;
    int pid;
    int tid;
  };
  std::map<std::string, Open> open;  // by array and pair or session
  for (const EventRecord& e : events) {
    const std::string key = fmt::format("{} {:#06x}->{:#06x}", e.service, e.source, e.target);
    const int p = pid_of(e.array);
    auto it = open.find(e.array + " " + key);
    if (it == open.end()) {
      const int t = int(open.size()) + 1000;
      events_j.push_back({{"ph", "M"},
                          {"name", "thread_name"},
                          {"pid", p},
                          {"tid", t},
                          {"args", {{"name", key}}}});
      it = open.emplace(e.array + " " + key, Open{e.time_ps, e.to, p, t}).first;
    } else {
      events_j.push_back({{"ph", "X"},
                          {"cat", "copy phase"},
                          {"name", it->second.state},
                          {"pid", p},
                          {"tid", it->second.tid},
                          {"ts", us(it->second.since)},
                          {"dur", us(e.time_ps - it->second.since)}});
      it->second.since = e.time_ps;
      it->second.state = e.to;
    }
    events_j.push_back({{"ph", "i"},
                        {"cat", "state change"},
                        {"name", e.event},
                        {"s", "t"},
                        {"pid", p},
                        {"tid", it->second.tid},
                        {"ts", us(e.time_ps)},
                        {"args", {{"from", e.from}, {"to", e.to}}}});
  }
  const uint64_t end = uint64_t(std::llround(s_.duration_ms * 1e9));
  for (const auto& [k, o] : open) {
    events_j.push_back({{"ph", "X"},
                        {"cat", "copy phase"},
                        {"name", o.state},
                        {"pid", o.pid},
                        {"tid", o.tid},
                        {"ts", us(o.since)},
                        {"dur", us(end - o.since)}});
  }
  for (const Sample& smp : samples) {
    for (const auto& [a, n] : smp.tcbs) {
      events_j.push_back({{"ph", "C"},
                          {"cat", "firmware"},
                          {"name", "TCBs in use"},
                          {"pid", pid_of(a)},
                          {"ts", us(smp.time_ps)},
                          {"args", {{"tcbs", n}}}});
    }
    for (const auto& [k, n] : smp.left) {
      events_j.push_back({{"ph", "C"},
                          {"cat", "copy"},
                          {"name", "tracks to copy: " + k},
                          {"pid", pid_of(k.substr(0, k.find(' ')))},
                          {"ts", us(smp.time_ps)},
                          {"args", {{"tracks", n}}}});
    }
    for (const auto& [k, n] : smp.commits) {
      events_j.push_back({{"ph", "C"},
                          {"cat", "link"},
                          {"name", "commits: " + k},
                          {"pid", pid_of(k.substr(0, k.find(' ')))},
                          {"ts", us(smp.time_ps)},
                          {"args", {{"commits", n}}}});
    }
  }
  fmt::output_file(path).print(
      "{}\n", nlohmann::json{{"traceEvents", events_j}, {"displayTimeUnit", "ns"}}.dump(
                  -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// gnuplot, when it is installed, draws from timeseries.csv: throughput,
// response time and copy progress over time, as PNG. It runs in the results
// folder, so plots.gp names no path and redraws wherever the folder goes.
void Results::write_plots(const std::string& dir) const {
  auto gp = fmt::output_file(dir + "/plots.gp");
  gp.print(
      "set datafile separator ','\nset terminal pngcairo size 900,420 font 'DejaVu Sans,10'\n"
      "set key outside right\nset xlabel 'simulated time (ms)'\nset grid\n");
  auto title = [](std::string t) {
    for (char& c : t) {
      if (c == '\'' || c == '\\') c = '_';
    }
    return t;
  };
  const std::size_t nw = s_.workloads.size();
  auto plot = [&](const char* file, const char* ylabel, int offset) {
    gp.print("set output '{}'\nset ylabel '{}'\nplot ", file, ylabel);
    for (std::size_t i = 0; i < nw; ++i) {
      gp.print("{}'timeseries.csv' using 1:{} with lines title '{}'", i ? ", " : "",
               2 + 3 * i + std::size_t(offset), title(s_.workloads[i].name));
    }
    if (nw == 0) gp.print("0 title 'no workload'");
    gp.print("\n");
  };
  plot("throughput.png", "IOs per second", 0);
  plot("response.png", "mean response (us)", 2);
  std::vector<std::string> copies;
  for (const Sample& smp : samples) {
    for (const auto& [k, v] : smp.left) {
      if (std::find(copies.begin(), copies.end(), k) == copies.end()) copies.push_back(k);
    }
  }
  gp.print("set output 'copy_progress.png'\nset ylabel 'tracks still to copy'\nplot ");
  for (std::size_t i = 0; i < copies.size(); ++i) {
    gp.print("{}'timeseries.csv' using 1:{} with steps title '{}'", i ? ", " : "", 2 + 3 * nw + i,
             title(copies[i]));
  }
  if (copies.empty()) gp.print("0 title 'no copy'");
  gp.print("\n");
  gp.close();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.c_str()) == 0) {
      const int log = ::open("plots.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log >= 0) {
        ::dup2(log, 1);
        ::dup2(log, 2);
      }
      ::execlp("gnuplot", "gnuplot", "plots.gp", static_cast<char*>(nullptr));
    }
    ::_exit(127);  // no gnuplot: no plots, and the summary says so
  }
  if (pid > 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
}

namespace {

// The data check in a few lines: what was compared, and any mismatch.
std::string verification_summary(const nlohmann::json& v) {
  uint64_t checks = 0;
  for (const auto& [kind, n] : v["checks"].items()) checks += n.get<uint64_t>();
  std::string out = fmt::format(
      "\nverification: {} mismatches in {} checks, {:.1f} MB compared, {} writes tracked\n",
      v["mismatches"].get<uint64_t>(), checks, double(v["bytes_compared"].get<uint64_t>()) / 1e6,
      v["writes_tracked"].get<uint64_t>());
  for (const auto& [kind, n] : v["checks"].items()) {
    out += fmt::format("  {:<44} {:>8}\n", kind, n.get<uint64_t>());
  }
  for (const auto& [volume, why] : v["volumes_not_checked"].items()) {
    out += fmt::format("  not checked: {} ({})\n", volume, why.get<std::string>());
  }
  for (const auto& [volume, ps] : v["lost_at_power_loss_ps"].items()) {
    out += fmt::format("  {} lost write-pending data at the power loss at {:.3f} ms\n", volume,
                       ms(ps.get<uint64_t>()));
  }
  for (const auto& m : v["first_mismatches"]) out += "  MISMATCH " + m.get<std::string>() + "\n";
  return out;
}

}  // namespace

std::string Results::summary(const std::string& dir) const {
  std::string out;
  out += fmt::format("copysim run: {} (seed {}), {:.3f} ms simulated\n", s_.name, s_.seed,
                     s_.duration_ms);
  if (!s_.description.empty()) out += fmt::format("  {}\n", s_.description);
  out +=
      "\nworkload                 IOs      IOPS     MB/s   read p50/p99 us    write p50/p99 us  "
      "errors\n";
  const double seconds = s_.duration_ms / 1e3;
  for (std::size_t i = 0; i < w_.size(); ++i) {
    const PerWorkload& w = w_[i];
    out += fmt::format(
        "{:<20} {:>8} {:>9.0f} {:>8.2f} {:>9.1f}/{:<9.1f} {:>9.1f}/{:<9.1f} {:>6}\n",
        s_.workloads[i].name, w.reads + w.writes, double(w.reads + w.writes) / seconds,
        double(w.bytes) / seconds / 1e6, us(w.read_response.percentile_ps(0.5)),
        us(w.read_response.percentile_ps(0.99)), us(w.write_response.percentile_ps(0.5)),
        us(w.write_response.percentile_ps(0.99)), w.errors);
  }
  // Refusals first: a command the firmware could not take (no master TCB
  // free, a wrong state) changes what the run measures.
  std::map<std::string, uint64_t> refused;
  for (const Command& c : commands) {
    if (c.result != "ok" && c.action.rfind("fault.", 0) != 0) ++refused[c.result];
  }
  if (!refused.empty()) {
    uint64_t n = 0;
    std::string kinds;
    for (const auto& [result, count] : refused) {
      n += count;
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", count, result);
    }
    out += fmt::format("\nrefused: {} of {} timeline commands ({}); the timeline says which\n", n,
                       commands.size(), kinds);
  }
  if (!commands.empty()) {
    out += "\ntimeline\n";
    for (const Command& c : commands) {
      out += fmt::format("  {:>10.3f} ms  {:<22} {:<14} {}\n", ms(c.time_ps), c.action, c.result,
                         c.message);
    }
  }
  // Final state of each pair and session.
  std::map<std::string, std::pair<std::string, uint64_t>> last;
  for (const EventRecord& e : events) {
    last[fmt::format("{} {} {:#06x}->{:#06x}", e.array, e.service, e.source, e.target)] = {
        e.to, e.time_ps};
  }
  if (!last.empty()) {
    out += "\ncopies at the end\n";
    for (const auto& [k, v] : last) {
      out += fmt::format("  {:<40} {} (since {:.3f} ms)\n", k, v.first, ms(v.second));
    }
  }
  if (!verification.is_null()) out += verification_summary(verification);
  out += fmt::format(
      "\nresults in {}/: summary.txt stats.json stats.csv timeseries.csv "
      "events.csv commands.csv timeline.json scenario.json{}\n",
      dir,
      std::filesystem::exists(dir + "/throughput.png")
          ? " throughput.png response.png copy_progress.png"
          : " (no plots: gnuplot is not installed)");
  return out;
}

}  // namespace copysim::run
