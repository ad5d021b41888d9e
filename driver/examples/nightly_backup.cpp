// A nightly backup schedule (seed 003): precopy the volumes in staggered
// groups during the evening, ACTIVATE every clone at one instant, let the
// day's writes go on, and verify every destination is the source as it
// was at that instant.
#include <cstdio>
#include <vector>

#include "common.h"

using namespace copysim::driver;

int main(int argc, char** argv) {
  Connection c = example::connect(argc, argv, "backup");
  Clones clones = c.clones("primary");
  const std::vector<uint16_t> sources = {0x1000, 0x1001, 0x1002, 0x1003};
  auto destination = [](uint16_t s) { return static_cast<uint16_t>(s + 4); };

  // The day's data.
  for (uint16_t s : sources) {
    for (uint64_t b = 0; b < 2048; b += 256)
      c.write("primary", s, b, example::pattern(s, b, 64, 1)).value();
  }
  // Staggered precopy: two groups, 20 ms apart.
  for (std::size_t i = 0; i < sources.size(); ++i) {
    CloneOptions precopy;
    precopy.precopy = true;
    std::printf("%9.3f ms  %s\n", c.now()->ms(),
                clones.create(sources[i], destination(sources[i]), precopy).value().c_str());
    if (i % 2 == 1) c.advance(SimTime::from_ms(20)).value();
  }
  // Late writes while precopy runs: precopied tracks are copied again.
  for (uint16_t s : sources) c.write("primary", s, 512, example::pattern(s, 512, 32, 2)).value();
  c.advance(SimTime::from_ms(50)).value();

  // The backup instant: what each source holds now is what its clone must hold.
  std::vector<std::vector<uint8_t>> expected;
  for (uint16_t s : sources) expected.push_back(c.read("primary", s, 0, 2048).value());
  std::vector<Pending<std::string>> activations;
  for (uint16_t s : sources) activations.push_back(clones.activate_async(s, destination(s)));
  for (auto& a : activations)
    std::printf("%9.3f ms  %s\n", c.now()->ms(), a.wait().value().c_str());

  // The next day's writes begin at once; the clones must not see them.
  for (uint16_t s : sources) c.write("primary", s, 0, example::pattern(s, 0, 128, 3)).value();
  for (uint16_t s : sources)
    clones.wait_state(destination(s), "copied", SimTime::from_s(30)).value();

  int bad = 0;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto got = c.read("primary", destination(sources[i]), 0, 2048).value();
    const bool same = got == expected[i];
    bad += !same;
    std::printf("%9.3f ms  %#06x -> %#06x: %s; %s\n", c.now()->ms(), sources[i],
                destination(sources[i]), same ? "equal to the source at ACTIVATE" : "DIFFERENT",
                clones.query(sources[i], destination(sources[i])).value().c_str());
    clones.terminate(sources[i], destination(sources[i])).value();
  }
  std::printf("nightly backup: %zu volumes, %d mismatches\n", sources.size(), bad);
  return bad == 0 ? 0 : 1;
}
