// The array description: defaults, strictness, error messages that name the
// JSON path, geometry against the published 3390 figures, and an array of
// 1,024 3390-3 volumes that configures without allocating their capacity.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "systemc/array/storage_array.h"
#include "systemc/config/json_reader.h"
#include "testbench/common/sc_fork.h"

using namespace copysim::sc;
using copysim::testing::run_forked;
using nlohmann::json;

namespace {

std::string arg(int i) {
  auto& suite = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE_MESSAGE(suite.argc > i, "usage: array_config_test -- SHARED_DIR TOOLS_DIR");
  return suite.argv[i];
}

// The ConfigError message for `text`, or "" if it is accepted.
std::string error_of(const std::string& text) {
  try {
    ArrayConfig::from_json(json::parse(text));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_empty_description_is_a_complete_default_array) {
  const ArrayConfig c = ArrayConfig::from_json(json::object());
  // Device numbers are hex with 0x, or decimal; "0100" is one hundred.
  BOOST_TEST(ArrayConfig::from_json(json::parse(R"({"volumes": [{"first_device": "0x0100"}]})"))
                 .volumes[0]
                 .first_device == 0x0100);
  BOOST_TEST(ArrayConfig::from_json(json::parse(R"({"volumes": [{"first_device": "0100"}]})"))
                 .volumes[0]
                 .first_device == 100);
  BOOST_TEST(c.cache.slots == 4096u);
  BOOST_TEST(c.host_adapters.port_speed == "16GFC");
  BOOST_TEST(c.drive.rpm == 15000.0);
  // Written out with every default, it reads back to the same description.
  const json full = c.to_json();
  BOOST_TEST(ArrayConfig::from_json(full).to_json() == full);
}

BOOST_AUTO_TEST_CASE(the_shipped_description_validates_and_round_trips) {
  const ArrayConfig c = ArrayConfig::from_file(arg(2) + "/arrays/midrange.json");
  BOOST_TEST(c.volumes.size() == 2u);
  BOOST_TEST(c.volumes[1].first_device == 0x2000);
  BOOST_TEST(ArrayConfig::from_json(c.to_json()).to_json() == c.to_json());
}

BOOST_AUTO_TEST_CASE(bad_descriptions_are_refused_naming_the_path_and_the_rule) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"cache": {"slotz": 5}})", "/cache/slotz: unknown key"},
      {R"({"colour": "red"})", "/colour: unknown key"},
      {R"({"drives": "many"})", "/drives: expected a non-negative integer"},
      {R"({"drives": -3})", "/drives: expected a non-negative integer"},
      {R"({"cache": {"write_pending_limit": 0}})", "/cache/write_pending_limit: 0 is outside"},
      {R"({"cache": []})", "/cache: expected an object"},
      {R"({"processors": {"count": 0}})", "/processors/count: 0 is outside [1, 1024]"},
      {R"({"host_adapters": {"port_speed": "10GFC"}})", "/host_adapters/port_speed: \"10GFC\""},
      {R"({"volumes": [{"model": "3390-4"}]})", "/volumes/0/model: unknown 3390 model"},
      {R"({"volumes": [{"model": "FBA"}]})", "/volumes/0/tracks: an FBA volume group needs"},
      {R"({"volumes": [{"model": "3390-3", "tracks": 5}]})", "/volumes/0/tracks: 3390 volumes"},
      {R"({"volumes": [{"track_kib": 32}]})", "/volumes/0/track_kib: 3390 volumes"},
      {R"({"volumes": [{"model": "FBA", "tracks": 40000000}]})", "exceed 2^32 blocks"},
      {R"({"volumes": [{"first_device": ""}]})", "/volumes/0/first_device: \"\""},
      {R"({"volumes": [{"first_device": " 0x10"}]})", "/volumes/0/first_device"},
      {R"({"volumes": [{"first_device": "-0"}]})", "/volumes/0/first_device"},
      {R"({"disk_adapters": {"drr": {"data_bytes": 24}}})", "/disk_adapters/drr/data_bytes:"},
      {R"({"volumes": [{"first_device": "0x1zz"}]})", "/volumes/0/first_device: \"0x1zz\""},
      {R"({"volumes": [{"first_device": "0xfff0", "count": 32}]})", "/volumes/0/count:"},
      {R"({"volumes": {"model": "FBA"}})", "/volumes: expected an array"},
      {R"({"drive": {"full_stroke_ms": 0.1}})", "/drive/full_stroke_ms: must not be shorter"},
      {R"({"disk_adapters": {"drr": {"implementation": "verilog"}}})",
       "/disk_adapters/drr/implementation: expected rtl, model or fast"},
      {R"({"cache": {"port": {"width_bytes": 0}}})", "/cache/port/width_bytes: 0 is outside"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string message = error_of(text);
    BOOST_TEST(contains(message, expected), text << " gave \"" << message << "\"");
  }
}

BOOST_AUTO_TEST_CASE(a_syntax_error_names_the_file_line_and_column) {
  const std::string path = "array_config_test_bad.json";
  std::ofstream(path) << "{\n  \"drives\": 4,\n  \"cache\": {\"slots\": }\n}\n";
  try {
    ArrayConfig::from_file(path);
    BOOST_FAIL("accepted a file with a syntax error");
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    BOOST_TEST(contains(m, path), m);
    BOOST_TEST(contains(m, "line 3"), m);
    BOOST_TEST(contains(m, "column"), m);
  }
  BOOST_CHECK_THROW(ArrayConfig::from_file("no_such_file.json"), ConfigError);
}

BOOST_AUTO_TEST_CASE(geometry_agrees_with_the_published_3390_figures) {
  std::ifstream csv(arg(1) + "/reference/dasd_3390_geometry.csv");
  BOOST_REQUIRE(csv);
  int checked = 0;
  for (std::string line; std::getline(csv, line);) {
    if (line.empty() || line[0] == '#' || line.rfind("3390-A", 0) == 0) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    const VolumeGeometry g = ckd_3390(f[0]);
    BOOST_TEST_CONTEXT(f[0]) {
      BOOST_TEST(g.tracks == std::stoull(f[1]) * 15);
      BOOST_TEST(g.tracks_per_cylinder == std::stoul(f[3]));
      BOOST_TEST(g.track_bytes == std::stoul(f[4]));
      BOOST_TEST(g.tracks == std::stoull(f[6]));
      BOOST_TEST(g.blocks_per_track == 111u);
    }
    ++checked;
  }
  BOOST_TEST(checked == 6);
  BOOST_TEST(fba_volume(10).blocks_per_track == 128u);
  BOOST_CHECK_THROW(ckd_3390("3390-4"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(volumes_that_do_not_fit_or_collide_are_refused_when_the_array_is_built) {
  const std::string too_big = run_forked([] {
    try {
      StorageArray a("array", ArrayConfig::from_json(json::parse(R"({
        "drives": 1, "drive": {"cylinders": 1000},
        "parity_group": {"raid": "raid0", "data_drives": 1},
        "volumes": [{"first_device": 1, "count": 2, "model": "3390-3"}]})")));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  });
  BOOST_TEST(contains(too_big, "device 0x0002"), too_big);  // the first one fits
  BOOST_TEST(contains(too_big, "does not fit"), too_big);
  const std::string twice = run_forked([] {
    try {
      StorageArray a("array", ArrayConfig::from_json(json::parse(R"({
        "volumes": [{"first_device": 16, "count": 4, "model": "3390-1"},
                    {"first_device": 18, "count": 1, "model": "3390-1"}]})")));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  });
  BOOST_TEST(contains(twice, "device 0x0012 is configured twice"), twice);
}

BOOST_AUTO_TEST_CASE(an_array_of_1024_3390_3_volumes_configures_without_allocating_them) {
  const json r = json::parse(run_forked([] {
    ArrayConfig c = ArrayConfig::from_json(json::parse(R"({
      "volumes": [{"first_device": "0x1000", "count": 1024, "model": "3390-3"}]})"));
    StorageArray array("array", c);
    uint64_t capacity = 0, stored = 0;
    for (uint16_t d : array.devices()) capacity += array.volume(d)->geometry.capacity_bytes();
    for (std::size_t i = 0; i < c.drives; ++i) stored += array.drive(i).stored_blocks();
    return json{{"volumes", array.devices().size()},
                {"capacity", capacity},
                {"stored", stored},
                {"shm_used", array.shared_memory().used()}}
        .dump();
  }));
  BOOST_TEST(r["volumes"] == 1024);
  BOOST_TEST(r["capacity"].get<uint64_t>() == 1024ull * 50085 * 56664);  // 2.9 TB
  BOOST_TEST(r["stored"] == 0);
  BOOST_TEST(r["shm_used"] == 4096 * 64 + 1024 * 256);
}
