// A remote write end to end: host data written to the primary array, gathered
// from its cache by the link adapter's DMA engine, sent over one of two
// links as seed 001 writes, checked and stamped at the secondary, and read
// back there by a host.
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <vector>

#include <nlohmann/json.hpp>

#include "systemc/array/storage_array.h"
#include "systemc/link_adapter/link_adapter.h"
#include "systemc/link_adapter/remote_commit.h"
#include "testbench/common/host_data.h"
#include "testbench/common/sc_fork.h"

using namespace copysim;
using namespace copysim::sc;
using copysim::testing::fill_user_block;
using copysim::testing::run_forked;
using nlohmann::json;

namespace {

json array_description(const char* first_device) {
  return json::parse(fmt::format(R"({{
    "cache": {{"slots": 64}},
    "drives": 2,
    "parity_group": {{"raid": "raid1", "data_drives": 1}},
    "volumes": [{{"first_device": "{}", "count": 2, "model": "FBA", "tracks": 1000}}]}})",
                                 first_device));
}

}  // namespace

BOOST_AUTO_TEST_CASE(tracks_written_on_the_primary_read_back_identical_on_the_secondary) {
  const json r = json::parse(run_forked([] {
    StorageArray primary("primary", ArrayConfig::from_json(array_description("0x0100")));
    StorageArray secondary("secondary", ArrayConfig::from_json(array_description("0x0200")));
    FcLinkConfig near_link, far_link;
    near_link.distance_km = 10;
    far_link.distance_km = 50;
    far_link.bb_credits = 400;
    FcLink link0("link0", near_link), link1("link1", far_link);
    LinkAdapter adapter("la0", LinkAdapterConfig{}, primary.cache());
    const FcpWritePath::Commit commit = commit_to(secondary);
    adapter.add_path(link0, commit);
    adapter.add_path(link1, commit);

    json out;
    sc_core::sc_spawn([&] {
      std::vector<uint8_t> user(128 * 512);
      for (uint32_t t = 0; t < 5; ++t) {
        for (uint32_t b = 0; b < 128; ++b) {
          fill_user_block(std::span(user).subspan(b * 512, 512), 0x0100, t * 128 + b, 1);
        }
        primary.write(0, 0x0100, t * 128, 128, user);
      }
      json sends = json::array();
      for (uint32_t t = 0; t < 5; ++t) {
        Slot& slot = primary.cache().acquire({0x0100, t}, 128);
        if (t == 4) slot.block(9)[100] ^= 0x02;  // damaged in the primary's cache
        const DmaDescriptor chain[] = {{&slot, 0, 64}, {&slot, 64, 64}};
        const RemoteWriteControl control{0x0100, t * 128, 0x0200, t * 128, 128, t};
        const sc_core::sc_time before = sc_core::sc_time_stamp();
        const FcpResult result = adapter.write(t % 2, control, chain);
        if (t == 4) slot.block(9)[100] ^= 0x02;
        primary.cache().release(slot);
        sends.push_back({std::string(to_string(result.status)), result.message,
                         (sc_core::sc_time_stamp() - before).to_seconds() * 1e6});
      }
      // Read back on the secondary, through its host port.
      json reads = json::array();
      std::vector<uint8_t> got(128 * 512), want(128 * 512);
      for (uint32_t t = 0; t < 5; ++t) {
        const IoStatus s = secondary.read(0, 0x0200, t * 128, 128, got);
        for (uint32_t b = 0; b < 128; ++b) {
          fill_user_block(std::span(want).subspan(b * 512, 512), 0x0100, t * 128 + b,
                          t == 4 ? 0 : 1);  // the refused track stayed formatted
        }
        reads.push_back({std::string(to_string(s.result)), got == want});
      }
      out["sends"] = sends;
      out["reads"] = reads;
    });
    sc_core::sc_start();
    out["links"] = adapter.statistics();
    out["secondary_data_checks"] = secondary.volume_stats(0x0200).data_checks;
    return out.dump();
  }));
  for (uint32_t t = 0; t < 4; ++t) {
    BOOST_TEST_CONTEXT("track " << t) {
      BOOST_TEST(r["sends"][t][0] == "good");
      BOOST_TEST(r["reads"][t][0] == "ok");
      BOOST_TEST(r["reads"][t][1].get<bool>());
    }
  }
  // The damaged block was caught at the secondary and nothing was written.
  BOOST_TEST(r["sends"][4][0] == "target error");
  BOOST_TEST(r["sends"][4][1].get<std::string>().find("block 521") != std::string::npos,
             r["sends"][4][1]);
  BOOST_TEST(r["reads"][4][1].get<bool>());
  BOOST_TEST(r["secondary_data_checks"] == 1);
  // Tracks 0, 2, 4 went over link0 and 1, 3 over link1; the far link's round
  // trip is 400 us longer.
  const auto& links = r["links"]["links"];
  BOOST_TEST(links[0]["exchanges"] == 3);
  BOOST_TEST(links[1]["exchanges"] == 2);
  BOOST_TEST(links[1]["good"] == 2);
  BOOST_TEST(r["sends"][1][2].get<double>() - r["sends"][0][2].get<double>() == 400.0,
             boost::test_tools::tolerance(0.01));
  BOOST_TEST(r["links"]["dma"]["chains"] == 5);
  BOOST_TEST(r["links"]["dma"]["bytes"] == 5 * 128 * 520);
}

BOOST_AUTO_TEST_CASE(dma_gather_costs_cache_and_bus_cycles_and_refuses_blocks_not_in_cache) {
  const json r = json::parse(run_forked([] {
    StorageArray primary("primary", ArrayConfig::from_json(array_description("0x0100")));
    DmaEngine dma("dma", DmaConfig{}, primary.cache());
    json out;
    sc_core::sc_spawn([&] {
      std::vector<uint8_t> user(128 * 512, 0x11);
      primary.write(0, 0x0100, 0, 128, user);
      Slot& slot = primary.cache().acquire({0x0100, 0}, 128);
      std::vector<uint8_t> data;
      const DmaDescriptor whole[] = {{&slot, 0, 128}};
      const DmaCompletion c = dma.gather(whole, data);
      const bool same = std::equal(data.begin(), data.end(), slot.data.begin());
      Slot& empty = primary.cache().acquire({0x0100, 7}, 128);
      const DmaDescriptor missing[] = {{&slot, 0, 8}, {&empty, 0, 8}};
      const DmaCompletion bad = dma.gather(missing, data);
      primary.cache().release(slot);
      primary.cache().release(empty);
      out = {{"us", c.duration.to_seconds() * 1e6},
             {"bytes", c.bytes},
             {"same", same},
             {"bad", bad.message}};
    });
    sc_core::sc_start();
    return out.dump();
  }));
  // 66,560 bytes: 1,040 + 8 cache cycles and 2,080 + 16 bus cycles at 4 ns.
  BOOST_TEST(r["us"].get<double>() == (1048 + 2096) * 0.004, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(r["bytes"] == 66560);
  BOOST_TEST(r["same"].get<bool>());
  BOOST_TEST(r["bad"].get<std::string>().find("descriptor 1 of 2") != std::string::npos, r["bad"]);
}
