#include "systemc/storage/geometry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <vector>

#include "rtl/checkcode/stored_block.h"

namespace copysim::sc {
namespace {

// Primary cylinders of each model (shared/reference/dasd_3390_geometry.csv).
constexpr Ckd3390Model kModels[] = {
    {"3390-1", 1113},  {"3390-2", 2226},   {"3390-3", 3339},
    {"3390-9", 10017}, {"3390-27", 32760}, {"3390-54", 65520},
};

uint32_t blocks_for(uint32_t bytes) {
  return static_cast<uint32_t>((bytes + checkcode::kUserDataBytes - 1) / checkcode::kUserDataBytes);
}

}  // namespace

std::span<const Ckd3390Model> ckd_3390_models() { return kModels; }

VolumeGeometry ckd_3390(std::string_view model) {
  for (const auto& m : kModels) {
    if (m.name == model) {
      return {VolumeKind::ckd,
              std::string(m.name),
              uint64_t{m.cylinders} * k3390TracksPerCylinder,
              k3390TrackBytes,
              blocks_for(k3390TrackBytes),
              k3390TracksPerCylinder};
    }
  }
  std::vector<std::string_view> names;
  for (const auto& m : kModels) names.push_back(m.name);
  throw std::invalid_argument(
      fmt::format("unknown 3390 model \"{}\"; known: {}", model, fmt::join(names, ", ")));
}

VolumeGeometry fba_volume(uint64_t tracks, uint32_t track_kib) {
  if (tracks == 0) throw std::invalid_argument("an FBA volume needs at least one track");
  if (track_kib == 0 || track_kib > 1024) {
    throw std::invalid_argument(fmt::format("FBA track size {} KiB is outside 1..1024", track_kib));
  }
  const uint32_t bytes = track_kib * 1024;
  return {VolumeKind::fba, "FBA", tracks, bytes, blocks_for(bytes), 1};
}

}  // namespace copysim::sc
