#include "testbench/random/plan.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>

#include "firmware/clone/clone_service.h"

namespace copysim::testing::random {

namespace {

class Dice {
 public:
  explicit Dice(uint64_t seed) : rng_(seed) {}
  uint64_t pick(uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

// Volume roles: each volume serves at most one copy service, as the
// controller requires; a local pair or clone takes two volumes.
void add_roles(Plan& p, Dice& d) {
  std::vector<uint32_t> order(p.volumes);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), d.rng());
  const uint64_t end = p.duration_us;
  bool path = false;
  for (std::size_t k = 0; k < order.size();) {
    const uint32_t v = order[k++];
    uint64_t role = d.pick(0, 3);  // plain, remote pair, local pair, clone
    if (role >= 2 && k == order.size()) role = 1;
    const uint64_t t0 = d.pick(0, end / 2);
    if (role == 1) {
      path = true;
      p.steps.push_back({t0, "remote.establish", v, 0, 0});
      if (d.chance(0.4)) {
        const uint64_t t1 = d.pick(t0, end);
        p.steps.push_back({t1, "remote.suspend", v, 0, 0});
        p.steps.push_back({d.pick(t1, end), "remote.resume", v, 0, 0});
      }
    } else if (role == 2) {
      const uint32_t s = order[k++];
      static constexpr uint64_t kPaces[] = {1, 3, 15};
      p.steps.push_back({t0, "local.create", v, s, kPaces[d.pick(0, 2)]});
      const uint64_t t1 = d.pick(t0, end);
      p.steps.push_back({t1, "local.split", v, s, 0});
      if (d.chance(0.4)) {
        const uint64_t t2 = d.pick(t1, end);
        p.steps.push_back({t2, "local.resync", v, s, 0});
        p.steps.push_back({d.pick(t2, end), "local.split", v, s, 0});
      }
      if (d.chance(0.1)) p.steps.push_back({d.pick(t0, end), "local.suspend", v, s, 0});
    } else if (role == 3) {
      const uint32_t dest = order[k++];
      uint64_t extent = 0;  // the whole volume
      if (d.chance(0.5)) {
        const uint64_t first = d.pick(0, p.tracks - 1);
        extent = fw::clone_extent(static_cast<uint32_t>(first),
                                  static_cast<uint32_t>(d.pick(1, p.tracks - first)));
      }
      const bool precopy = d.chance(0.5);
      p.steps.push_back({t0, precopy ? "clone.create_precopy" : "clone.create", v, dest, extent});
      p.steps.push_back({d.pick(t0, end), "clone.activate", v, dest, 0});
    }
  }
  if (path) p.steps.push_back({0, "remote.path", 0, 0, 0});
}

void add_faults(Plan& p, Dice& d) {
  const uint64_t faults = d.pick(0, 3);
  const uint64_t last = p.duration_us * 4 / 5;
  for (uint64_t f = 0; f < faults; ++f) {
    const std::string& kind = fault_classes()[d.pick(0, fault_classes().size() - 1)];
    Step s{d.pick(0, last), kind, 0, 0, 0};
    const auto link = static_cast<uint32_t>(d.pick(0, p.links - 1));
    if (kind == "fault.link_down") {
      s.a = link;
      s.value = d.pick(100, 20000);  // us down
    } else if (kind == "fault.frame_corrupt") {
      s.a = link;
      s.value = d.pick(1, 5);  // consecutive frames
    } else if (kind == "fault.frame_drop") {
      s.a = link;
      s.value = d.pick(1, 3);  // messages
    } else if (kind == "fault.frame_delay") {
      s.a = link;
      s.value = d.pick(10, 5000);  // us late
    } else if (kind == "fault.credit_loss") {
      s.a = link;
      s.value = d.pick(1, 39);
    } else if (kind == "fault.media_error" || kind == "fault.write_error") {
      s.a = static_cast<uint32_t>(d.pick(0, p.volumes - 1));
      s.value = d.pick(0, 1u << 30);  // a block, modulo the volume's size
    } else if (kind == "fault.power_loss") {
      s.value = d.pick(1000, 30000);  // us down
    } else if (kind == "fault.drive_loss") {
      s.a = static_cast<uint32_t>(d.pick(0, 1));             // primary or secondary array
      s.b = static_cast<uint32_t>(d.pick(0, p.drives - 1));  // which drive
      s.value = d.pick(0, 1) ? d.pick(1000, 30000) : 0;      // rebuild after us, or never
    } else if (kind == "fault.cpu_busy" || kind == "fault.cache_full") {
      s.a = static_cast<uint32_t>(d.pick(0, 1));  // primary or secondary array
      s.value = d.pick(100, 10000);               // us
    } else {
      s.value = d.pick(0, 1u << 20);  // which wrong command
    }
    p.steps.push_back(s);
  }
}

}  // namespace

Plan generate(uint64_t seed) {
  Dice d(seed);
  Plan p;
  p.seed = seed;
  p.volumes = static_cast<uint32_t>(d.pick(2, 8));
  p.tracks = static_cast<uint32_t>(d.pick(8, 48));
  p.links = static_cast<uint32_t>(d.pick(1, 4));
  p.distance_km = static_cast<double>(d.pick(0, 100));
  p.drives = static_cast<uint32_t>(d.pick(1, 4));
  p.cache_slots = static_cast<uint32_t>(d.chance(0.25) ? d.pick(24, 64) : d.pick(128, 1024));
  p.secondary_non_volatile = d.chance(0.5);
  p.hosts = static_cast<uint32_t>(d.pick(1, 4));
  p.max_blocks = static_cast<uint32_t>(d.pick(1, 64));
  p.read_fraction = static_cast<double>(d.pick(0, 50)) / 100.0;
  p.think_us = d.pick(50, 1000);
  p.duration_us = d.pick(20, 300) * 1000;
  add_roles(p, d);
  add_faults(p, d);
  std::stable_sort(p.steps.begin(), p.steps.end(),
                   [](const Step& x, const Step& y) { return x.at_us < y.at_us; });
  return p;
}

nlohmann::json to_json(const Plan& p) {
  nlohmann::json steps = nlohmann::json::array();
  for (const Step& s : p.steps) {
    steps.push_back(
        {{"at_us", s.at_us}, {"action", s.action}, {"a", s.a}, {"b", s.b}, {"value", s.value}});
  }
  return {{"seed", p.seed},
          {"volumes", p.volumes},
          {"tracks", p.tracks},
          {"links", p.links},
          {"distance_km", p.distance_km},
          {"drives", p.drives},
          {"cache_slots", p.cache_slots},
          {"secondary_non_volatile", p.secondary_non_volatile},
          {"hosts", p.hosts},
          {"max_blocks", p.max_blocks},
          {"read_fraction", p.read_fraction},
          {"think_us", p.think_us},
          {"duration_us", p.duration_us},
          {"steps", steps}};
}

Plan plan_from_json(const nlohmann::json& j) {
  Plan p;
  auto field = [&](const char* name, auto& out) {
    if (!j.contains(name)) throw std::invalid_argument(std::string("plan: no \"") + name + "\"");
    try {
      j.at(name).get_to(out);
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(std::string("plan: \"") + name + "\": " + e.what());
    }
  };
  field("seed", p.seed);
  field("volumes", p.volumes);
  field("tracks", p.tracks);
  field("links", p.links);
  field("distance_km", p.distance_km);
  field("drives", p.drives);
  field("cache_slots", p.cache_slots);
  field("secondary_non_volatile", p.secondary_non_volatile);
  field("hosts", p.hosts);
  field("max_blocks", p.max_blocks);
  field("read_fraction", p.read_fraction);
  field("think_us", p.think_us);
  field("duration_us", p.duration_us);
  if (p.volumes == 0 || p.tracks == 0 || p.links == 0 || p.drives == 0 || p.hosts == 0 ||
      p.max_blocks == 0 || p.cache_slots < 8) {
    throw std::invalid_argument(
        "plan: volumes, tracks, links, drives, hosts and max_blocks must be at least 1, "
        "cache_slots at least 8");
  }
  if (!j.contains("steps") || !j["steps"].is_array()) {
    throw std::invalid_argument("plan: no \"steps\" list");
  }
  for (std::size_t i = 0; i < j["steps"].size(); ++i) {
    const auto& s = j["steps"][i];
    Step step;
    try {
      s.at("at_us").get_to(step.at_us);
      s.at("action").get_to(step.action);
      s.at("a").get_to(step.a);
      s.at("b").get_to(step.b);
      s.at("value").get_to(step.value);
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument("plan: steps[" + std::to_string(i) + "]: " + e.what());
    }
    p.steps.push_back(step);
  }
  return p;
}

std::vector<Plan> smaller(const Plan& p) {
  std::vector<Plan> out;
  // Without each step in turn (a command's later steps simply get refused).
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    Plan q = p;
    q.steps.erase(q.steps.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(std::move(q));
  }
  auto shrunk = [&](auto change) {
    Plan q = p;
    change(q);
    out.push_back(std::move(q));
  };
  if (p.hosts > 1) shrunk([](Plan& q) { q.hosts = 1; });
  if (p.duration_us > 2000) {
    shrunk([](Plan& q) {
      q.duration_us /= 2;
      for (Step& s : q.steps) s.at_us = std::min(s.at_us, q.duration_us);
    });
  }
  if (p.read_fraction > 0) shrunk([](Plan& q) { q.read_fraction = 0; });
  if (p.max_blocks > 1) shrunk([](Plan& q) { q.max_blocks = std::max(1u, q.max_blocks / 2); });
  if (p.tracks > 2) {
    shrunk([](Plan& q) {
      q.tracks /= 2;
      for (Step& s : q.steps) {
        if (s.action.starts_with("clone.create")) s.value = 0;  // extents may no longer fit
      }
    });
  }
  return out;
}

}  // namespace copysim::testing::random
