// Clone sessions (seed 003): a point-in-time copy of a source volume, or of
// extents of its tracks, on a destination volume of the same array.
//
// - CREATE holds a clone PB column on the source (every track to copy set)
//   and sets the destination's IND bits; the destination is not ready to
//   hosts. With precopy it also holds a precopy PB column.
// - PRECOPY copies tracks while the source stays online: per track, clone
//   PB cleared, precopy PB set, IND cleared. A host write to a precopied
//   track sets them back, so it is copied again; precopy keeps going round
//   until ACTIVATE.
// - ACTIVATE makes the destination ready at once, a copy of the source as
//   of its quiet point (local_copy/host_io_gate.h). A background copy moves
//   what precopy has not. A host write to a source track still to copy
//   copies it first; a host read or write of a destination track with IND
//   set fetches it from the source first.
// - ACTIVE COPY is CREATE and ACTIVATE at once; TERMINATE releases the
//   columns once everything is copied (or abandons a session never
//   activated).
// A refused command changes nothing and says why.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firmware/clone/pb_table.h"
#include "firmware/command/command_block.h"
#include "firmware/local_copy/history.h"
#include "firmware/local_copy/host_io_gate.h"
#include "firmware/local_copy/track_copier.h"
#include "firmware/runtime/dispatcher.h"

namespace copysim::fw {

// Command block: primary volume = source, secondary volume = destination.
// An extent is parameter (first track << 32) | track count.
inline constexpr uint16_t kCreateClone = 0x0401;  // p[0] bit 0: start precopy; p[1], p[2]: extents
inline constexpr uint16_t kPrecopyClone = 0x0402;
inline constexpr uint16_t kActivateClone = 0x0403;
inline constexpr uint16_t kActiveCopyClone = 0x0404;  // p[1], p[2]: extents
inline constexpr uint16_t kTerminateClone = 0x0405;
inline constexpr uint16_t kQueryClone = 0x0406;
inline constexpr uint16_t kAddCloneExtent = 0x0407;  // p[0]: an extent

inline uint64_t clone_extent(uint32_t first_track, uint32_t tracks) {
  return (uint64_t{first_track} << 32) | tracks;
}

enum class CloneState { none, created, precopy, active, copied };
std::string_view to_string(CloneState state);

// OP and OP STATUS of the OS-copy structure.
enum class CloneOp { create, precopy, activate, copy, terminate };
enum class CloneOpStatus { in_progress, completed, failed };
std::string_view to_string(CloneOp op);
std::string_view to_string(CloneOpStatus status);

// The OS-copy data structure (Fig. 2B) and the session's flags.
struct OsCopy {
  uint16_t destination = 0;     // DEST
  uint64_t last_set_track = 0;  // LSC, kept in tracks: where the copy has got to
  uint64_t time_stamp_ps = 0;   // TS: when the current operation started
  CloneOp op = CloneOp::create;
  CloneOpStatus op_status = CloneOpStatus::completed;
  bool precopy = false;  // the PRECOPY flag
  bool active = false;   // the ACTIVE flag
};

struct Extent {
  uint64_t first = 0;
  uint64_t tracks = 0;
};

struct CloneSessionInfo {
  uint32_t id = 0;
  uint16_t source = 0;
  CloneState state = CloneState::none;
  OsCopy os_copy;
  int clone_column = -1;
  int precopy_column = -1;             // -1: no precopy
  std::vector<Extent> extents;         // empty: the whole volume
  uint64_t tracks_to_copy = 0;         // clone PB bits set
  uint64_t ind_tracks = 0;             // IND bits set on the destination
  uint64_t precopied = 0;              // tracks copied by precopy passes
  uint64_t precopy_passes = 0;         // full passes completed by precopy
  uint64_t copied_after_activate = 0;  // by any path, after the point in time
  uint64_t copy_before_writes = 0;     // source tracks copied ahead of a host write
  uint64_t fetches = 0;                // destination tracks fetched for a host IO
  uint64_t activate_point_ps = 0;
  std::string error;  // why the operation failed
};

struct CloneConfig {
  uint32_t max_sessions = 256;
  uint32_t copy_tcbs = 64;       // precopies and background copies running at once
  uint64_t track_cycles = 1000;  // firmware work per track looked at by a copy
};

class CloneService final : public LocalCopyParticipant {
 public:
  CloneService(Dispatcher& dispatcher, CommandProcessor& commands, HostIoGate& gate,
               TrackCopier& copier, CloneConfig config);
  ~CloneService() override;

  void before_io(uint16_t device, TrackRange tracks, bool write,
                 std::function<void(std::string)> done) override;
  void after_write(uint16_t device, TrackRange tracks) override;

  // The session whose destination is `destination`.
  std::optional<CloneSessionInfo> session(uint16_t destination) const;
  CloneState state(uint16_t destination) const;
  // The session `device` is the source or the destination of, if any.
  std::optional<uint32_t> session_of(uint16_t device) const;
  // Set by the controller, as LocalPairService::in_other_service.
  std::function<std::string(uint16_t device, bool as_target)> in_other_service;
  History& history() { return history_; }
  TcbPool& tcbs() { return tcbs_; }

  // Test access to the PB bits of `source`, to show the consistency check.
  void set_pb_bit_for_test(uint16_t source, uint64_t track, int column);

 private:
  struct Session;

  CommandStatus create(const CommandBlock& b, bool activate);
  CommandStatus precopy(const CommandBlock& b);
  CommandStatus activate(const CommandBlock& b);
  CommandStatus terminate(const CommandBlock& b);
  CommandStatus add_extent(const CommandBlock& b);
  CommandStatus query(const CommandBlock& b) const;

  Session* find(uint16_t destination) const;
  Session* find(uint32_t id, uint64_t generation) const;
  CloneState state_of(const Session& s) const;
  std::string refusal(const Session* s, uint16_t destination, std::string_view command) const;
  void record(Session& s, std::string event, CloneState from);
  std::string check_extent(const Session* s, uint16_t source, Extent e,
                           const std::vector<Extent>& more) const;
  void cover(Session& s, Extent e);
  void start_activate(Session& s);

  Task copy_program(uint32_t id, uint64_t generation);
  // Copies one track; `done(error)` after its bits changed.
  void copy_track(Session& s, uint64_t track, std::function<void(const std::string&)> done);

  Dispatcher& dispatcher_;
  Hardware& hardware_;
  HostIoGate& gate_;
  TrackCopier& copier_;
  CloneConfig config_;
  TcbPool tcbs_;
  std::map<uint16_t, std::unique_ptr<PbTable>> pb_;        // by source volume
  std::map<uint16_t, std::unique_ptr<Session>> sessions_;  // by destination
  uint32_t next_id_ = 1;
  uint64_t generation_ = 0;
  History history_;
};

}  // namespace copysim::fw
