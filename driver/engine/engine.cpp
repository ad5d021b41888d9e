#include "driver/engine/engine.h"

#include <fmt/format.h>

#include <cstdlib>

#include "firmware/command/command_block.h"

namespace copysim::engine {

using driver::Status;
using driver::wire::Type;
namespace wire = driver::wire;

namespace {

uint16_t status_of(sc::IoResult r) {
  switch (r) {
    case sc::IoResult::ok:
      return uint16_t(Status::ok);
    case sc::IoResult::data_check:
      return uint16_t(Status::data_check);
    case sc::IoResult::no_such_volume:
      return uint16_t(Status::no_such_volume);
    case sc::IoResult::out_of_range:
      return uint16_t(Status::out_of_range);
    case sc::IoResult::bad_buffer:
      return uint16_t(Status::bad_buffer);
    case sc::IoResult::write_protected:
      return uint16_t(Status::write_protected);
    case sc::IoResult::not_ready:
      return uint16_t(Status::not_ready);
  }
  return uint16_t(Status::data_check);
}

uint64_t now_ps() { return static_cast<uint64_t>(sc_core::sc_time_stamp().value()); }

}  // namespace

Engine::Engine(const nlohmann::json& topology) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  topology_ = std::make_unique<Topology>(topology);
  for (auto& a : topology_->arrays()) {
    const std::string name = a->name;
    fw::Controller& f = *a->firmware;
    f.local_pairs().history().observe(
        [this, name](const fw::HistoryEntry& e) { record(name, driver::Service::local_pair, e); });
    f.clones().history().observe(
        [this, name](const fw::HistoryEntry& e) { record(name, driver::Service::clone, e); });
    f.pairs().history().observe(
        [this, name](const fw::HistoryEntry& e) { record(name, driver::Service::remote_pair, e); });
  }
}

Engine::~Engine() = default;

void Engine::record(const std::string& array, driver::Service service, const fw::HistoryEntry& e) {
  events_.push_back({events_.size() + 1, driver::SimTime{e.time_ps}, array, service, e.id, e.source,
                     e.target, e.event, e.from, e.to});
  event_added_.notify(sc_core::SC_ZERO_TIME);
}

uint64_t Engine::open(std::function<void(Frame)> send) {
  sessions_[next_session_] = Session{std::move(send), nullptr};
  return next_session_++;
}

void Engine::close(uint64_t session) {
  if (sessions_.erase(session) != 0 && elaborated_) {
    session_closed_.notify(sc_core::SC_ZERO_TIME);
  }
}

bool Engine::step() {
  if (!elaborated_) {
    elaborated_ = true;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    return true;
  }
  if (!sc_core::sc_pending_activity()) return false;
  sc_core::sc_start(sc_core::sc_time_to_pending_activity());
  return true;
}

bool Engine::run_until(const std::function<bool()>& done) {
  while (!done()) {
    if (!step()) return false;
  }
  return true;
}

void Engine::reply(uint64_t session, uint8_t type, uint32_t id, uint16_t status,
                   const std::string& message, std::span<const uint8_t> body) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;  // the host has gone
  it->second.send(wire::make_reply(type, id, {status, now_ps(), message}, body));
}

void Engine::receive(uint64_t session, const Frame& frame) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  if (!wire::known_request(frame.type)) {
    reply(session, uint8_t(Type::error), frame.id, uint16_t(Status::protocol_error),
          fmt::format("unknown request type {:#04x}", frame.type));
    return;
  }
  wire::Request q;
  try {
    q = wire::decode_request(frame);
  } catch (const wire::DecodeError& e) {
    reply(session, frame.type, frame.id, uint16_t(Status::protocol_error), e.what());
    return;
  }
  if ((q.type != Type::hello) == (it->second.host == nullptr)) {
    reply(session, frame.type, frame.id, uint16_t(Status::protocol_error),
          "HELLO with the host's name is a connection's first request, and only that");
    return;
  }
  if (it->second.in_flight >= kMaxInFlight) {
    reply(session, frame.type, frame.id, uint16_t(Status::no_resources),
          fmt::format("{} requests of this connection are already under way", kMaxInFlight));
    return;
  }
  execute(session, frame.id, std::move(q));
}

const HostPort* Engine::port_of(const Session& s, const std::string& array) const {
  for (const HostPort& p : s.host->ports) {
    if (p.array == array) return &p;
  }
  return nullptr;
}

std::string Engine::state_of(ArrayNode& a, driver::Service service, uint16_t source,
                             uint16_t target) const {
  switch (service) {
    case driver::Service::local_pair:
      return std::string(to_string(a.firmware->local_pairs().state(source, target)));
    case driver::Service::clone:
      return std::string(to_string(a.firmware->clones().state(target)));
    case driver::Service::remote_pair:
      return std::string(to_string(a.firmware->pairs().state(source)));
  }
  return "unknown";
}

void Engine::execute(uint64_t session, uint32_t id, wire::Request q) {
  Session& s = sessions_.at(session);
  const auto type = static_cast<uint8_t>(q.type);
  auto ok = [&](std::span<const uint8_t> body = {}) {
    reply(session, type, id, uint16_t(Status::ok), "", body);
  };
  // Runs `body` as its own process; its reply ends it.
  auto in_time = [&](std::function<void()> body) {
    ++outstanding_;
    ++s.in_flight;
    sc_core::sc_spawn([this, session, body = std::move(body)] {
      body();
      --outstanding_;
      if (auto it = sessions_.find(session); it != sessions_.end()) --it->second.in_flight;
    });
  };
  auto open = [this](uint64_t which) { return sessions_.count(which) != 0; };
  switch (q.type) {
    case Type::hello: {
      const HostNode* h = topology_->host(q.host);
      if (h == nullptr) {
        reply(session, type, id, uint16_t(Status::not_a_host),
              "no host named \"" + q.host + "\" in the topology");
        return;
      }
      s.host = h;
      wire::Writer w;
      w.string(std::string("copysim ") + COPYSIM_VERSION);
      ok(w.take());
      return;
    }
    case Type::now:
      ok();
      return;
    case Type::advance:
      // Ends early, without a reply, if the connection closes: a host that
      // has gone does not move everyone's clock.
      in_time([this, session, type, id, ps = q.ps, open] {
        const uint64_t until = now_ps() + ps;
        while (now_ps() < until && open(session)) {
          sc_core::wait(sc_core::sc_time(double(until - now_ps()), sc_core::SC_PS),
                        session_closed_);
        }
        reply(session, type, id, uint16_t(Status::ok), "");
      });
      return;
    case Type::volumes: {
      wire::Writer w;
      std::vector<driver::VolumeInfo> list;
      for (const HostPort& p : s.host->ports) {
        sc::StorageArray& a = *topology_->array(p.array)->array;
        for (uint16_t d : a.devices()) {
          if (!a.mapped(p.port, d)) continue;
          const sc::Volume* v = a.volume(d);
          list.push_back({p.array, d, v->geometry.blocks(), v->geometry.blocks_per_track});
        }
      }
      w.u32(static_cast<uint32_t>(list.size()));
      for (const auto& v : list)
        w.string(v.array).u16(v.device).u64(v.blocks).u32(v.blocks_per_track);
      ok(w.take());
      return;
    }
    case Type::statistics:
    case Type::read:
    case Type::write:
    case Type::command:
    case Type::state:
    case Type::history:
      break;
    case Type::next_event: {
      in_time([this, session, type, id, after = q.after, ps = q.ps, open] {
        const uint64_t deadline = now_ps() + ps;
        while (events_.size() <= after && now_ps() < deadline && open(session)) {
          sc_core::wait(sc_core::sc_time(double(deadline - now_ps()), sc_core::SC_PS),
                        event_added_ | session_closed_);
        }
        if (events_.size() <= after) {
          reply(session, type, id, uint16_t(Status::timed_out),
                fmt::format("no state change within {} us", double(ps) / 1e6));
          return;
        }
        wire::Writer w;
        wire::put_event(w, events_.at(after));
        const auto body = w.take();
        reply(session, type, id, uint16_t(Status::ok), "", body);
      });
      return;
    }
    case Type::error:
      return;
  }
  // The rest name an array the host is attached to.
  const HostPort* port = port_of(s, q.array);
  ArrayNode* a = topology_->array(q.array);
  if (port == nullptr || a == nullptr) {
    reply(session, type, id, uint16_t(Status::no_such_array),
          fmt::format("host {} has no port on an array named \"{}\"", s.host->name, q.array));
    return;
  }
  switch (q.type) {
    case Type::statistics: {
      const std::string text = a->array->statistics().dump();
      wire::Writer w;
      w.bytes(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
      ok(w.take());
      return;
    }
    case Type::state: {
      wire::Writer w;
      w.string(state_of(*a, q.service, q.device, q.target)).u64(events_.size());
      ok(w.take());
      return;
    }
    case Type::history: {
      std::vector<const driver::Event*> match;
      for (const auto& e : events_) {
        if (e.array == q.array && e.service == q.service && e.source == q.device &&
            (q.target == 0 || e.target == q.target)) {
          match.push_back(&e);
        }
      }
      // The latest ones, as many as fit in a frame.
      std::vector<std::vector<uint8_t>> encoded;
      std::size_t bytes = 64;
      for (auto e = match.rbegin(); e != match.rend(); ++e) {
        wire::Writer one;
        wire::put_event(one, **e);
        encoded.push_back(one.take());
        bytes += encoded.back().size();
        if (bytes > wire::kMaxPayload / 2) {
          encoded.pop_back();
          break;
        }
      }
      wire::Writer w;
      w.u32(static_cast<uint32_t>(encoded.size()));
      for (auto e = encoded.rbegin(); e != encoded.rend(); ++e) w.raw(*e);
      const auto body = w.take();
      reply(session, type, id, uint16_t(Status::ok),
            encoded.size() < match.size()
                ? fmt::format("the latest {} of {} events", encoded.size(), match.size())
                : "",
            body);
      return;
    }
    case Type::read:
      in_time([this, session, type, id, a, port = port->port, q] {
        std::vector<uint8_t> data(std::size_t{q.count} * 512);
        const sc::IoStatus st = a->array->read(port, q.device, q.block, q.count, data);
        wire::Writer w;
        if (st.ok()) w.bytes(data);
        const auto body = w.take();
        reply(session, type, id, status_of(st.result), st.message, body);
      });
      return;
    case Type::write:
      in_time([this, session, type, id, a, port = port->port, q] {
        const sc::IoStatus st = a->array->write(port, q.device, q.block, q.count, q.data);
        reply(session, type, id, status_of(st.result), st.message);
      });
      return;
    case Type::command:
      in_time([this, session, type, id, a, port = port->port, q] {
        const fw::CommandStatus st = fw::decode_status(a->array->command(port, q.data));
        reply(session, type, id, static_cast<uint16_t>(st.result), st.message);
      });
      return;
    default:
      return;
  }
}

}  // namespace copysim::engine
