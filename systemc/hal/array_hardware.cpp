#include "systemc/hal/array_hardware.h"

#include <fmt/format.h>

#include <stdexcept>

#include "systemc/common/sim_time.h"
#include "systemc/disk_adapter/disk_adapter.h"
#include "systemc/log/log.h"

namespace copysim::sc {

ArrayHardware::ArrayHardware(const sc_core::sc_module_name& name, StorageArray& array,
                             LinkAdapter* links)
    : sc_core::sc_module(name), array_(array), links_(links) {
  for (uint32_t core = 0; core < array.config().processors.count; ++core) {
    sc_core::sc_spawn(sc_bind(&ArrayHardware::processor, this, core),
                      fmt::format("cpu{}", core).c_str());
  }
  sc_core::sc_spawn_options timers;
  timers.spawn_method();
  timers.set_sensitivity(&timer_due_);
  timers.dont_initialize();
  sc_core::sc_spawn(sc_bind(&ArrayHardware::fire_timers, this), "timers", &timers);
}

void ArrayHardware::accept_commands(fw::CommandSink& sink) {
  array_.set_command_sink([&sink](std::span<const uint8_t> block) { return sink.command(block); });
}

void ArrayHardware::observe_host_writes(fw::HostWriteObserver& observer) {
  array_.set_write_observer(
      [&observer](uint16_t device, uint64_t block, uint32_t count, std::function<void()> done) {
        observer.host_write(device, block, count, std::move(done));
      });
}

uint64_t ArrayHardware::now_ps() const { return sc::now_ps(); }

uint32_t ArrayHardware::processors() const { return array_.config().processors.count; }

uint32_t ArrayHardware::links() const {
  return links_ == nullptr ? 0 : static_cast<uint32_t>(links_->paths());
}

uint32_t ArrayHardware::blocks_per_track(uint16_t device) const {
  const Volume* v = array_.volume(device);
  return v == nullptr ? 0 : v->geometry.blocks_per_track;
}

uint64_t ArrayHardware::tracks(uint16_t device) const {
  const Volume* v = array_.volume(device);
  return v == nullptr ? 0 : v->geometry.tracks;
}

bool ArrayHardware::allocate_control_store(std::string_view table, uint64_t bytes) {
  try {
    array_.shared_memory().allocate(std::string(table), bytes);
    return true;
  } catch (const std::length_error&) {
    return false;
  }
}

void ArrayHardware::release_control_store(std::string_view table, uint64_t bytes) {
  array_.shared_memory().release(std::string(table), bytes);
}

// A processor takes the next ready TCB, pays the switch, and runs it until
// it waits for something; compute steps keep the processor busy.
void ArrayHardware::processor(uint32_t core) {
  Processors& cpus = array_.processors();
  for (;;) {
    const int64_t tcb = firmware_ == nullptr ? -1 : firmware_->next_ready();
    if (tcb < 0) {
      wait(work_);
      continue;
    }
    cpus.execute_on(core, firmware_->dispatch_cycles());
    for (fw::Step step = firmware_->run(tcb); step.kind == fw::Step::compute;
         step = firmware_->run(tcb)) {
      cpus.execute_on(core, step.cycles);
    }
  }
}

void ArrayHardware::send_track(const fw::TrackSend& request,
                               std::function<void(const fw::SendResult&)> done) {
  if (links_ == nullptr || request.link >= links_->paths()) {
    throw std::invalid_argument(fmt::format("{}: no link {}", name(), request.link));
  }
  sends_.push_back({request, std::move(done)});
  if (idle_workers_ < sends_.size()) {
    sc_core::sc_spawn(sc_bind(&ArrayHardware::send_worker, this),
                      fmt::format("send{}", workers_++).c_str());
  }
  send_queued_.notify(sc_core::SC_ZERO_TIME);
}

void ArrayHardware::send_worker() {
  for (;;) {
    ++idle_workers_;
    while (sends_.empty()) wait(send_queued_);
    --idle_workers_;
    Send s = std::move(sends_.front());
    sends_.pop_front();
    send(s.request, s.done);
  }
}

// The track goes from the primary's cache (staged first if it is not
// there) through the link adapter's DMA engine to the chosen link.
void ArrayHardware::send(const fw::TrackSend& request,
                         const std::function<void(const fw::SendResult&)>& done) {
  const uint64_t start = now_ps();
  const Volume* v = array_.volume(request.source_device);
  fw::SendResult result;
  if (v == nullptr || request.track >= v->geometry.tracks) {
    result.status = fw::SendStatus::target_error;
    result.message =
        fmt::format("no track {} on device {:#06x}", request.track, request.source_device);
    done(result);
    return;
  }
  const uint32_t bpt = v->geometry.blocks_per_track;
  const uint32_t blocks = request.blocks == 0 ? bpt : request.blocks;
  if (request.first_block + blocks > bpt) {
    result.status = fw::SendStatus::target_error;
    result.message = fmt::format("blocks {}..{} outside a track of {}", request.first_block,
                                 request.first_block + blocks, bpt);
    done(result);
    return;
  }
  Slot& slot = array_.cache().acquire({request.source_device, request.track}, bpt);
  v->adapter->make_valid(slot, *v, request.first_block, blocks);
  const DmaDescriptor chain[] = {{&slot, request.first_block, blocks}};
  const auto first = static_cast<uint32_t>(request.track * bpt + request.first_block);
  const RemoteWriteControl control{
      request.source_device, first, request.target_device, first, blocks, request.sequence};
  const FcpResult r = links_->write(request.link, control, chain);
  array_.cache().release(slot);
  switch (r.status) {
    case FcpStatus::good:
      result.status = fw::SendStatus::good;
      break;
    case FcpStatus::link_down:
      result.status = fw::SendStatus::link_down;
      break;
    case FcpStatus::retries_exhausted:
      result.status = fw::SendStatus::retries_exhausted;
      break;
    case FcpStatus::target_error:
      result.status = fw::SendStatus::target_error;
      break;
  }
  result.bytes = uint64_t{blocks} * checkcode::kStoredBlockBytes;
  result.response_ps = now_ps() - start;
  result.message = r.message;
  ++tracks_sent_;
  done(result);
}

void ArrayHardware::start_timer(uint64_t delay_ps, std::function<void()> done) {
  const uint64_t at = now_ps() + delay_ps;
  timers_.push({at, timer_seq_++, std::move(done)});
  // An earlier notification overrides a later pending one.
  timer_due_.notify(sc_core::sc_time(double(timers_.top().at_ps - now_ps()), sc_core::SC_PS));
}

void ArrayHardware::fire_timers() {
  while (!timers_.empty() && timers_.top().at_ps <= now_ps()) {
    Timer t = timers_.top();
    timers_.pop();
    t.done();
  }
  if (!timers_.empty()) {
    timer_due_.notify(sc_core::sc_time(double(timers_.top().at_ps - now_ps()), sc_core::SC_PS));
  }
}

void ArrayHardware::set_secondary_write_protect(uint16_t device, bool on) {
  if (secondary_write_protect) secondary_write_protect(device, on);
}

void ArrayHardware::log(fw::LogLevel level, std::string_view message) {
  static constexpr LogLevel kLevels[] = {LogLevel::debug, LogLevel::info, LogLevel::warning,
                                         LogLevel::error};
  sc::log(kLevels[static_cast<int>(level)], *this, "{}", message);
}

}  // namespace copysim::sc
