// The hardware under the firmware of one primary array: implements the
// firmware's Hardware interface (firmware/hal/hardware.h) on the SystemC
// platform, and runs the firmware's TCBs on the array's processors, one
// SystemC thread per processor.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <string>
#include <vector>

#include <systemc>

#include "firmware/hal/hardware.h"
#include "systemc/array/storage_array.h"
#include "systemc/link_adapter/link_adapter.h"

namespace copysim::sc {

class ArrayHardware : public sc_core::sc_module, public fw::Hardware {
 public:
  // `links` carries the array's remote writes; may be null when the
  // firmware sends nothing.
  ArrayHardware(const sc_core::sc_module_name& name, StorageArray& array, LinkAdapter* links);

  // Connects the firmware the processors run; before simulation starts.
  void run_firmware(fw::Firmware& firmware) { firmware_ = &firmware; }
  // Command blocks arriving at the array's host ports go to `sink`.
  void accept_commands(fw::CommandSink& sink);
  // Host writes wait, once in cache, for `observer` (synchronous copy).
  void observe_host_writes(fw::HostWriteObserver& observer);
  // Host IO waits, before its data moves, for `interceptor`, and host
  // writes, once in cache, for `observer`: one pair, since a write the
  // interceptor let through holds firmware state until the observer sees it.
  void intercept_host_io(fw::HostIoInterceptor& interceptor, fw::HostWriteObserver& observer);
  // Remote writes that arrived (remote_write_arrived) go to `observer`.
  void observe_remote_writes(fw::RemoteWriteObserver& observer) { arrivals_ = &observer; }
  // The other array's hardware: peer_command reaches its firmware. Both
  // arrays' links carry the control exchange.
  void connect_peer(ArrayHardware& peer) { peer_ = &peer; }
  // The commit side of a path into this array calls this once a remote
  // write is in cache (link_adapter/remote_commit.h).
  void remote_write_arrived(const RemoteWriteControl& control);

  uint64_t now_ps() const override;
  uint32_t processors() const override;
  uint32_t links() const override;
  uint32_t blocks_per_track(uint16_t device) const override;
  uint64_t tracks(uint16_t device) const override;
  bool allocate_control_store(std::string_view table, uint64_t bytes) override;
  void release_control_store(std::string_view table, uint64_t bytes) override;
  void send_track(const fw::TrackSend& request,
                  std::function<void(const fw::SendResult&)> done) override;
  void start_timer(uint64_t delay_ps, std::function<void()> done) override;
  void work_available() override { work_.notify(sc_core::SC_ZERO_TIME); }
  void set_secondary_write_protect(uint16_t device, bool on) override;
  void set_reserved(uint16_t device, bool on, std::string_view why) override;
  void set_not_ready(uint16_t device, bool on, std::string_view why) override;
  void control_store_work(uint64_t accesses) override;
  void peer_command(std::vector<uint8_t> block,
                    std::function<void(std::vector<uint8_t>)> done) override;
  void copy_track(uint16_t from_device, uint64_t from_track, uint16_t to_device, uint64_t to_track,
                  std::function<void(std::string)> done) override;
  void write_blocks(uint16_t device, uint64_t block, std::vector<uint8_t> data,
                    std::function<void(std::string)> done) override;
  void read_blocks(uint16_t device, uint64_t block, uint32_t blocks,
                   std::function<void(std::vector<uint8_t>, std::string)> done) override;
  // The secondary array's side of set_secondary_write_protect (the topology
  // connects it; it stands for the notice the primary sends over the link).
  std::function<void(uint16_t, bool)> secondary_write_protect;
  // The array is back after a power loss that took the write-pending data
  // of `lost` volumes; the topology hands it to the firmware.
  std::function<void(const std::vector<uint16_t>& lost)> power_restored;
  void log(fw::LogLevel level, std::string_view message) override;

  uint64_t tracks_sent() const { return tracks_sent_; }
  struct WorkerStats {
    uint32_t workers = 0;      // threads made, at most the configured bound
    uint32_t busy_peak = 0;    // operations under way at once, at peak
    uint64_t waits = 0;        // operations that found every worker busy
    uint64_t queued_peak = 0;  // operations waiting for a worker, at peak
  };
  const WorkerStats& worker_stats() const { return worker_stats_; }

 private:
  void processor(uint32_t core);
  // Runs `job` on a worker thread (it may wait in simulated time); a
  // `host` job (a host waits for it) goes before the others waiting.
  void on_worker(std::function<void()> job, bool host = false);
  void worker();
  void send(const fw::TrackSend& request, const std::function<void(const fw::SendResult&)>& done);
  std::string copy(uint16_t from_device, uint64_t from_track, uint16_t to_device,
                   uint64_t to_track);
  void fire_timers();

  StorageArray& array_;
  LinkAdapter* links_;
  fw::Firmware* firmware_ = nullptr;
  fw::CommandSink* commands_ = nullptr;
  fw::RemoteWriteObserver* arrivals_ = nullptr;
  ArrayHardware* peer_ = nullptr;
  sc_core::sc_event work_;
  uint64_t tracks_sent_ = 0;
  bool in_command_ = false;
  uint64_t command_accesses_ = 0;  // control_store_work of the command running

  // Sends and other hardware operations run on worker threads that are
  // reused: one is added when all are busy, up to the configured bound
  // (processors.workers); beyond it operations wait in arrival order.
  std::deque<std::function<void()>> jobs_;
  std::size_t host_jobs_ = 0;  // at the front of jobs_
  sc_core::sc_event job_queued_;
  uint32_t idle_workers_ = 0;
  uint32_t busy_workers_ = 0;
  WorkerStats worker_stats_;

  // Timers: one method process fires every timer that is due.
  struct Timer {
    uint64_t at_ps;
    uint64_t seq;
    std::function<void()> done;
    bool operator>(const Timer& o) const {
      return at_ps != o.at_ps ? at_ps > o.at_ps : seq > o.seq;
    }
  };
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  uint64_t timer_seq_ = 0;
  sc_core::sc_event timer_due_;
};

}  // namespace copysim::sc
