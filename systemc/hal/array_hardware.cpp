#include "systemc/hal/array_hardware.h"

#include <fmt/format.h>

#include <algorithm>
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
  commands_ = &sink;
  array_.set_command_sink([this, &sink](std::span<const uint8_t> block) {
    in_command_ = true;
    command_accesses_ = 0;
    std::vector<uint8_t> status = sink.command(block);
    in_command_ = false;
    // In pieces: SharedMemory::access counts in unsigned.
    for (uint64_t left = command_accesses_; left > 0;) {
      const auto n = static_cast<unsigned>(std::min<uint64_t>(left, 1'000'000));
      array_.shared_memory().access(n);
      left -= n;
    }
    return status;
  });
}

void ArrayHardware::control_store_work(uint64_t accesses) {
  if (in_command_) command_accesses_ += accesses;
}

void ArrayHardware::intercept_host_io(fw::HostIoInterceptor& interceptor,
                                      fw::HostWriteObserver& observer) {
  array_.set_io_interceptor([&interceptor](uint16_t device, uint64_t block, uint32_t count,
                                           bool write, std::function<void(std::string)> proceed) {
    interceptor.host_io_starting(device, block, count, write, std::move(proceed));
  });
  observe_host_writes(observer);
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
  on_worker([this, request, done = std::move(done)] { send(request, done); }, request.host_write);
}

void ArrayHardware::on_worker(std::function<void()> job, bool host) {
  if (host) {
    jobs_.insert(jobs_.begin() + std::ptrdiff_t(host_jobs_++), std::move(job));
  } else {
    jobs_.push_back(std::move(job));
  }
  if (idle_workers_ < jobs_.size()) {
    if (worker_stats_.workers < array_.config().processors.workers) {
      sc_core::sc_spawn(sc_bind(&ArrayHardware::worker, this),
                        fmt::format("worker{}", worker_stats_.workers++).c_str());
    } else {
      ++worker_stats_.waits;
      worker_stats_.queued_peak =
          std::max<uint64_t>(worker_stats_.queued_peak, jobs_.size() - idle_workers_);
    }
  }
  job_queued_.notify(sc_core::SC_ZERO_TIME);
}

void ArrayHardware::worker() {
  for (;;) {
    ++idle_workers_;
    while (jobs_.empty()) wait(job_queued_);
    --idle_workers_;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    if (host_jobs_ > 0) --host_jobs_;
    worker_stats_.busy_peak = std::max(worker_stats_.busy_peak, ++busy_workers_);
    job();
    --busy_workers_;
  }
}

void ArrayHardware::remote_write_arrived(const RemoteWriteControl& c) {
  if (arrivals_ == nullptr) return;
  fw::RemoteArrival a{c.source_device, c.source_block, c.target_device, c.target_block,
                      c.blocks,        c.sequence,     std::nullopt};
  if (c.bridged) {
    const Volume* v = array_.volume(c.final_device);
    const uint32_t bpt = v == nullptr ? 1 : v->geometry.blocks_per_track;
    a.header = fw::BridgeHeader{c.final_device, c.final_block / bpt};
  }
  arrivals_->remote_write_arrived(a);
}

// A control exchange: the command goes to the other array on the first
// link that is up, is decoded there, and its status comes back: one round
// trip of the link plus the secondary's command time.
void ArrayHardware::peer_command(std::vector<uint8_t> block,
                                 std::function<void(std::vector<uint8_t>)> done) {
  on_worker([this, block = std::move(block), done = std::move(done)] {
    const std::size_t paths = links_ == nullptr ? 0 : links_->paths();
    std::size_t i = 0;
    while (i < paths && !links_->link(i).up()) ++i;
    if (peer_ == nullptr || peer_->commands_ == nullptr || i == paths) {
      done({});
      return;
    }
    const double us = links_->path(i).config().command_us;
    wait(sc_core::sc_time(double(2 * links_->link(i).propagation_ps()), sc_core::SC_PS) +
         sc_core::sc_time(us, sc_core::SC_US));
    done(peer_->commands_->command(block));
  });
}

std::string ArrayHardware::copy(uint16_t from_device, uint64_t from_track, uint16_t to_device,
                                uint64_t to_track) {
  const Volume* from = array_.volume(from_device);
  const Volume* to = array_.volume(to_device);
  if (from == nullptr || to == nullptr || from_track >= from->geometry.tracks ||
      to_track >= to->geometry.tracks) {
    return fmt::format("no track {} of {:#06x} or no track {} of {:#06x}", from_track, from_device,
                       to_track, to_device);
  }
  const uint32_t bpt = from->geometry.blocks_per_track;
  if (to->geometry.blocks_per_track != bpt) {
    return fmt::format("tracks of {} and {} blocks", bpt, to->geometry.blocks_per_track);
  }
  Slot& src = array_.cache().acquire({from_device, from_track}, bpt);
  Slot& dst = array_.cache().acquire({to_device, to_track}, bpt);
  const drr::DrrStatus st = from->adapter->copy(src, *from, dst, *to, 0, bpt);
  array_.cache().release(dst);
  array_.cache().release(src);
  if (st.cd_errors + st.la_errors != 0) {
    return fmt::format("{} blocks failed their check code and {} their address", st.cd_errors,
                       st.la_errors);
  }
  return {};
}

void ArrayHardware::copy_track(uint16_t from_device, uint64_t from_track, uint16_t to_device,
                               uint64_t to_track, std::function<void(std::string)> done) {
  on_worker([=, this, done = std::move(done)] {
    done(copy(from_device, from_track, to_device, to_track));
  });
}

void ArrayHardware::write_blocks(uint16_t device, uint64_t block, std::vector<uint8_t> data,
                                 std::function<void(std::string)> done) {
  on_worker([=, this, data = std::move(data), done = std::move(done)] {
    using checkcode::kStoredBlockBytes;
    const auto count = static_cast<uint32_t>(data.size() / checkcode::kUserDataBytes);
    std::vector<uint8_t> stored(std::size_t{count} * kStoredBlockBytes, 0);
    for (uint32_t i = 0; i < count; ++i) {
      std::copy_n(data.begin() + std::ptrdiff_t{i} * checkcode::kUserDataBytes,
                  checkcode::kUserDataBytes,
                  stored.begin() + std::ptrdiff_t{i} * kStoredBlockBytes);
      checkcode::stamp(
          std::span(stored).subspan(std::size_t{i} * kStoredBlockBytes).first<kStoredBlockBytes>(),
          {device, static_cast<uint32_t>(block + i)});
    }
    const IoStatus st = array_.receive_remote_write(device, block, count, stored,
                                                    {device, static_cast<uint32_t>(block)});
    done(st.ok() ? std::string{} : st.message);
  });
}

void ArrayHardware::read_blocks(uint16_t device, uint64_t block, uint32_t blocks,
                                std::function<void(std::vector<uint8_t>, std::string)> done) {
  on_worker([=, this, done = std::move(done)] {
    std::vector<uint8_t> data(std::size_t{blocks} * checkcode::kUserDataBytes);
    const IoStatus st = array_.read_internal(device, block, blocks, data);
    done(std::move(data), st.ok() ? std::string{} : st.message);
  });
}

void ArrayHardware::set_reserved(uint16_t device, bool on, std::string_view why) {
  array_.set_write_protected(device, on, std::string(why));
}

void ArrayHardware::set_not_ready(uint16_t device, bool on, std::string_view why) {
  array_.set_not_ready(device, on, std::string(why));
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
  v->adapter->make_valid(slot, *v, request.first_block, blocks, DriveCommand::Priority::background);
  const DmaDescriptor chain[] = {{&slot, request.first_block, blocks}};
  const auto first = static_cast<uint32_t>(request.track * bpt + request.first_block);
  const auto target = static_cast<uint32_t>(request.target_track.value_or(request.track) * bpt +
                                            request.first_block);
  RemoteWriteControl control{request.source_device, first, request.target_device, target, blocks,
                             request.sequence};
  if (request.header) {
    control.bridged = true;
    control.final_device = request.header->final_device;
    control.final_block =
        static_cast<uint32_t>(request.header->final_track * bpt + request.first_block);
  }
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
