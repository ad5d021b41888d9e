// `copysim config`: every key the array, topology, link, link adapter and
// firmware descriptions write has a unit and a source in the one table
// (tools/copysim/config/parameter_docs.cpp), and the table names no key
// they do not write; the JSON form reads back as the same configuration;
// values a file sets are marked; a bad file is named in the error; and
// docs/CONFIGURATION.md is the command's own Markdown, byte for byte.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "systemc/array/array_config.h"
#include "tools/copysim/config/describe.h"
#include "tools/copysim/config/parameter_docs.h"

namespace fs = std::filesystem;
namespace config = copysim::config;
using nlohmann::json;

namespace {

const std::string kCopysim = COPYSIM_BINARY;
const std::string kSource = COPYSIM_SOURCE_DIR;

struct Outcome {
  int exit = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `copysim ARGS` in the source folder, so that file names are as a
// user types them.
Outcome run_copysim(const std::string& args) {
  const fs::path err_file =
      fs::temp_directory_path() / ("copysim-config-test-" + std::to_string(::getpid()) + ".err");
  Outcome o;
  const std::string command =
      "cd '" + kSource + "' && '" + kCopysim + "' " + args + " 2>'" + err_file.string() + "'";
  FILE* p = ::popen(command.c_str(), "r");
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) o.out.append(buf, n);
  const int status = ::pclose(p);
  o.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  std::stringstream s;
  s << in.rdbuf();
  o.err = s.str();
  fs::remove(err_file);
  return o;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_file(const std::string& name, const std::string& text) {
  const fs::path d =
      fs::temp_directory_path() / ("copysim-config-test-" + std::to_string(::getpid()));
  fs::create_directories(d);
  const fs::path f = d / name;
  std::ofstream(f, std::ios::binary) << text;
  return f.string();
}

// A topology using every key: an array with both kinds of volume group and
// every firmware setting, one read from a file (with no volumes), a link
// with its adapter, and a host with mapped volumes.
std::string full_topology() {
  const json plain = {{"name", "plain"}, {"drives", 8}};
  const std::string array_file = temp_file("plain.json", plain.dump());
  const json t = {
      {"arrays",
       {{{"name", "primary"},
         {"config",
          {{"volumes",
            {{{"first_device", "0x1000"}, {"count", 2}, {"model", "3390-9"}},
             {{"first_device", "0x2000"}, {"model", "FBA"}, {"tracks", 10}, {"track_kib", 16}}}}}},
         {"firmware", {{"master_tcbs", 8}, {"transfer", {{"group_tracks", 4}}}}}},
        {{"name", "secondary"}, {"config", array_file}}}},
      {"link",
       {{"primary", "primary"},
        {"secondary", "secondary"},
        {"distance_km", 50},
        {"adapter", {{"fcp", {{"buffers", 32}}}}}}},
      {"hosts",
       {{{"name", "app"},
         {"ports",
          {{{"array", "primary"},
            {"port", 1},
            {"volumes", json::array({"0x1000", "0x2000"})}}}}}}}};
  return temp_file("full_topology.json", t.dump(2));
}

const config::Row* row(const config::Description& d, const std::string& key) {
  for (const auto& s : d.sections) {
    for (const auto& r : s.rows) {
      if (r.key == key) return &r;
    }
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_key_written_is_documented_and_every_documented_key_written) {
  std::set<std::string> table;
  for (const auto& d : config::parameter_docs()) {
    BOOST_TEST(table.insert(std::string(d.key)).second, "twice in the table: " << d.key);
    BOOST_TEST(!d.unit.empty(), d.key);
    // shared/DESIGN.md, "Fidelity": a datasheet, a standard, or "assumed"
    // with the reasoning; or a key a file must give.
    bool sourced = false;
    for (std::string_view kind : {"datasheet: ", "standard: ", "assumed: ", "no default: "}) {
      sourced = sourced || (d.source.starts_with(kind) && d.source.size() > kind.size() + 10);
    }
    BOOST_TEST(sourced, d.key << ": the source is not a datasheet, a standard, an assumption "
                                 "with its reasoning, or \"no default\": "
                              << d.source);
  }
  std::set<std::string> written;
  for (const config::Description& d :
       {config::describe_defaults(), config::describe_file(full_topology())}) {
    for (const auto& s : d.sections) {
      for (const auto& r : s.rows) {
        written.insert(r.doc_key);
        BOOST_TEST(config::find_parameter_doc(r.doc_key) != nullptr,
                   r.key << " (" << r.doc_key
                         << ") is written but has no unit or source in "
                            "tools/copysim/config/parameter_docs.cpp; add it there and "
                            "regenerate docs/CONFIGURATION.md");
      }
    }
  }
  for (const auto& key : table) {
    BOOST_TEST(written.count(key) == 1u,
               key << " is in tools/copysim/config/parameter_docs.cpp, but no description "
                      "writes it; remove it from the table");
  }
}

BOOST_AUTO_TEST_CASE(an_array_description_printed_as_json_reads_back_the_same) {
  const Outcome o = run_copysim("config tools/arrays/midrange.json --format json");
  BOOST_REQUIRE_MESSAGE(o.exit == 0, o.err);
  const json printed = json::parse(o.out);
  const auto again = copysim::sc::ArrayConfig::from_json(printed);
  BOOST_TEST(again.to_json() == printed);
  const auto original =
      copysim::sc::ArrayConfig::from_file(kSource + "/tools/arrays/midrange.json");
  BOOST_TEST(original.to_json() == printed);
  BOOST_TEST(printed["volumes"].size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_topology_printed_as_json_describes_itself) {
  const config::Description d = config::describe_file(full_topology());
  const std::string printed = temp_file("printed.json", d.document.dump());
  const config::Description again = config::describe_file(printed);
  BOOST_TEST(again.document == d.document);
  // Every value of the printed topology is set in it.
  for (const auto& s : again.sections) {
    for (const auto& r : s.rows) BOOST_TEST(r.set_in == printed, r.key);
  }
}

BOOST_AUTO_TEST_CASE(values_the_file_sets_are_marked_and_the_rest_are_defaults) {
  const std::string midrange = kSource + "/tools/arrays/midrange.json";
  const config::Description a = config::describe_file(midrange);
  BOOST_TEST(a.kind == "array description");
  BOOST_REQUIRE(row(a, "/drive/rpm") != nullptr);
  BOOST_TEST(row(a, "/drive/rpm")->set_in == midrange);
  BOOST_REQUIRE(row(a, "/drive/queue_depth") != nullptr);
  BOOST_TEST(row(a, "/drive/queue_depth")->set_in.empty());
  BOOST_TEST(row(a, "/drive/queue_depth")->value == 32);

  const config::Description t = config::describe_file(full_topology());
  BOOST_TEST(t.kind == "topology");
  BOOST_REQUIRE(row(t, "/arrays/0/firmware/master_tcbs") != nullptr);
  BOOST_TEST(!row(t, "/arrays/0/firmware/master_tcbs")->set_in.empty());
  BOOST_TEST(row(t, "/arrays/0/firmware/mirror_tcbs")->set_in.empty());
  // A description read from its own file is marked with that file.
  BOOST_TEST(row(t, "/arrays/1/config/drives")->set_in.ends_with("plain.json"));
  BOOST_TEST(row(t, "/arrays/1/config/drives")->value == 8);
  BOOST_TEST(row(t, "/arrays/1/config/volumes")->value == json::array());
  BOOST_TEST(row(t, "/link/bb_credits")->set_in.empty());
  BOOST_TEST(row(t, "/link/distance_km")->default_value == 0.0);
  BOOST_TEST(row(t, "/hosts/0/ports/0/volumes")->value == json::array({"0x1000", "0x2000"}));

  // A scenario's values name their line.
  const config::Description s =
      config::describe_file(kSource + "/tools/scenarios/remote_writes_at_distance.yaml");
  BOOST_TEST(s.kind == "scenario");
  BOOST_REQUIRE(row(s, "/link/distance_km") != nullptr);
  BOOST_TEST(row(s, "/link/distance_km")->value == 100.0);
  BOOST_TEST(row(s, "/link/distance_km")->set_in.find("remote_writes_at_distance.yaml:") !=
             std::string::npos);

  const Outcome table = run_copysim("config tools/arrays/midrange.json");
  BOOST_REQUIRE_MESSAGE(table.exit == 0, table.err);
  BOOST_TEST(table.out.find("/drive/rpm") != std::string::npos);
  BOOST_TEST(table.out.find("set in tools/arrays/midrange.json") != std::string::npos);
  BOOST_TEST(table.out.find("assumed: the usual SAS tagged-queue depth") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_bad_file_is_named_in_the_error) {
  const std::string bad_key = temp_file("bad_key.json", R"({"drive": {"rpm": 5}})");
  const std::string bad_json = temp_file("bad_json.json", R"({"drive": )");
  const std::string bad_topology =
      temp_file("bad_topology.json", R"({"arrays": [{"name": "a", "config": {"drives": 5}}]})");
  const std::string bad_scenario =
      temp_file("bad_scenario.yaml", "arrays:\n  - name: a\n    config: {drive: {rpmm: 3}}\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"no_such_file.json", "no_such_file.json: cannot read the file"},
      {bad_key, bad_key + ": /drive/rpm: 5 is outside"},
      {bad_json, bad_json + ": not JSON"},
      {bad_topology, bad_topology + ": /arrays/0/config/drives: 5 drives"},
      {bad_scenario, bad_scenario + ":3:"},
  };
  for (const auto& [file, message] : cases) {
    BOOST_TEST_CONTEXT(file) {
      const Outcome o = run_copysim("config '" + file + "'");
      BOOST_TEST(o.exit == 2);
      BOOST_TEST(o.out.empty());
      BOOST_TEST(o.err.starts_with("copysim config: " + message), o.err);
    }
  }
  BOOST_TEST(run_copysim("config tools/arrays/midrange.json --format xml").exit != 0);
}

// Registered alone as copysim_config_doc (label lint).
BOOST_AUTO_TEST_CASE(configuration_md_is_the_output_of_copysim_config) {
  const Outcome o = run_copysim("config --format markdown");
  BOOST_REQUIRE_MESSAGE(o.exit == 0, o.err);
  const std::string doc = slurp(kSource + "/docs/CONFIGURATION.md");
  std::size_t line = 1, at = 0;
  while (at < doc.size() && at < o.out.size() && doc[at] == o.out[at]) {
    if (doc[at] == '\n') ++line;
    ++at;
  }
  BOOST_TEST(doc == o.out,
             "docs/CONFIGURATION.md differs from `copysim config --format markdown` from line "
                 << line
                 << " on; regenerate it with\n"
                    "  build/default/tools/copysim config --format markdown > "
                    "docs/CONFIGURATION.md");
}
