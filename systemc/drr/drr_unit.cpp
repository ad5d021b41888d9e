#include "systemc/drr/drr_unit.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/ranges.h>

#include "rtl/drr/drr_stepper.h"
#include "rtl/drr/drr_transfer.h"
#include "rtl/drr/drr_unit_model.h"
#include "systemc/common/sim_time.h"
#include "systemc/drr/drr_wave.h"
#include "systemc/log/log.h"

namespace copysim::sc {

using checkcode::kStoredBlockBytes;

namespace {

constexpr std::string_view kImplementationNames[] = {"rtl", "model", "fast"};

void check_probability(double p, std::string_view field) {
  if (!(p >= 0.0 && p < 1.0)) {
    throw std::invalid_argument(fmt::format("drr unit {}={}: must be in [0, 1)", field, p));
  }
}

}  // namespace

std::string_view to_string(DrrImplementation implementation) {
  return kImplementationNames[static_cast<std::size_t>(implementation)];
}

std::optional<DrrImplementation> parse_drr_implementation(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kImplementationNames); ++i) {
    if (kImplementationNames[i] == name) return static_cast<DrrImplementation>(i);
  }
  return std::nullopt;
}

void DrrUnit::validate(const Config& config) {
  if (!(config.clock_mhz > 0.0 && config.clock_mhz <= 1e6)) {
    throw std::invalid_argument(
        fmt::format("drr unit clock_mhz={}: must be in (0, 1000000]", config.clock_mhz));
  }
  if (!drr::valid_data_bytes(config.data_bytes)) {
    throw std::invalid_argument(
        fmt::format("drr unit data_bytes={}: must be a power of two in 8..512", config.data_bytes));
  }
  check_probability(config.in_gap_probability, "in_gap_probability");
  check_probability(config.out_stall_probability, "out_stall_probability");
  const bool stalls = config.in_gap_probability > 0.0 || config.out_stall_probability > 0.0;
  if (stalls && config.implementation == DrrImplementation::fast) {
    throw std::invalid_argument(
        "drr unit random stalls need a stepped implementation (rtl or model), not fast");
  }
  if (!config.wave_file.empty() && config.implementation != DrrImplementation::rtl) {
    throw std::invalid_argument(fmt::format("drr unit wave_file needs implementation rtl, not {}",
                                            to_string(config.implementation)));
  }
  if (config.implementation == DrrImplementation::rtl) {
    const auto widths = drr::drr_rtl_widths();
    if (std::find(widths.begin(), widths.end(), config.data_bytes) == widths.end()) {
      throw std::invalid_argument(
          fmt::format("drr unit data_bytes={}: the rtl implementation is built for {}",
                      config.data_bytes, fmt::join(widths, " and ")));
    }
  }
}

DrrUnit::DrrUnit(const sc_core::sc_module_name& name, Config config)
    : sc_core::sc_module(name), config_(std::move(config)), stall_rng_(config_.stall_seed) {
  validate(config_);
  // Whole, even picoseconds so that both clock phases land on the time grid.
  period_ps_ = 2 * static_cast<uint64_t>(std::llround(1e6 / config_.clock_mhz / 2.0));
  period_ = sc_core::sc_time(static_cast<double>(period_ps_), sc_core::SC_PS);
  switch (config_.implementation) {
    case DrrImplementation::rtl: {
      auto rtl = drr::make_drr_unit_rtl(config_.data_bytes, period_ps_);
      rtl_ = rtl.get();
      pins_ = std::move(rtl);
      break;
    }
    case DrrImplementation::model:
      pins_ = std::make_unique<drr::DrrUnitModel>(config_.data_bytes);
      break;
    case DrrImplementation::fast:
      break;
  }
  SC_HAS_PROCESS(DrrUnit);
  SC_THREAD(power_on);
}

DrrUnit::~DrrUnit() = default;

void DrrUnit::start_of_simulation() {
  if (rtl_ != nullptr && !config_.wave_file.empty()) {
    rtl_->open_wave(config_.wave_file);
    write_gtkwave_save_file(config_.wave_file + ".gtkw", config_.wave_file,
                            drr_unit_wave_groups(config_.data_bytes));
    log_info(*this, "waveform {} (GTKWave: gtkwave {}.gtkw)", config_.wave_file, config_.wave_file);
  }
}

void DrrUnit::close_wave() {
  if (rtl_ != nullptr) rtl_->close_wave();
}

// One reset cycle at power on, so the stepped implementations start from
// their reset state; every implementation pays it, keeping timing identical.
void DrrUnit::power_on() {
  if (pins_) {
    drr::DrrInputs reset;
    reset.rst = true;
    pins_->evaluate(reset);
    pins_->clock_edge();
  }
  wait(period_);
  powered_on_ = true;
  powered_on_event_.notify(sc_core::SC_ZERO_TIME);
}

bool DrrUnit::chance(double probability) {
  if (probability <= 0.0) return false;
  // Integer threshold: the same seed gives the same stalls on every platform.
  const auto threshold = static_cast<uint64_t>(probability * 18446744073709551616.0);
  return stall_rng_() < threshold;
}

drr::DrrStatus DrrUnit::transfer(const drr::DrrCommand& cmd, std::span<const uint8_t> in,
                                 std::span<uint8_t> out) {
  const std::size_t bytes = std::size_t{cmd.block_count} * kStoredBlockBytes;
  if (in.size() != bytes || out.size() != bytes) {
    throw std::invalid_argument(
        fmt::format("{}: transfer of {} blocks needs {} bytes in and out, got {} and {}", name(),
                    cmd.block_count, bytes, in.size(), out.size()));
  }
  if (!powered_on_) wait(powered_on_event_);
  busy_.lock();

  drr::DrrStatus status;
  uint64_t cycles;
  if (pins_) {
    cycles = run_stepped(cmd, in, out, status);
  } else {
    status = drr::drr_transfer(cmd, in, out);
    cycles = drr::drr_transfer_cycles(cmd.block_count, config_.data_bytes);
  }
  wait(period_ * static_cast<double>(cycles));

  ++stats_.transfers;
  stats_.blocks += status.blocks;
  stats_.busy_cycles += cycles;
  stats_.cd_errors += status.cd_errors;
  stats_.la_errors += status.la_errors;
  log_debug(*this, "device {:#06x} block {} -> device {:#06x} block {}: {} blocks in {} cycles",
            cmd.source.device, cmd.source.block, cmd.target.device, cmd.target.block, status.blocks,
            cycles);
  if (status.cd_errors + status.la_errors > 0) {
    log_warning(*this,
                "device {:#06x} block {}: {} check-code and {} address errors, first at block "
                "{}; those blocks were not re-stamped",
                cmd.source.device, cmd.source.block, status.cd_errors, status.la_errors,
                status.first_bad);
  }
  busy_.unlock();
  return status;
}

// Steps the unit ahead of SystemC time (nothing else can observe it during
// the transfer); the caller then waits for the cycles it took in one step.
uint64_t DrrUnit::run_stepped(const drr::DrrCommand& cmd, std::span<const uint8_t> in,
                              std::span<uint8_t> out, drr::DrrStatus& status) {
  if (rtl_ != nullptr) {
    rtl_->advance_to_ps(now_ps());
  }
  drr::DrrStalls stalls;
  if (config_.in_gap_probability > 0.0) {
    stalls.in_gap = [this] { return chance(config_.in_gap_probability); };
  }
  if (config_.out_stall_probability > 0.0) {
    stalls.out_stall = [this] { return chance(config_.out_stall_probability); };
  }
  const drr::DrrStepResult result = drr::step_transfer(*pins_, cmd, in, out, stalls);
  status = result.status;
  return result.cycles;
}

}  // namespace copysim::sc
