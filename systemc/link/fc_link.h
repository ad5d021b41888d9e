// A Fibre Channel link between two ports, one transmitter and one receiver
// per direction (FC-FS, FC-PI):
// - frames of at most max_payload bytes, each on the line for
//   (payload + 36 framing + 24 idle bytes) / data rate;
// - buffer-to-buffer credit: a frame needs a credit, the receiver returns it
//   with R_RDY once the frame is in, and R_RDY takes the propagation delay
//   back, so a credit is away for serialization + 2 x propagation;
//   credits lost to a corrupted R_RDY stay lost until the link is reset
//   (down and up), as on a port without BB_SC credit recovery;
// - propagation of propagation_us_per_km (5 us) per km each way;
// - a CRC-32 per frame, checked by the receiver; a bad frame is discarded;
// - link up and down.
//
// Two fidelity levels give the same times to the picosecond: `frame` moves
// every frame as bytes through SystemC processes (header, payload, CRC, an
// R_RDY per frame), for debugging; `fast` computes the same frame schedule
// arithmetically when a message is sent, for long transfers.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <systemc>

#include "systemc/fc/fc_speed.h"
#include "systemc/link/fc_frame.h"

namespace copysim::sc {

enum class LinkFidelity { frame, fast };

struct FcLinkConfig {
  std::string speed = "16GFC";
  double distance_km = 0.0;
  double propagation_us_per_km = 5.0;
  uint32_t bb_credits = 40;     // receive buffers at each end: credits of the other end
  uint32_t max_payload = 2048;  // data bytes per frame, <= 2,112
  LinkFidelity fidelity = LinkFidelity::fast;
  // How long a receiver takes to notice a sequence with a frame missing
  // (the gap in SEQ_CNT at the sequence's end, then ABTS) and discard it.
  double lost_frame_detect_us = 1000.0;
};

// crc_error and frame_lost: the receiver discarded the sequence.
enum class LinkResult { delivered, crc_error, frame_lost, link_down };
std::string_view to_string(LinkResult result);
inline bool discarded(LinkResult r) {
  return r == LinkResult::crc_error || r == LinkResult::frame_lost;
}

// One FC sequence: an information unit's payload, cut into frames.
struct FcSequence {
  uint8_t r_ctl = kRctlData;
  std::span<const uint8_t> payload;
};

struct FcDirectionStats {
  uint64_t messages = 0;
  uint64_t frames = 0;
  uint64_t payload_bytes = 0;
  uint64_t line_bytes = 0;
  uint64_t busy_ps = 0;            // transmitter sending
  uint64_t credit_starved_ps = 0;  // a frame ready, the line free, no credit
  uint64_t crc_errors = 0;         // frames discarded by the receiver
  uint64_t lost_to_link_down = 0;  // messages failed by a link going down
  uint64_t frames_lost = 0;        // messages discarded for a missing frame
  uint64_t delayed = 0;            // messages held up by an injected delay
  uint32_t credits_lost = 0;       // until the next link reset
  uint32_t in_flight = 0;          // messages sent, not yet delivered
  uint32_t in_flight_peak = 0;
};

class FcLink;

class FcLinkDirection {
 public:
  // From a thread process: sends the sequences back to back (frames of
  // messages sent by other callers are not interleaved with them) and
  // returns once the last frame is in at the receiver. `received`, if
  // given, gets the payload bytes as they arrived (frame fidelity carries
  // the bytes; fast fidelity copies them).
  LinkResult transmit(uint16_t ox_id, std::span<const FcSequence> sequences,
                      std::vector<uint8_t>* received = nullptr);
  LinkResult transmit(uint16_t ox_id, const FcSequence& sequence,
                      std::vector<uint8_t>* received = nullptr) {
    return transmit(ox_id, std::span<const FcSequence>(&sequence, 1), received);
  }

  // Fault injection: the frame with this ordinal (0 = the first frame this
  // direction ever sends) arrives with one bit flipped.
  void corrupt_frame(uint64_t ordinal) { corrupt_.insert(ordinal); }
  // Fault injection: one frame of the next message is lost on the way; the
  // receiver discards the message after lost_frame_detect_us.
  void drop_next_message() { ++drops_pending_; }
  // Fault injection: the next message arrives `extra_ps` late (held in a
  // congested switch, say).
  void delay_next_message(uint64_t extra_ps) { delays_pending_.push_back(extra_ps); }
  // Fault injection: `n` buffer-to-buffer credits never come back (at least
  // one is always left); a link reset restores them.
  void lose_credits(uint32_t n);

  const FcDirectionStats& stats() const { return stats_; }
  double utilization() const;
  uint64_t frames_sent() const { return frame_ordinal_; }

 private:
  friend class FcLink;
  struct Message;
  FcLinkDirection(FcLink& link, std::string name);
  void start_processes();
  LinkResult transmit_fast(std::span<const FcSequence> sequences, std::vector<uint8_t>* received);
  LinkResult transmit_frames(uint16_t ox_id, std::span<const FcSequence> sequences,
                             std::vector<uint8_t>* received);
  void transmitter();
  void receiver();
  void credit_return();
  void link_went_down();
  void link_came_up();
  uint64_t frame_ps(uint64_t payload) const;

  FcLink& link_;
  std::string name_;
  FcDirectionStats stats_;
  std::set<uint64_t> corrupt_;
  uint64_t frame_ordinal_ = 0;
  uint32_t drops_pending_ = 0;
  std::deque<uint64_t> delays_pending_;
  uint32_t credits_to_swallow_ = 0;  // frame fidelity: returns not counted
  uint64_t credits() const;          // buffer-to-buffer credits not lost

  // fast fidelity: the frame schedule in picoseconds
  uint64_t tx_free_ps_ = 0;
  std::deque<uint64_t> credit_back_ps_;  // when the credits of the last frames return

  // frame fidelity: processes and queues
  std::deque<std::shared_ptr<Message>> queue_;
  struct InFlight {
    std::shared_ptr<Message> message;
    std::vector<uint8_t> bytes;
    bool last;
  };
  std::deque<InFlight> wire_;
  uint32_t credits_ = 0;
  uint64_t generation_ = 0;  // bumped when the link goes down
  sc_core::sc_event queued_;
  sc_core::sc_event credit_available_;
  sc_core::sc_event_queue arrivals_;
  sc_core::sc_event_queue credit_returns_;
  std::deque<std::shared_ptr<Message>> in_flight_messages_;
};

class FcLink : public sc_core::sc_module {
 public:
  FcLink(const sc_core::sc_module_name& name, FcLinkConfig config);

  FcLinkDirection& forward() { return *forward_; }    // port A -> port B
  FcLinkDirection& backward() { return *backward_; }  // port B -> port A

  const FcLinkConfig& config() const { return config_; }
  const FcSpeed& speed() const { return speed_; }
  uint64_t propagation_ps() const { return propagation_ps_; }
  // Payload bytes per second of a long run of full frames with enough credits.
  double payload_rate(uint32_t payload) const;

  bool up() const { return up_; }
  // Down: every message not yet delivered fails with link_down, credits are
  // reset. Up: the link carries frames again with full credits.
  void set_up(bool up);
  const sc_core::sc_event& state_changed() const { return state_changed_; }

 private:
  friend class FcLinkDirection;
  FcLinkConfig config_;
  FcSpeed speed_;
  uint64_t propagation_ps_;
  bool up_ = true;
  sc_core::sc_event state_changed_;
  std::unique_ptr<FcLinkDirection> forward_;
  std::unique_ptr<FcLinkDirection> backward_;
};

}  // namespace copysim::sc
