// A host program's connection to simulated arrays: host IO on the volumes
// mapped to the host's ports, the copy-service commands, and state changes
// as a stream of events, all in simulated time. Two transports behave
// alike: in-process (the program owns the simulated topology) and a socket
// to a running `copysim serve`. No SystemC here.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "copysim/driver/result.h"
#include "copysim/driver/types.h"

namespace copysim::driver {

namespace detail {
class ConnectionImpl;
class PendingCall;
bool ready(const PendingCall& call);
void wait(PendingCall& call);
}  // namespace detail

// A request sent and not yet waited for. wait() lets simulated time pass
// (in-process) or reads replies (socket) until its reply is there. ready()
// only looks: in-process, simulated time passes in wait() alone.
template <typename T>
class Pending {
 public:
  using Decode = Result<T> (*)(const detail::PendingCall&);
  Pending(std::shared_ptr<detail::PendingCall> call, Decode decode)
      : call_(std::move(call)), decode_(decode) {}
  bool ready() const { return detail::ready(*call_); }
  Result<T> wait() {
    detail::wait(*call_);
    return decode_(*call_);
  }

 private:
  std::shared_ptr<detail::PendingCall> call_;
  Decode decode_;
};

class LocalPairs;
class Clones;
class RemoteCopy;

class Connection {
 public:
  // The program owns the topology (docs/DRIVER.md, "Topology"); one per
  // process, as SystemC elaborates once.
  static Result<Connection> in_process(const std::string& topology_json, const std::string& host);
  static Result<Connection> unix_socket(const std::string& path, const std::string& host);
  static Result<Connection> tcp(const std::string& address, uint16_t port, const std::string& host);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  const std::string& host() const;

  // Simulated time: now, and letting it pass.
  Result<SimTime> now();
  Result<SimTime> advance(SimTime by);

  // The volumes mapped to this host's ports.
  Result<std::vector<VolumeInfo>> volumes();

  // Host IO: whole 512-byte blocks.
  Result<void> write(const std::string& array, uint16_t device, uint64_t block,
                     std::span<const uint8_t> data);
  Result<std::vector<uint8_t>> read(const std::string& array, uint16_t device, uint64_t block,
                                    uint32_t blocks);
  // Whole tracks (the volume's blocks_per_track, from volumes()).
  Result<void> write_track(const std::string& array, uint16_t device, uint64_t track,
                           std::span<const uint8_t> data);
  Result<std::vector<uint8_t>> read_track(const std::string& array, uint16_t device,
                                          uint64_t track);
  Pending<void> write_async(const std::string& array, uint16_t device, uint64_t block,
                            std::span<const uint8_t> data);
  Pending<std::vector<uint8_t>> read_async(const std::string& array, uint16_t device,
                                           uint64_t block, uint32_t blocks);

  // A command block through the host's port; the controller's message.
  Result<std::string> command(const std::string& array, const CommandBlock& block);
  Pending<std::string> command_async(const std::string& array, const CommandBlock& block);

  // The state of a pair or session by name ("copy in progress", ...), its
  // history, and the array's statistics (JSON).
  Result<std::string> state(const std::string& array, Service service, uint16_t source,
                            uint16_t target = 0);
  Result<std::vector<Event>> history(const std::string& array, Service service, uint16_t source,
                                     uint16_t target = 0);
  Result<std::string> statistics(const std::string& array);

  // The next state change after the last one this connection saw, waiting
  // up to `timeout` of simulated time (Status::timed_out after that).
  Result<Event> next_event(SimTime timeout);
  // Until the pair or session is in `want` (now or after events), or timeout.
  Result<void> wait_state(const std::string& array, Service service, uint16_t source,
                          uint16_t target, const std::string& want, SimTime timeout);

  LocalPairs local_pairs(const std::string& array);
  Clones clones(const std::string& array);
  RemoteCopy remote_copy(const std::string& array);

 private:
  friend class LocalPairs;
  friend class Clones;
  friend class RemoteCopy;
  explicit Connection(std::shared_ptr<detail::ConnectionImpl> impl);
  // Another handle on the same connection (for the service objects).
  std::shared_ptr<Connection> share() const;
  std::shared_ptr<detail::ConnectionImpl> impl_;
};

// Local pairs of one array (seed 004).
class LocalPairs {
 public:
  LocalPairs(Connection& connection, std::string array);
  // secondary 0: the array picks the lowest reserved volume.
  Result<std::string> create(uint16_t primary, uint16_t secondary, Pace pace = Pace::medium);
  Result<std::string> remove(uint16_t primary, uint16_t secondary);
  Result<std::string> split(uint16_t primary, uint16_t secondary);
  Result<std::string> resync(uint16_t primary, uint16_t secondary);
  Result<std::string> suspend(uint16_t primary, uint16_t secondary);
  Result<std::string> query(uint16_t primary, uint16_t secondary);
  Result<std::string> set_reserve(uint16_t device, bool on);
  Result<std::string> state(uint16_t primary, uint16_t secondary);
  Result<std::vector<Event>> history(uint16_t primary, uint16_t secondary);
  Result<void> wait_state(uint16_t primary, uint16_t secondary, const std::string& want,
                          SimTime timeout);

 private:
  Result<std::string> run(uint16_t code, uint16_t a, uint16_t b, uint64_t p0 = 0);
  std::shared_ptr<Connection> c_;  // shares the connection; safe to keep
  std::string array_;
};

struct CloneOptions {
  bool precopy = false;
  std::vector<Extent> extents;  // empty: the whole volume; more than two are added one by one
};

// Clone sessions of one array (seed 003), named by source and destination.
class Clones {
 public:
  Clones(Connection& connection, std::string array);
  Result<std::string> create(uint16_t source, uint16_t destination,
                             const CloneOptions& options = {});
  Result<std::string> precopy(uint16_t source, uint16_t destination);
  Result<std::string> activate(uint16_t source, uint16_t destination);
  Pending<std::string> activate_async(uint16_t source, uint16_t destination);
  Result<std::string> active_copy(uint16_t source, uint16_t destination,
                                  const std::vector<Extent>& extents = {});
  Result<std::string> terminate(uint16_t source, uint16_t destination);
  Result<std::string> add_extent(uint16_t source, uint16_t destination, Extent extent);
  Result<std::string> query(uint16_t source, uint16_t destination);
  Result<std::string> state(uint16_t destination);
  Result<void> wait_state(uint16_t destination, const std::string& want, SimTime timeout);

 private:
  std::shared_ptr<Connection> c_;  // shares the connection; safe to keep
  std::string array_;
};

// Remote copy from one array (seeds 000-002): the path, pairs, bridges.
class RemoteCopy {
 public:
  RemoteCopy(Connection& connection, std::string array);
  Result<std::string> establish_path(uint64_t link_mask = 0);  // 0: every link
  Result<std::string> remove_path();
  Result<std::string> establish_pair(uint16_t primary, uint16_t secondary, bool no_copy = false);
  Result<std::string> suspend_pair(uint16_t primary);
  Result<std::string> resume_pair(uint16_t primary);
  Result<std::string> terminate_pair(uint16_t primary);
  Result<std::string> query_pair(uint16_t primary);
  Result<std::string> state(uint16_t primary);
  Result<void> wait_state(uint16_t primary, const std::string& want, SimTime timeout);
  // Bridge volumes (seed 002): define on each array, then establish from
  // the primary.
  Result<std::string> define_bridge(uint16_t data_volume, uint16_t status_volume,
                                    bool secondary_side);
  Result<std::string> establish_bridge(uint16_t data_volume, uint16_t remote_data_volume,
                                       uint32_t data_link, uint32_t status_link,
                                       uint16_t remote_status_volume);
  Result<std::string> remove_bridge(uint16_t data_volume);
  Result<std::string> query_bridge(uint16_t data_volume);

 private:
  std::shared_ptr<Connection> c_;  // shares the connection; safe to keep
  std::string array_;
};

}  // namespace copysim::driver
