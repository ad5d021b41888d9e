#include "systemc/drr/drr_wave.h"

#include <fmt/format.h>
#include <fmt/os.h>

#include <bit>
#include <filesystem>

namespace copysim::sc {

std::vector<WaveGroup> drr_unit_wave_groups(unsigned data_bytes) {
  const std::string u = "TOP.drr_unit.";
  const std::string data = fmt::format("[{}:0]", data_bytes * 8 - 1);
  // beat counts 0..512/data_bytes, as the RTL's $clog2(DATA_BEATS + 1).
  const std::string beat = fmt::format("[{}:0]", std::bit_width(512u / data_bytes) - 1);
  return {
      {"Clock and reset", {u + "clk", u + "rst"}},
      {"Command",
       {u + "cmd_valid", u + "cmd_ready", u + "cmd_src_device[15:0]", u + "cmd_src_block[31:0]",
        u + "cmd_dst_device[15:0]", u + "cmd_dst_block[31:0]", u + "cmd_block_count[31:0]"}},
      {"Input stream", {u + "in_valid", u + "in_ready", u + "in_data" + data}},
      {"Unit state",
       {u + "busy", u + "beat" + beat, u + "crc[15:0]", u + "blocks_left[31:0]",
        u + "src_block[31:0]", u + "dst_block[31:0]"}},
      {"Output stream",
       {u + "out_valid", u + "out_ready", u + "out_data" + data, u + "out_trailer",
        u + "out_cd_error", u + "out_la_error"}},
      {"Status",
       {u + "sts_valid", u + "sts_ready", u + "sts_blocks[31:0]", u + "sts_cd_errors[31:0]",
        u + "sts_la_errors[31:0]", u + "sts_first_bad[31:0]"}},
  };
}

void write_gtkwave_save_file(const std::string& gtkw_path, const std::string& dump_path,
                             const std::vector<WaveGroup>& groups) {
  // GTKWave trace flags: 0x22 hex, 0x28 binary, 0x200 comment (group label),
  // 0x800000 group begin, 0x1000000 group end.
  auto out = fmt::output_file(gtkw_path);
  out.print("[dumpfile] \"{}\"\n", std::filesystem::absolute(dump_path).string());
  out.print("[timestart] 0\n[size] 1400 800\n[signals_width] 300\n");
  for (const WaveGroup& group : groups) {
    out.print("@800200\n-{}\n", group.name);
    for (const std::string& signal : group.signals) {
      out.print("{}\n{}\n", signal.find('[') == std::string::npos ? "@28" : "@22", signal);
    }
    out.print("@1000200\n-{}\n", group.name);
  }
  out.close();
}

}  // namespace copysim::sc
