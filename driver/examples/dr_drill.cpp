// A disaster-recovery drill (remote copy): pair a volume with the other
// array, suspend the pair as a drill begins, keep writing, resume, and
// verify the secondary caught up, reading it on the recovery site.
#include <cstdio>

#include "common.h"

using namespace copysim::driver;

int main(int argc, char** argv) {
  Connection c = example::connect(argc, argv, "dr-admin");
  RemoteCopy remote = c.remote_copy("primary");
  const uint16_t primary = 0x1000, secondary = 0x2000;

  c.write("primary", primary, 0, example::pattern(primary, 0, 256, 1)).value();
  std::printf("%9.3f ms  %s\n", c.now()->ms(), remote.establish_path().value().c_str());
  std::printf("%9.3f ms  %s\n", c.now()->ms(),
              remote.establish_pair(primary, secondary).value().c_str());
  remote.wait_state(primary, "full duplex", SimTime::from_s(10)).value();
  std::printf("%9.3f ms  full duplex\n", c.now()->ms());

  // The drill: the pair is suspended; the application keeps writing.
  std::printf("%9.3f ms  %s\n", c.now()->ms(), remote.suspend_pair(primary).value().c_str());
  for (uint64_t b = 0; b < 2048; b += 128) {
    c.write("primary", primary, b, example::pattern(primary, b, 16, 2)).value();
  }
  // The secondary refuses host writes all along.
  const auto refused = c.write("secondary", secondary, 0, example::pattern(secondary, 0, 1, 9));
  std::printf("%9.3f ms  write to the secondary: %s\n", c.now()->ms(),
              refused.ok() ? "accepted (wrong)" : refused.error().what());

  std::printf("%9.3f ms  %s\n", c.now()->ms(), remote.resume_pair(primary).value().c_str());
  remote.wait_state(primary, "full duplex", SimTime::from_s(10)).value();
  const auto p = c.read("primary", primary, 0, 2048).value();
  const auto s = c.read("secondary", secondary, 0, 2048).value();
  std::printf("%9.3f ms  secondary %s the primary\n", c.now()->ms(),
              p == s ? "equals" : "DIFFERS FROM");
  for (const Event& e : c.history("primary", Service::remote_pair, primary).value()) {
    std::printf("%9.3f ms  pair %#06x: %s (%s -> %s)\n", e.time.ms(), e.source, e.event.c_str(),
                e.from.c_str(), e.to.c_str());
  }
  return p == s && !refused.ok() ? 0 : 1;
}
