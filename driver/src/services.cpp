// The copy services' commands, as command blocks (docs/DRIVER_PROTOCOL.md
// lists the codes; the firmware's headers define them).
#include "copysim/driver/connection.h"
#include "firmware/bridge/bridge_service.h"
#include "firmware/clone/clone_service.h"
#include "firmware/local_pairs/local_pair_service.h"
#include "firmware/remote_copy/remote_pairs.h"

namespace copysim::driver {

LocalPairs::LocalPairs(Connection& connection, std::string array)
    : c_(connection.share()), array_(std::move(array)) {}
Clones::Clones(Connection& connection, std::string array)
    : c_(connection.share()), array_(std::move(array)) {}
RemoteCopy::RemoteCopy(Connection& connection, std::string array)
    : c_(connection.share()), array_(std::move(array)) {}

Result<std::string> LocalPairs::run(uint16_t code, uint16_t a, uint16_t b, uint64_t p0) {
  return c_->command(array_, {code, a, b, {p0, 0, 0}});
}
Result<std::string> LocalPairs::create(uint16_t primary, uint16_t secondary, Pace pace) {
  return run(fw::kCreateLocalPair, primary, secondary, static_cast<uint64_t>(pace));
}
Result<std::string> LocalPairs::remove(uint16_t primary, uint16_t secondary) {
  return run(fw::kDeleteLocalPair, primary, secondary);
}
Result<std::string> LocalPairs::split(uint16_t primary, uint16_t secondary) {
  return run(fw::kCopyLocalPair, primary, secondary);
}
Result<std::string> LocalPairs::resync(uint16_t primary, uint16_t secondary) {
  return run(fw::kResyncLocalPair, primary, secondary);
}
Result<std::string> LocalPairs::suspend(uint16_t primary, uint16_t secondary) {
  return run(fw::kSuspendLocalPair, primary, secondary);
}
Result<std::string> LocalPairs::query(uint16_t primary, uint16_t secondary) {
  return run(fw::kQueryLocalPair, primary, secondary);
}
Result<std::string> LocalPairs::set_reserve(uint16_t device, bool on) {
  return run(fw::kSetReserve, device, 0, on ? 1 : 0);
}
Result<std::string> LocalPairs::state(uint16_t primary, uint16_t secondary) {
  return c_->state(array_, Service::local_pair, primary, secondary);
}
Result<std::vector<Event>> LocalPairs::history(uint16_t primary, uint16_t secondary) {
  return c_->history(array_, Service::local_pair, primary, secondary);
}
Result<void> LocalPairs::wait_state(uint16_t primary, uint16_t secondary, const std::string& want,
                                    SimTime timeout) {
  return c_->wait_state(array_, Service::local_pair, primary, secondary, want, timeout);
}

namespace {
uint64_t extent_parameter(const std::vector<Extent>& extents, std::size_t i) {
  return i < extents.size() ? fw::clone_extent(extents[i].first, extents[i].tracks) : 0;
}
}  // namespace

Result<std::string> Clones::create(uint16_t source, uint16_t destination,
                                   const CloneOptions& options) {
  auto r = c_->command(array_, {fw::kCreateClone,
                                source,
                                destination,
                                {options.precopy ? 1u : 0u, extent_parameter(options.extents, 0),
                                 extent_parameter(options.extents, 1)}});
  for (std::size_t i = 2; r && i < options.extents.size(); ++i) {
    r = add_extent(source, destination, options.extents[i]);
  }
  return r;
}
Result<std::string> Clones::precopy(uint16_t source, uint16_t destination) {
  return c_->command(array_, {fw::kPrecopyClone, source, destination, {}});
}
Result<std::string> Clones::activate(uint16_t source, uint16_t destination) {
  return activate_async(source, destination).wait();
}
Pending<std::string> Clones::activate_async(uint16_t source, uint16_t destination) {
  return c_->command_async(array_, {fw::kActivateClone, source, destination, {}});
}
Result<std::string> Clones::active_copy(uint16_t source, uint16_t destination,
                                        const std::vector<Extent>& extents) {
  return c_->command(array_, {fw::kActiveCopyClone,
                              source,
                              destination,
                              {0, extent_parameter(extents, 0), extent_parameter(extents, 1)}});
}
Result<std::string> Clones::terminate(uint16_t source, uint16_t destination) {
  return c_->command(array_, {fw::kTerminateClone, source, destination, {}});
}
Result<std::string> Clones::add_extent(uint16_t source, uint16_t destination, Extent extent) {
  return c_->command(array_, {fw::kAddCloneExtent,
                              source,
                              destination,
                              {fw::clone_extent(extent.first, extent.tracks), 0, 0}});
}
Result<std::string> Clones::query(uint16_t source, uint16_t destination) {
  return c_->command(array_, {fw::kQueryClone, source, destination, {}});
}
Result<std::string> Clones::state(uint16_t destination) {
  return c_->state(array_, Service::clone, 0, destination);
}
Result<void> Clones::wait_state(uint16_t destination, const std::string& want, SimTime timeout) {
  return c_->wait_state(array_, Service::clone, 0, destination, want, timeout);
}

Result<std::string> RemoteCopy::establish_path(uint64_t link_mask) {
  return c_->command(array_, {fw::kEstablishPath, 0, 0, {link_mask, 0, 0}});
}
Result<std::string> RemoteCopy::remove_path() {
  return c_->command(array_, {fw::kRemovePath, 0, 0, {}});
}
Result<std::string> RemoteCopy::establish_pair(uint16_t primary, uint16_t secondary, bool no_copy) {
  return c_->command(array_, {fw::kEstablishPair, primary, secondary, {no_copy ? 1u : 0u, 0, 0}});
}
Result<std::string> RemoteCopy::suspend_pair(uint16_t primary) {
  return c_->command(array_, {fw::kSuspendPair, primary, 0, {}});
}
Result<std::string> RemoteCopy::resume_pair(uint16_t primary) {
  return c_->command(array_, {fw::kResumePair, primary, 0, {}});
}
Result<std::string> RemoteCopy::terminate_pair(uint16_t primary) {
  return c_->command(array_, {fw::kTerminatePair, primary, 0, {}});
}
Result<std::string> RemoteCopy::query_pair(uint16_t primary) {
  return c_->command(array_, {fw::kQueryPair, primary, 0, {}});
}
Result<std::string> RemoteCopy::state(uint16_t primary) {
  return c_->state(array_, Service::remote_pair, primary, 0);
}
Result<void> RemoteCopy::wait_state(uint16_t primary, const std::string& want, SimTime timeout) {
  return c_->wait_state(array_, Service::remote_pair, primary, 0, want, timeout);
}
Result<std::string> RemoteCopy::define_bridge(uint16_t data_volume, uint16_t status_volume,
                                              bool secondary_side) {
  return c_->command(
      array_, {fw::kDefineBridge, data_volume, status_volume, {secondary_side ? 1u : 0u, 0, 0}});
}
Result<std::string> RemoteCopy::establish_bridge(uint16_t data_volume, uint16_t remote_data_volume,
                                                 uint32_t data_link, uint32_t status_link,
                                                 uint16_t remote_status_volume) {
  return c_->command(array_, {fw::kEstablishBridge,
                              data_volume,
                              remote_data_volume,
                              {data_link, status_link, remote_status_volume}});
}
Result<std::string> RemoteCopy::remove_bridge(uint16_t data_volume) {
  return c_->command(array_, {fw::kRemoveBridge, data_volume, 0, {}});
}
Result<std::string> RemoteCopy::query_bridge(uint16_t data_volume) {
  return c_->command(array_, {fw::kQueryBridge, data_volume, 0, {}});
}

}  // namespace copysim::driver
