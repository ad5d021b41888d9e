// The GTKWave save file for a drr_unit waveform: opens the dump with the
// unit's interfaces grouped (clock and reset, command, input stream, output
// stream, status) in the order a reader follows a transfer.
#pragma once

#include <string>
#include <vector>

namespace copysim::sc {

struct WaveGroup {
  std::string name;
  std::vector<std::string> signals;  // as GTKWave names them, "scope.name[msb:lsb]"
};

std::vector<WaveGroup> drr_unit_wave_groups(unsigned data_bytes);

// Writes `gtkw_path` for `dump_path` showing `groups`; throws on I/O error.
void write_gtkwave_save_file(const std::string& gtkw_path, const std::string& dump_path,
                             const std::vector<WaveGroup>& groups);

}  // namespace copysim::sc
