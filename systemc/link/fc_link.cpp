#include "systemc/link/fc_link.h"

#include "systemc/common/sim_time.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace copysim::sc {
namespace {

// Frames of a sequence of `bytes` payload bytes: at least one.
uint64_t frames_of(std::size_t bytes, uint32_t max_payload) {
  return bytes == 0 ? 1 : (bytes + max_payload - 1) / max_payload;
}

}  // namespace

std::string_view to_string(LinkResult result) {
  switch (result) {
    case LinkResult::delivered:
      return "delivered";
    case LinkResult::crc_error:
      return "CRC error";
    case LinkResult::frame_lost:
      return "frame lost";
    case LinkResult::link_down:
      return "link down";
  }
  return "unknown";
}

struct FcLinkDirection::Message {
  std::vector<FcSequence> sequences;
  std::vector<std::vector<uint8_t>> payloads;  // copies: the caller's spans may not outlive it
  std::vector<uint8_t> received;
  uint16_t ox_id = 0;
  uint64_t frames = 0;
  uint64_t arrived = 0;
  bool bad = false;
  bool finished = false;
  LinkResult result = LinkResult::delivered;
  sc_core::sc_event done;
};

FcLink::FcLink(const sc_core::sc_module_name& name, FcLinkConfig config)
    : sc_core::sc_module(name), config_(std::move(config)) {
  const auto speed = fc_speed(config_.speed);
  if (!speed) {
    throw std::invalid_argument(
        fmt::format("{}: speed \"{}\" is not one of 8GFC, 16GFC, 32GFC, "
                    "64GFC",
                    this->name(), config_.speed));
  }
  if (config_.bb_credits == 0) {
    throw std::invalid_argument(fmt::format("{}: bb_credits must be at least 1", this->name()));
  }
  if (config_.max_payload == 0 || config_.max_payload > kFcMaxPayload) {
    throw std::invalid_argument(
        fmt::format("{}: max_payload must be 1..{}", this->name(), kFcMaxPayload));
  }
  if (!(config_.distance_km >= 0.0) || !(config_.propagation_us_per_km > 0.0)) {
    throw std::invalid_argument(
        fmt::format("{}: distance and propagation must be non-negative", this->name()));
  }
  speed_ = *speed;
  propagation_ps_ = static_cast<uint64_t>(
      std::llround(config_.distance_km * config_.propagation_us_per_km * 1e6));
  // Constructed inside this module: their SystemC objects are its children.
  forward_.reset(new FcLinkDirection(*this, "forward"));
  backward_.reset(new FcLinkDirection(*this, "backward"));
  if (config_.fidelity == LinkFidelity::frame) {
    forward_->start_processes();
    backward_->start_processes();
  }
}

double FcLink::payload_rate(uint32_t payload) const {
  return speed_.data_bytes_per_second() * payload /
         (payload + kFcFrameOverhead + kFcInterFrameIdle);
}

void FcLink::set_up(bool up) {
  if (up == up_) return;
  up_ = up;
  if (up) {
    forward_->link_came_up();
    backward_->link_came_up();
  } else {
    forward_->link_went_down();
    backward_->link_went_down();
  }
  state_changed_.notify(sc_core::SC_ZERO_TIME);
}

FcLinkDirection::FcLinkDirection(FcLink& link, std::string name)
    : link_(link),
      name_(std::move(name)),
      credits_(link.config_.bb_credits),
      arrivals_((name_ + "_arrivals").c_str()),
      credit_returns_((name_ + "_credit_returns").c_str()) {}

void FcLinkDirection::start_processes() {
  sc_core::sc_spawn(sc_bind(&FcLinkDirection::transmitter, this), (name_ + "_tx").c_str());
  sc_core::sc_spawn_options receive;
  receive.spawn_method();
  receive.set_sensitivity(&arrivals_);
  receive.dont_initialize();
  sc_core::sc_spawn(sc_bind(&FcLinkDirection::receiver, this), (name_ + "_rx").c_str(), &receive);
  sc_core::sc_spawn_options credit;
  credit.spawn_method();
  credit.set_sensitivity(&credit_returns_);
  credit.dont_initialize();
  sc_core::sc_spawn(sc_bind(&FcLinkDirection::credit_return, this), (name_ + "_r_rdy").c_str(),
                    &credit);
}

uint64_t FcLinkDirection::frame_ps(uint64_t payload) const {
  const double line = double(payload + kFcFrameOverhead + kFcInterFrameIdle);
  return static_cast<uint64_t>(std::llround(line / link_.speed_.data_bytes_per_second() * 1e12));
}

double FcLinkDirection::utilization() const {
  const uint64_t now = now_ps();
  if (now == 0) return 0.0;
  const uint64_t ahead = tx_free_ps_ > now ? tx_free_ps_ - now : 0;
  return double(stats_.busy_ps - std::min(ahead, stats_.busy_ps)) / double(now);
}

LinkResult FcLinkDirection::transmit(uint16_t ox_id, std::span<const FcSequence> sequences,
                                     std::vector<uint8_t>* received) {
  if (!link_.up_) {
    ++stats_.lost_to_link_down;
    return LinkResult::link_down;
  }
  ++stats_.messages;
  ++stats_.in_flight;
  stats_.in_flight_peak = std::max(stats_.in_flight_peak, stats_.in_flight);
  const bool drop = drops_pending_ > 0;
  if (drop) --drops_pending_;
  uint64_t delay = 0;
  if (!delays_pending_.empty()) {
    delay = delays_pending_.front();
    delays_pending_.pop_front();
  }
  LinkResult r = link_.config_.fidelity == LinkFidelity::fast
                     ? transmit_fast(sequences, received)
                     : transmit_frames(ox_id, sequences, received);
  if (r != LinkResult::link_down && (drop || delay > 0)) {
    // The frames used the line as usual; what arrives is late or incomplete.
    const uint64_t generation = generation_;
    const uint64_t until =
        now_ps() + delay +
        (drop ? static_cast<uint64_t>(link_.config_.lost_frame_detect_us * 1e6) : 0);
    while (now_ps() < until && generation == generation_) {
      sc_core::wait(ps_time(until - now_ps()), link_.state_changed_);
    }
    if (generation != generation_) {
      r = LinkResult::link_down;
    } else if (drop) {
      r = LinkResult::frame_lost;
      ++stats_.frames_lost;
      if (received != nullptr) received->clear();
    }
    if (delay > 0) ++stats_.delayed;
  }
  if (r == LinkResult::link_down) ++stats_.lost_to_link_down;
  return r;
}

uint64_t FcLinkDirection::credits() const { return link_.config_.bb_credits - stats_.credits_lost; }

void FcLinkDirection::lose_credits(uint32_t n) {
  const uint32_t lost = std::min<uint32_t>(n, link_.config_.bb_credits - 1 - stats_.credits_lost);
  stats_.credits_lost += lost;
  // Frame fidelity: take them from those at hand, the rest as they return.
  const uint32_t now = std::min(credits_, lost);
  credits_ -= now;
  credits_to_swallow_ += lost - now;
}

// The frame schedule: frame f starts when the line is free and a credit is
// back; the credit of frame f - C returns serialization + 2 x propagation
// after that frame started.
LinkResult FcLinkDirection::transmit_fast(std::span<const FcSequence> sequences,
                                          std::vector<uint8_t>* received) {
  const uint64_t now = now_ps();
  const uint32_t max_payload = link_.config_.max_payload;
  const uint64_t credits = this->credits();
  const uint64_t prop = link_.propagation_ps_;
  uint64_t t = std::max(now, tx_free_ps_);
  uint64_t arrival = t;
  bool bad = false;
  for (const FcSequence& seq : sequences) {
    const uint64_t frames = frames_of(seq.payload.size(), max_payload);
    for (uint64_t k = 0; k < frames; ++k) {
      const uint64_t payload = std::min<uint64_t>(
          max_payload,
          seq.payload.size() - std::min<uint64_t>(seq.payload.size(), k * max_payload));
      uint64_t start = t;
      while (credit_back_ps_.size() >= credits) {
        start = std::max(start, credit_back_ps_.front());
        credit_back_ps_.pop_front();
      }
      stats_.credit_starved_ps += start - t;
      const uint64_t ser = frame_ps(payload);
      t = start + ser;
      stats_.busy_ps += ser;
      credit_back_ps_.push_back(t + 2 * prop);
      arrival = t + prop;
      if (corrupt_.erase(frame_ordinal_)) {
        bad = true;
        ++stats_.crc_errors;
      }
      ++frame_ordinal_;
      ++stats_.frames;
      stats_.payload_bytes += payload;
      stats_.line_bytes += payload + kFcFrameOverhead + kFcInterFrameIdle;
    }
  }
  tx_free_ps_ = t;
  // Lost if the link goes down before the last frame is in.
  const uint64_t generation = generation_;
  while (now_ps() < arrival && generation == generation_) {
    sc_core::wait(ps_time(arrival - now_ps()), link_.state_changed_);
  }
  --stats_.in_flight;
  if (generation != generation_) return LinkResult::link_down;
  if (received != nullptr) {
    received->clear();
    for (const FcSequence& seq : sequences) {
      received->insert(received->end(), seq.payload.begin(), seq.payload.end());
    }
  }
  return bad ? LinkResult::crc_error : LinkResult::delivered;
}

LinkResult FcLinkDirection::transmit_frames(uint16_t ox_id, std::span<const FcSequence> sequences,
                                            std::vector<uint8_t>* received) {
  auto m = std::make_shared<Message>();
  m->ox_id = ox_id;
  for (const FcSequence& seq : sequences) {
    m->payloads.emplace_back(seq.payload.begin(), seq.payload.end());
    m->sequences.push_back({seq.r_ctl, m->payloads.back()});
    m->frames += frames_of(seq.payload.size(), link_.config_.max_payload);
  }
  queue_.push_back(m);
  in_flight_messages_.push_back(m);
  queued_.notify(sc_core::SC_ZERO_TIME);
  if (!m->finished) sc_core::wait(m->done);
  if (received != nullptr) *received = std::move(m->received);
  return m->result;
}

void FcLinkDirection::transmitter() {
  const uint32_t max_payload = link_.config_.max_payload;
  for (;;) {
    while (queue_.empty()) sc_core::wait(queued_);
    std::shared_ptr<Message> m = queue_.front();
    queue_.pop_front();
    const uint64_t generation = generation_;
    uint64_t sent = 0;
    for (std::size_t s = 0; s < m->sequences.size() && generation == generation_; ++s) {
      const FcSequence& seq = m->sequences[s];
      const uint64_t frames = frames_of(seq.payload.size(), max_payload);
      for (uint64_t k = 0; k < frames && generation == generation_; ++k) {
        const uint64_t ready = now_ps();
        while (credits_ == 0 && generation == generation_) sc_core::wait(credit_available_);
        if (generation != generation_) break;
        stats_.credit_starved_ps += now_ps() - ready;
        --credits_;
        const std::size_t offset = k * max_payload;
        const std::size_t payload = std::min<std::size_t>(
            max_payload, seq.payload.size() - std::min(seq.payload.size(), offset));
        FcHeader h;
        h.r_ctl = seq.r_ctl;
        h.seq_id = static_cast<uint8_t>(s);
        h.seq_cnt = static_cast<uint16_t>(k);
        h.ox_id = m->ox_id;
        h.parameter = static_cast<uint32_t>(offset);
        std::vector<uint8_t> bytes = build_frame(h, seq.payload.subspan(offset, payload));
        if (corrupt_.erase(frame_ordinal_)) bytes[kFcHeaderBytes / 2] ^= 0x10;  // in transit
        ++frame_ordinal_;
        ++stats_.frames;
        stats_.payload_bytes += payload;
        stats_.line_bytes += payload + kFcFrameOverhead + kFcInterFrameIdle;
        const uint64_t ser = frame_ps(payload);
        stats_.busy_ps += ser;
        tx_free_ps_ = now_ps() + ser;
        sc_core::wait(ps_time(ser), link_.state_changed_);  // a link going down frees the line
        if (generation != generation_) break;
        ++sent;
        wire_.push_back({m, std::move(bytes), sent == m->frames});
        arrivals_.notify(ps_time(link_.propagation_ps_));
      }
    }
  }
}

// A frame is in at the receiver: check its CRC, keep its payload, and send
// R_RDY back.
void FcLinkDirection::receiver() {
  if (wire_.empty()) return;  // dropped when the link went down
  InFlight f = std::move(wire_.front());
  wire_.pop_front();
  Message& m = *f.message;
  if (!frame_crc_ok(f.bytes)) {
    ++stats_.crc_errors;
    m.bad = true;
  } else {
    m.received.insert(m.received.end(), f.bytes.begin() + kFcHeaderBytes,
                      f.bytes.end() - kFcCrcBytes);
  }
  credit_returns_.notify(ps_time(link_.propagation_ps_));
  if (f.last && !m.finished) {
    m.finished = true;
    m.result = m.bad ? LinkResult::crc_error : LinkResult::delivered;
    --stats_.in_flight;
    std::erase_if(in_flight_messages_, [&](const auto& p) { return p.get() == &m; });
    m.done.notify();
  }
}

void FcLinkDirection::credit_return() {
  if (credits_to_swallow_ > 0) {
    --credits_to_swallow_;
    return;
  }
  ++credits_;
  credit_available_.notify();
}

void FcLinkDirection::link_went_down() {
  ++generation_;  // both fidelities: what was sent before is lost
  tx_free_ps_ = now_ps();
  credit_back_ps_.clear();
  for (auto& m : in_flight_messages_) {
    if (m->finished) continue;
    m->finished = true;
    m->result = LinkResult::link_down;
    --stats_.in_flight;
    m->done.notify();
  }
  in_flight_messages_.clear();
  queue_.clear();
  wire_.clear();
  arrivals_.cancel_all();
  credit_returns_.cancel_all();
  credits_ = 0;
  credit_available_.notify(sc_core::SC_ZERO_TIME);
}

void FcLinkDirection::link_came_up() {
  credits_ = link_.config_.bb_credits;  // login restores the full credit
  stats_.credits_lost = 0;
  credits_to_swallow_ = 0;
  credit_available_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace copysim::sc
