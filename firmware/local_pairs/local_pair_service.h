// Local volume pairs inside one array (seed 004): a primary volume and up
// to three secondaries, each pair with its pair information (number,
// status, volumes, copy pointer) and control information (one inequality
// bit per track) in the control store.
//
// - create: "paired not copied". A background copy, at the pair's pace (1,
//   3 or 15 tracks a step), keeps copying tracks whose inequality bit is
//   set; a host write to the primary sets its tracks' bits again.
// - copy (split): "copy in progress". The point in time is taken at the
//   next quiet point (local_copy/host_io_gate.h); from then a host write to
//   a primary track whose bit is still set first copies the old data to the
//   secondary (Fig. 9). When no bit is left the pair is "copied" and the
//   secondary takes host writes.
// - resync: back to "paired not copied", with the bits of every track
//   either side's hosts wrote since the split (both track maps compared).
// - suspend: copying stops; writes are only recorded.
// - delete: from any status back to "no pair".
// A command that does not apply in the pair's status changes nothing and
// gets a status naming it (the seed's "does nothing").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "firmware/command/command_block.h"
#include "firmware/local_copy/history.h"
#include "firmware/local_copy/host_io_gate.h"
#include "firmware/local_copy/track_copier.h"
#include "firmware/remote_copy/track_bitmap.h"
#include "firmware/runtime/dispatcher.h"

namespace copysim::fw {

// Command block (Fig. 7): primary volume, secondary volume, parameters.
inline constexpr uint16_t kCreateLocalPair = 0x0301;  // p[0]: pace (1, 3, 15); secondary 0: auto
inline constexpr uint16_t kDeleteLocalPair = 0x0302;
inline constexpr uint16_t kCopyLocalPair = 0x0303;    // split; p[0]: pace (0: keep)
inline constexpr uint16_t kResyncLocalPair = 0x0304;  // p[0]: pace (0: keep)
inline constexpr uint16_t kSuspendLocalPair = 0x0305;
inline constexpr uint16_t kQueryLocalPair = 0x0306;
inline constexpr uint16_t kSetReserve =
    0x0307;  // primary volume field: the volume; p[0]: 1 on, 0 off

enum class LocalPairState { no_pair, paired_not_copied, copy_in_progress, copied, suspended };
std::string_view to_string(LocalPairState state);

inline constexpr uint32_t kPaceSlow = 1;
inline constexpr uint32_t kPaceMedium = 3;
inline constexpr uint32_t kPaceFast = 15;
inline constexpr uint32_t kMaxSecondaries = 3;

struct LocalPairConfig {
  uint32_t max_pairs = 1024;                // entries of the pair information table
  uint32_t copy_tcbs = 64;                  // background copies running at once
  uint64_t step_period_ps = 2'000'000'000;  // a copy step starts at most this often
  uint64_t step_cycles = 2000;              // firmware work per copy step
  // A deliberately broken firmware for mutation testing: host writes skip
  // Fig. 9's copy-before-write. Only the scoreboard's own test sets it, to
  // show the scoreboard catches the lost point in time.
  bool mutant_skip_copy_before_write = false;
};

struct LocalPairInfo {
  uint32_t number = 0;
  LocalPairState state = LocalPairState::no_pair;
  uint16_t primary = 0;
  uint16_t secondary = 0;
  uint64_t copy_pointer = 0;
  uint32_t pace = kPaceMedium;
  uint64_t tracks = 0;
  uint64_t unequal_tracks = 0;      // inequality bits set
  uint64_t tracks_copied = 0;       // by the background copy
  uint64_t copy_before_writes = 0;  // tracks copied ahead of a host write (Fig. 9)
  uint64_t split_point_ps = 0;      // the latest split's point in time
};

class LocalPairService final : public LocalCopyParticipant {
 public:
  LocalPairService(Dispatcher& dispatcher, CommandProcessor& commands, HostIoGate& gate,
                   TrackCopier& copier, LocalPairConfig config);
  ~LocalPairService() override;

  void before_io(uint16_t device, TrackRange tracks, bool write,
                 std::function<void(std::string)> done) override;
  void after_write(uint16_t device, TrackRange tracks) override;

  // The pair of `primary` and `secondary`, if there is one.
  std::optional<LocalPairInfo> pair(uint16_t primary, uint16_t secondary) const;
  LocalPairState state(uint16_t primary, uint16_t secondary) const;
  bool reserved(uint16_t device) const { return reserved_.count(device) != 0; }
  // The volume is the primary or a secondary of a pair.
  bool in_pair(uint16_t device) const;
  // Set by the controller: why `device` cannot join a pair because another
  // copy service uses it (empty: it can). `as_target`: the pair would write
  // it (a secondary).
  std::function<std::string(uint16_t device, bool as_target)> in_other_service;
  History& history() { return history_; }
  const LocalPairConfig& config() const { return config_; }
  TcbPool& tcbs() { return tcbs_; }

 private:
  struct Pair;

  CommandStatus create(const CommandBlock& b);
  CommandStatus remove(const CommandBlock& b);
  CommandStatus split(const CommandBlock& b);
  CommandStatus resync(const CommandBlock& b);
  CommandStatus suspend(const CommandBlock& b);
  CommandStatus query(const CommandBlock& b) const;
  CommandStatus set_reserve(const CommandBlock& b);

  Pair* find(uint16_t primary, uint16_t secondary) const;
  Pair* find(uint32_t number, uint64_t generation) const;
  std::string refusal(const Pair* p, uint16_t primary, uint16_t secondary,
                      std::string_view command) const;
  void set_state(Pair& p, LocalPairState to, std::string event);
  // Host write access of a volume follows its reserve attribute and pairs.
  void update_access(uint16_t device);
  std::optional<uint32_t> parse_pace(uint64_t p, bool keep_allowed, std::string& error) const;

  Task copy_process(uint32_t number, uint64_t generation);
  // Copies one track of the pair; `done` once its bit is settled.
  void copy_track(Pair& p, uint64_t track, std::function<void()> done);
  void copy_before_write(uint16_t primary, TrackRange tracks, std::size_t pair_index,
                         std::function<void()> done);

  Dispatcher& dispatcher_;
  Hardware& hardware_;
  HostIoGate& gate_;
  TrackCopier& copier_;
  LocalPairConfig config_;
  TcbPool tcbs_;
  std::map<uint32_t, std::unique_ptr<Pair>> pairs_;  // by pair number
  std::set<uint16_t> reserved_;                      // the reserve attribute
  uint64_t generation_ = 0;
  History history_;
};

}  // namespace copysim::fw
