// The host driver's API, the same suite in-process and over the socket to
// `copysim serve`: host IO with the array's access rules, asynchronous
// calls, simulated time, local pairs, clones and their errors, events.
#include <boost/test/unit_test.hpp>

#include <copysim/driver.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "testbench/common/sc_fork.h"
#include "testbench/driver/server_process.h"

using namespace copysim::driver;
using copysim::testing::run_forked;
using copysim::testing::ServerProcess;
using nlohmann::json;

namespace {

const std::string kTopology = COPYSIM_SOURCE_DIR "/driver/examples/two_arrays.json";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<uint8_t> pattern(uint32_t blocks, uint8_t seed) {
  std::vector<uint8_t> d(blocks * 512);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(i * 7 + seed);
  return d;
}

std::string status(Status s) { return std::string(to_string(s)); }

// Everything the suite observes, as JSON; both transports must give the
// same text.
json suite(Connection& c) {
  json o;
  const auto volumes = c.volumes().value();
  o["volumes"] = volumes.size();
  o["first_volume"] = volumes.empty() ? 0 : volumes[0].device;

  const auto track = pattern(volumes[0].blocks_per_track, 9);
  o["track_write"] = status(c.write_track("primary", 0x1002, 3, track).status());
  o["track_read_equal"] = c.read_track("primary", 0x1002, 3).value() == track;
  o["track_short"] = status(c.write_track("primary", 0x1002, 3, pattern(1, 9)).status());

  const auto data = pattern(4, 1);
  o["write"] = status(c.write("primary", 0x1000, 10, data).status());
  o["read_back_equal"] = c.read("primary", 0x1000, 10, 4).value() == data;
  o["unmapped_read"] = status(c.read("primary", 0x1005, 0, 1).status());
  o["out_of_range"] = status(c.read("primary", 0x1000, 1u << 30, 1).status());
  o["partial_block_write"] =
      status(c.write("primary", 0x1000, 0, std::vector<uint8_t>(100)).status());
  o["no_such_array"] = status(c.read("nowhere", 0x1000, 0, 1).status());

  auto w = c.write_async("primary", 0x1001, 0, pattern(8, 2));
  auto r = c.read_async("primary", 0x1000, 10, 4);
  o["async_write"] = status(w.wait().status());
  o["async_read_equal"] = r.wait().value() == data;

  const SimTime t0 = c.now().value();
  c.advance(SimTime::from_ms(1)).value();
  o["advanced_ps"] = (c.now().value() - t0).ps;
  o["idle_event"] = status(c.next_event(SimTime::from_us(100)).status());

  LocalPairs pairs = c.local_pairs("primary");
  o["pair_create"] = status(pairs.create(0x1000, 0x1001, Pace::fast).status());
  o["pair_state"] = pairs.state(0x1000, 0x1001).value();
  o["pair_split"] = status(pairs.split(0x1000, 0x1001).status());
  o["pair_copied"] =
      status(pairs.wait_state(0x1000, 0x1001, "copied", SimTime::from_s(10)).status());
  const auto again = pairs.split(0x1000, 0x1001);
  o["split_again"] = {status(again.status()), again.ok() ? "" : again.error().message()};
  o["secondary_equal"] = c.read("primary", 0x1001, 10, 4).value() == data;
  json events = json::array();
  for (const Event& e : pairs.history(0x1000, 0x1001).value()) events.push_back(e.event);
  o["pair_history"] = events;

  Clones clones = c.clones("primary");
  CloneOptions precopy;
  precopy.precopy = true;
  o["clone_create"] = status(clones.create(0x1002, 0x1003, precopy).status());
  o["dest_before_activate"] = status(c.read("primary", 0x1003, 0, 1).status());
  o["activate"] = status(clones.activate(0x1002, 0x1003).status());
  const auto twice = clones.activate(0x1002, 0x1003);
  o["activate_twice"] = {status(twice.status()), twice.ok() ? "" : twice.error().message()};
  o["clone_copied"] = status(clones.wait_state(0x1003, "copied", SimTime::from_s(10)).status());
  o["terminate"] = status(clones.terminate(0x1002, 0x1003).status());

  json stream = json::array();
  for (;;) {
    const auto e = c.next_event(SimTime::from_us(1));
    if (!e) break;
    stream.push_back(std::to_string(e->sequence) + " " + std::string(to_string(e->service)) + " " +
                     e->event);
  }
  o["events"] = stream;
  o["unknown_command"] = status(c.command("primary", {0x0999, 0, 0, {}}).status());
  o["statistics_has_volumes"] = json::parse(c.statistics("primary").value()).contains("volumes");
  o["end_time_ps"] = c.now().value().ps;
  return o;
}

json in_process() {
  return json::parse(run_forked([] {
    auto c = Connection::in_process(read_file(kTopology), "app").value();
    return suite(c).dump();
  }));
}

json over_socket() {
  ServerProcess server(kTopology, "api");
  auto c = Connection::unix_socket(server.socket(), "app").value();
  return suite(c);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_same_suite_passes_in_process_and_over_the_socket) {
  const json a = in_process();
  const json b = over_socket();
  BOOST_TEST_MESSAGE("in-process: " << a.dump());
  BOOST_TEST(a.dump() == b.dump());
  BOOST_TEST(a["volumes"] == 4);
  BOOST_TEST(a["track_write"] == "ok");
  BOOST_TEST(a["track_read_equal"] == true);
  BOOST_TEST(a["track_short"] == "bad buffer");
  BOOST_TEST(a["write"] == "ok");
  BOOST_TEST(a["read_back_equal"] == true);
  BOOST_TEST(a["unmapped_read"] == "no such volume");
  BOOST_TEST(a["out_of_range"] == "out of range");
  BOOST_TEST(a["partial_block_write"] == "bad buffer");
  BOOST_TEST(a["no_such_array"] == "no such array");
  BOOST_TEST(a["async_write"] == "ok");
  BOOST_TEST(a["async_read_equal"] == true);
  BOOST_TEST(a["advanced_ps"] == 1'000'000'000u);
  BOOST_TEST(a["idle_event"] == "timed out");
  BOOST_TEST(a["pair_create"] == "ok");
  BOOST_TEST(a["pair_state"] == "paired not copied");
  BOOST_TEST(a["pair_copied"] == "ok");
  BOOST_TEST(a["split_again"][0] == "invalid state");
  BOOST_TEST(a["split_again"][1].get<std::string>().find("is copied") != std::string::npos);
  BOOST_TEST(a["secondary_equal"] == true);
  BOOST_TEST(a["pair_history"].size() >= 4u);
  BOOST_TEST(a["clone_create"] == "ok");
  BOOST_TEST(a["dest_before_activate"] == "not ready");
  BOOST_TEST(a["activate"] == "ok");
  BOOST_TEST(a["activate_twice"][0] == "invalid state");
  BOOST_TEST(a["activate_twice"][1] == "ACTIVATE refused: session 1 is already active");
  BOOST_TEST(a["clone_copied"] == "ok");
  BOOST_TEST(a["terminate"] == "ok");
  // wait_state read the stream up to its state; what is left ends with the
  // clone's TERMINATE.
  BOOST_REQUIRE(!a["events"].empty());
  const std::string last = a["events"].back();
  BOOST_TEST(last.find("clone terminate") != std::string::npos);
  BOOST_TEST(a["unknown_command"] == "unknown command");
  BOOST_TEST(a["statistics_has_volumes"] == true);
}

BOOST_AUTO_TEST_CASE(the_example_programs_run_in_process_and_over_the_socket) {
  for (const char* example : {EXAMPLE_NIGHTLY_BACKUP, EXAMPLE_DR_DRILL}) {
    BOOST_TEST_CONTEXT(example) {
      const std::string in_process = std::string(example) + " " + kTopology + " > /dev/null";
      BOOST_TEST(std::system(in_process.c_str()) == 0);
      ServerProcess server(kTopology, "example");
      const std::string socket =
          std::string(example) + " --socket " + server.socket() + " > /dev/null";
      BOOST_TEST(std::system(socket.c_str()) == 0);
    }
  }
}
