// What both example programs share: connecting the way the command line
// says (a topology file in-process, or --socket PATH to `copysim serve`),
// and recognizable block contents.
#pragma once

#include <copysim/driver.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace example {

inline copysim::driver::Connection connect(int argc, char** argv, const std::string& host) {
  using copysim::driver::Connection;
  if (argc == 3 && std::string(argv[1]) == "--socket") {
    return Connection::unix_socket(argv[2], host).value();
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s TOPOLOGY.json | --socket PATH\n", argv[0]);
    std::exit(2);
  }
  std::ifstream in(argv[1]);
  std::stringstream topology;
  topology << in.rdbuf();
  return Connection::in_process(topology.str(), host).value();
}

// `blocks` blocks whose bytes say which volume, block and generation they are.
inline std::vector<uint8_t> pattern(uint16_t device, uint64_t block, uint32_t blocks,
                                    uint32_t generation) {
  std::vector<uint8_t> data(std::size_t{blocks} * 512);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const uint64_t b = block + i / 512;
    data[i] = static_cast<uint8_t>((device * 31 + b * 7 + generation * 13 + i) & 0xff);
  }
  return data;
}

}  // namespace example
