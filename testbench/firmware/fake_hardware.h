// A stand-in for the hardware under the firmware, in plain C++: one
// processor at 1 GHz, a queue of timed events, and track sends that take a
// fixed time per link. Firmware logic is tested on it without SystemC.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "firmware/hal/hardware.h"

namespace copysim::testing {

class FakeHardware final : public fw::Hardware {
 public:
  uint64_t control_store_bytes = 1 << 20;
  std::vector<uint64_t> link_send_ps = {100'000'000, 100'000'000};  // per link
  std::map<uint16_t, uint64_t> volume_tracks = {{0x0100, 1000}};
  std::vector<fw::TrackSend> sent;
  std::map<uint32_t, uint64_t> link_down_until_ps;  // sends before then fail with link_down
  std::set<uint64_t> refused_tracks;                // sends of these fail with target_error
  std::map<std::string, uint64_t> tables;
  std::vector<std::string> logs;

  uint64_t now_ps() const override { return now_; }
  uint32_t processors() const override { return 1; }
  uint32_t links() const override { return static_cast<uint32_t>(link_send_ps.size()); }
  uint32_t blocks_per_track(uint16_t) const override { return 128; }
  uint64_t tracks(uint16_t device) const override {
    auto it = volume_tracks.find(device);
    return it == volume_tracks.end() ? 0 : it->second;
  }
  bool allocate_control_store(std::string_view table, uint64_t bytes) override {
    if (used_ + bytes > control_store_bytes) return false;
    used_ += bytes;
    tables[std::string(table)] += bytes;
    return true;
  }
  void release_control_store(std::string_view table, uint64_t bytes) override {
    used_ -= bytes;
    tables[std::string(table)] -= bytes;
  }
  void send_track(const fw::TrackSend& r,
                  std::function<void(const fw::SendResult&)> done) override {
    sent.push_back(r);
    auto down = link_down_until_ps.find(r.link);
    if (down != link_down_until_ps.end() && now_ < down->second) {
      at(now_ + 1'000'000, [done] { done({fw::SendStatus::link_down, 0, 1'000'000, "down"}); });
      return;
    }
    if (refused_tracks.count(r.track)) {
      at(now_ + 1'000'000, [done] { done({fw::SendStatus::target_error, 0, 1'000'000, "no"}); });
      return;
    }
    const uint64_t took = link_send_ps.at(r.link);
    at(now_ + took, [done, took] { done(fw::SendResult{fw::SendStatus::good, 66560, took, ""}); });
  }
  void start_timer(uint64_t delay_ps, std::function<void()> done) override {
    at(now_ + delay_ps, std::move(done));
  }
  void work_available() override {}
  std::set<uint16_t> protected_secondaries;
  void set_secondary_write_protect(uint16_t device, bool on) override {
    if (on) {
      protected_secondaries.insert(device);
    } else {
      protected_secondaries.erase(device);
    }
  }
  void log(fw::LogLevel, std::string_view message) override { logs.emplace_back(message); }
  // The bridge's hardware operations are exercised on the SystemC platform
  // (testbench/systemc/bridge_test.cpp); here they fail visibly.
  std::set<uint16_t> reserved;
  std::set<uint16_t> not_ready;
  uint64_t control_store_accesses = 0;
  void set_reserved(uint16_t device, bool on, std::string_view) override {
    if (on) {
      reserved.insert(device);
    } else {
      reserved.erase(device);
    }
  }
  void set_not_ready(uint16_t device, bool on, std::string_view) override {
    if (on) {
      not_ready.insert(device);
    } else {
      not_ready.erase(device);
    }
  }
  void control_store_work(uint64_t accesses) override { control_store_accesses += accesses; }
  void peer_command(std::vector<uint8_t>, std::function<void(std::vector<uint8_t>)> done) override {
    at(now_ + 1'000'000, [done] { done({}); });
  }
  void copy_track(uint16_t, uint64_t, uint16_t, uint64_t,
                  std::function<void(std::string)> done) override {
    at(now_ + 1'000'000, [done] { done("no copy path in the fake hardware"); });
  }
  void write_blocks(uint16_t, uint64_t, std::vector<uint8_t>,
                    std::function<void(std::string)> done) override {
    at(now_ + 1'000'000, [done] { done("no cache in the fake hardware"); });
  }
  void read_blocks(uint16_t, uint64_t, uint32_t,
                   std::function<void(std::vector<uint8_t>, std::string)> done) override {
    at(now_ + 1'000'000, [done] { done({}, "no cache in the fake hardware"); });
  }

  uint64_t used() const { return used_; }
  void at(uint64_t time, std::function<void()> fn) { events_.push({time, seq_++, std::move(fn)}); }

  // Runs the firmware until nothing is ready and no event is pending (or
  // `until`): ready TCBs first, each compute step advancing time by its
  // cycles, then the next event.
  void run(fw::Firmware& firmware, uint64_t until = UINT64_MAX) {
    for (;;) {
      for (int64_t tcb; (tcb = firmware.next_ready()) >= 0;) {
        now_ += firmware.dispatch_cycles() * 1000;
        for (fw::Step s = firmware.run(tcb); s.kind == fw::Step::compute; s = firmware.run(tcb)) {
          now_ += s.cycles * 1000;
        }
      }
      if (events_.empty() || events_.top().time > until) return;
      Event e = events_.top();
      events_.pop();
      now_ = std::max(now_, e.time);
      e.fn();
    }
  }

 private:
  struct Event {
    uint64_t time;
    uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  uint64_t now_ = 0;
  uint64_t used_ = 0;
  uint64_t seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
};

}  // namespace copysim::testing
