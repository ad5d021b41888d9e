// Seed 001 as an experiment: remote writes over one Fibre Channel link from
// parallel writer threads, to a secondary that checks every block against
// the primary's address and counts the commits of each write. The commit is
// either a fixed time (the protocol alone, for the analytic checks) or the
// secondary array's own path: its processors, cache and write-pending
// limit, its destage to its drives. One run per forked child; the result
// is JSON (each write's status, retries and response, throughput in a
// window, buffer and CRC figures). Shared by the test and the experiment.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rtl/checkcode/stored_block.h"
#include "systemc/array/storage_array.h"
#include "systemc/link/fcp_write.h"
#include "testbench/common/sc_fork.h"

namespace copysim::testing {

inline constexpr uint32_t kBlocks = 128;                 // 64 KiB of user data per write
inline constexpr double kRate = 14.025e9 * 64 / 66 / 8;  // 16GFC data bytes per second
inline constexpr double kCommandUs = 2.0;

inline double frame_us(double payload) { return (payload + 60) / kRate * 1e6; }
inline double frames_us(double bytes) {
  double t = 0;
  for (double left = bytes; left > 0; left -= 2048) t += frame_us(std::min(left, 2048.0));
  return t;
}

// The stored blocks of write `n`: 128 blocks at device 0x0100, block n * 128.
inline std::vector<uint8_t> blocks_of(uint32_t n) {
  std::vector<uint8_t> v(kBlocks * checkcode::kStoredBlockBytes);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 31 + n);
  for (uint32_t b = 0; b < kBlocks; ++b) {
    checkcode::stamp(std::span(v).subspan(b * 520).first<520>(), {0x0100, n * kBlocks + b});
  }
  return v;
}

inline sc::RemoteWriteControl control_of(uint32_t n) {
  return {0x0100, n * kBlocks, 0x0200, n * kBlocks, kBlocks, n};
}

struct FcpScenario {
  sc::FcLinkConfig link;
  sc::FcpConfig fcp;
  double commit_us = 10;
  // When set, the secondary array's description (it needs volume 0x0200,
  // large enough for every write): the commit is its receive path, and
  // `commit_us` is not used.
  nlohmann::json secondary_array;
  unsigned threads = 1;
  unsigned writes_per_thread = 1;
  double window_from_s = 0, window_to_s = 1;  // throughput window
  std::vector<uint64_t> corrupt_frames;
  double link_down_at_us = -1, link_up_at_us = -1;
};

// The secondary's side: checks every block against the primary's address,
// keeps the data, counts commits of each write.
inline nlohmann::json run_fcp(const FcpScenario& sc) {
  using namespace copysim::sc;
  return nlohmann::json::parse(run_forked([&] {
    FcLink link("link", sc.link);
    for (uint64_t f : sc.corrupt_frames) link.forward().corrupt_frame(f);
    std::map<uint32_t, int> commits;
    uint64_t mismatches = 0;
    std::unique_ptr<StorageArray> secondary;
    if (!sc.secondary_array.is_null()) {
      secondary =
          std::make_unique<StorageArray>("secondary", ArrayConfig::from_json(sc.secondary_array));
    }
    FcpWritePath path(
        "path", link, sc.fcp,
        [&](const RemoteWriteControl& c, std::span<const uint8_t> data, std::string& error) {
          if (secondary != nullptr) {
            const IoStatus st = secondary->receive_remote_write(
                c.target_device, c.target_block, c.blocks, data, {c.source_device, c.source_block});
            if (!st.ok()) {
              error = st.message;
              return false;
            }
          } else {
            sc_core::wait(sc_core::sc_time(sc.commit_us, sc_core::SC_US));
          }
          const auto want = blocks_of(c.sequence);
          if (!std::equal(data.begin(), data.end(), want.begin(), want.end())) {
            ++mismatches;
          }
          for (uint32_t b = 0; b < c.blocks; ++b) {
            const auto blk = data.subspan(b * 520).first<520>();
            if (checkcode::verify(blk, {c.source_device, c.source_block + b}) !=
                checkcode::BlockCheck::ok) {
              error = "a block failed its check";
              return false;
            }
          }
          ++commits[c.sequence];
          return true;
        });
    nlohmann::json results = nlohmann::json::array();
    uint64_t window_bytes = 0;
    for (unsigned t = 0; t < sc.threads; ++t) {
      sc_core::sc_spawn([&, t] {
        for (unsigned w = 0; w < sc.writes_per_thread; ++w) {
          const uint32_t n = t * sc.writes_per_thread + w;
          const auto data = blocks_of(n);
          const FcpResult r = path.write(control_of(n), data);
          const double now = sc_core::sc_time_stamp().to_seconds();
          if (r.ok() && now >= sc.window_from_s && now < sc.window_to_s) {
            window_bytes += data.size();
          }
          results.push_back(
              {n, std::string(to_string(r.status)), r.retries, r.response.to_seconds() * 1e6});
        }
      });
    }
    if (sc.link_down_at_us >= 0) {
      sc_core::sc_spawn([&] {
        wait(sc_core::sc_time(sc.link_down_at_us, sc_core::SC_US));
        link.set_up(false);
        wait(sc_core::sc_time(sc.link_up_at_us - sc.link_down_at_us, sc_core::SC_US));
        link.set_up(true);
        const auto data = blocks_of(999);
        const FcpResult r = path.write(control_of(999), data);
        results.push_back(
            {999, std::string(to_string(r.status)), r.retries, r.response.to_seconds() * 1e6});
      });
    }
    sc_core::sc_start();  // every write runs to its end
    nlohmann::json c = nlohmann::json::object();
    for (auto [seq, n] : commits) c[std::to_string(seq)] = n;
    const FcpStats& st = path.stats();
    return nlohmann::json{
        {"results", results},
        {"commits", c},
        {"mismatches", mismatches},
        {"mb_per_s", double(window_bytes) / (sc.window_to_s - sc.window_from_s) / 1e6},
        {"buffer_waits", st.buffer_waits},
        {"buffers_in_use_peak", st.buffers_in_use_peak},
        {"pool_waits", st.pool_waits},
        {"secondary_write_pending_waits",
         secondary ? secondary->cache().stats().write_pending_waits : 0},
        {"in_flight_peak", st.in_flight_peak},
        {"crc_errors", link.forward().stats().crc_errors}}
        .dump();
  }));
}

}  // namespace copysim::testing
