// The description of one array, from which the array is built: every
// hardware parameter is a typed member named after its JSON key, with the
// default a mid-range enterprise array would have (docs/PLATFORM.md lists
// them with units).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "systemc/cache/cache.h"
#include "systemc/cpu/processors.h"
#include "systemc/disk_adapter/disk_adapter.h"
#include "systemc/host_adapter/host_adapter.h"
#include "systemc/shm/shared_memory.h"
#include "systemc/storage/drive.h"
#include "systemc/storage/parity_group.h"

namespace copysim::sc {

struct VolumeGroupConfig {
  uint16_t first_device = 0;
  uint32_t count = 1;
  std::string model = "3390-3";  // a 3390 model, or "FBA"
  uint64_t tracks = 0;           // FBA only
  uint32_t track_kib = 64;       // FBA only
};

struct ArrayConfig {
  std::string name = "array";
  ProcessorConfig processors;
  SharedMemoryConfig shared_memory;
  CacheConfig cache;
  HostAdapterConfig host_adapters;
  DiskAdapterConfig disk_adapters;
  uint32_t drives = 16;  // in parity groups of parity_group.width() each
  DriveConfig drive;
  ParityGroupConfig parity_group;
  std::vector<VolumeGroupConfig> volumes;

  // Strict: unknown keys and out-of-range values throw ConfigError naming
  // the JSON path. Keys left out keep their defaults.
  static ArrayConfig from_json(const nlohmann::json& description);
  // Reads a file; a syntax error names the file, line and column.
  static ArrayConfig from_file(const std::string& path);
  // Every member, defaults filled in.
  nlohmann::json to_json() const;
};

}  // namespace copysim::sc
