// Seed 000's claim as an experiment: initial-copy throughput of one block
// transfer against the data-mover TCB count (0 to 64) and the link count
// (1 to 8), where too few data movers leave the master sending serially;
// then link selection with one degraded link among four.
// (testbench/common/transfer_experiment.h; every run also reads the whole
// secondary back against the primary.)
#include <stdexcept>
#include <string>
#include <vector>

#include "testbench/bench/bench_output.h"
#include "testbench/common/transfer_experiment.h"

using namespace copysim::testing;
using copysim::bench::BenchOutput;

namespace {

nlohmann::json checked(const TransferSetup& s) {
  const nlohmann::json r = run_transfer(s);
  if (r["outcome"] != "complete" || r["mismatches"] != 0) {
    throw std::runtime_error("seed000: a transfer did not finish clean: " + r.dump());
  }
  return r;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  BenchOutput out(argc, argv, "seed000_initial_copy");
  const std::vector<uint32_t> movers = {0, 1, 2, 4, 8, 16, 32, 64};
  const std::vector<uint32_t> links = {1, 2, 4, 8};
  out.csv("links,data_movers,mb_per_s,tracks_piped,tracks_serial,to_serial\n");
  out.md(
      "2,000 tracks of 128 blocks (66.6 MB of stored blocks) from cache over "
      "16GFC links of 10 km. Throughput in MB/s of stored blocks; in brackets, "
      "the share of tracks the master sent serially.\n\n");
  out.md(
      "| data movers |{}\n|---|{}\n",
      [&] {
        std::string h;
        for (uint32_t l : links) h += fmt::format(" {} link{} |", l, l > 1 ? "s" : "");
        return h;
      }(),
      [&] {
        std::string h;
        for (std::size_t i = 0; i < links.size(); ++i) h += "---:|";
        return h;
      }());
  for (uint32_t m : movers) {
    std::string row = fmt::format("| {} |", m);
    for (uint32_t l : links) {
      TransferSetup s;
      s.speeds.assign(l, "16GFC");
      s.movers = m;
      const nlohmann::json r = checked(s);
      const double mb = r["mb_per_s"];
      const uint64_t piped = r["piped"], serial = r["serial"];
      row += serial == 0 ? fmt::format(" {:.0f} |", mb)
                         : fmt::format(" {:.0f} ({:.0f}% serial) |", mb,
                                       100.0 * double(serial) / double(piped + serial));
      out.csv("{},{},{:.2f},{},{},{}\n", l, m, mb, piped, serial, r["to_serial"].get<uint64_t>());
    }
    out.md("{}\n", row);
  }
  const double limit = kTrackBytes / line_us();
  out.md(
      "\nOne 16GFC link's limit for these tracks is {:.0f} MB/s (line time of the "
      "extended command and 33 data frames per track).\n\n",
      limit);

  // One degraded link: four links, the last at half the others' rate.
  TransferSetup s;
  s.speeds = {"16GFC", "16GFC", "16GFC", "8GFC"};
  s.tracks = 3000;
  const nlohmann::json r = checked(s);
  out.md(
      "Link selection with one degraded link (three 16GFC links and one 8GFC link, "
      "3,000 tracks, 64 data movers): {:.0f} MB/s in all.\n\n",
      r["mb_per_s"].get<double>());
  out.md("| link | speed | groups | tracks | share of tracks |\n|---|---|---:|---:|---:|\n");
  uint64_t total = 0;
  for (const auto& l : r["links"]) total += l[0].get<uint64_t>();
  for (std::size_t i = 0; i < s.speeds.size(); ++i) {
    const uint64_t tracks = r["links"][i][0], groups = r["links"][i][1];
    out.md("| {} | {} | {} | {} | {:.1f}% |\n", i, s.speeds[i], groups, tracks,
           100.0 * double(tracks) / double(total));
  }
  out.md("\n");
  return 0;
}
