// Remote copy pairs (peer-to-peer, synchronous), as storage administrators
// know them: a path to the secondary array, then pairs of a primary volume
// and a secondary volume, each simplex, duplex pending (initial copy
// running), full duplex, or suspended (by command or by a link failure).
//
// - Initial copy and resync are seed 000 block transfers over the pair's
//   change bitmap, with seed 001 writes.
// - During duplex pending a host write marks its tracks: one already sent
//   is sent again, one not yet sent is only recorded.
// - In full duplex a host write completes only after the secondary's status
//   for it; if no link can carry it, the pair suspends (link failure) and the
//   write's tracks are marked.
// - While suspended, writes are marked; resume copies only marked tracks.
// Every command in every state gets its transition or a status naming the
// state, and a refused command changes nothing.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string_view>

#include "firmware/command/command_block.h"
#include "firmware/local_copy/history.h"
#include "firmware/remote_copy/block_transfer.h"
#include "firmware/remote_copy/track_bitmap.h"

namespace copysim::fw {

inline constexpr uint16_t kEstablishPath = 0x0201;  // parameters[0]: link mask (0: all links)
inline constexpr uint16_t kRemovePath = 0x0202;
inline constexpr uint16_t kEstablishPair = 0x0211;  // parameters[0]: 1 = no copy (known equal)
inline constexpr uint16_t kSuspendPair = 0x0212;
inline constexpr uint16_t kResumePair = 0x0213;
inline constexpr uint16_t kTerminatePair = 0x0214;
inline constexpr uint16_t kQueryPair = 0x0215;
// From the secondary array to the primary: the secondary volume (secondary
// field) lost write-pending data it had acknowledged.
inline constexpr uint16_t kSecondaryDataLost = 0x0216;

enum class PairState { simplex, duplex_pending, full_duplex, suspended };
enum class SuspendReason { none, command, link_failure, error };
std::string_view to_string(PairState state);
std::string_view to_string(SuspendReason reason);

class RemotePairService final : public HostWriteObserver {
 public:
  RemotePairService(Dispatcher& dispatcher, TcbPool& masters, TcbPool& movers, LinkSelector& links,
                    BlockTransferConfig copy, CommandProcessor& commands,
                    uint32_t mirror_tcbs = 256, uint64_t mirror_cycles = 3000);
  ~RemotePairService() override;

  void host_write(uint16_t device, uint64_t first_block, uint32_t blocks,
                  std::function<void()> done) override;

  // On an array back after a power loss that took the write-pending data of
  // `devices` (no non-volatile cache): each is reported to the peer array,
  // which copies the whole volume again if it is the secondary of one of
  // its pairs (the change bitmap no longer tells what differs). A report
  // that finds no link up is sent again after the link retry time.
  void volumes_lost_data(const std::vector<uint16_t>& devices);

  PairState state(uint16_t primary) const;
  // The volume is the primary or the secondary of a pair.
  bool in_pair(uint16_t device) const {
    return find(device) != nullptr || secondary_in_use(device);
  }
  SuspendReason reason(uint16_t primary) const;
  uint64_t out_of_sync_tracks(uint16_t primary) const;
  // The pair's latest initial copy or resync, if any.
  const PairCopy* last_copy(uint16_t primary) const;
  // Pairs synchronize through this queue (bridges, seed 002) when it
  // carries them, and by a block transfer of their own otherwise.
  void use_sync_queue(PairSyncQueue* queue) { sync_queue_ = queue; }
  uint64_t mirrored_writes() const { return mirrored_writes_; }
  TcbPool& mirror_tcbs() { return mirrors_; }
  // State changes: time, primary (as the id), event, old and new state.
  History& history() { return history_; }

 private:
  struct Pair;
  struct MirrorRequest {
    uint16_t primary;
    uint64_t first_block;
    uint32_t blocks;
    std::function<void()> done;
  };

  CommandStatus establish_path(const CommandBlock& b);
  CommandStatus remove_path(const CommandBlock& b);
  CommandStatus establish_pair(const CommandBlock& b);
  CommandStatus suspend_pair(const CommandBlock& b);
  CommandStatus resume_pair(const CommandBlock& b);
  CommandStatus terminate_pair(const CommandBlock& b);
  CommandStatus query_pair(const CommandBlock& b) const;
  CommandStatus secondary_data_lost(const CommandBlock& b);
  void report_data_lost(uint16_t device, uint32_t attempts_left);

  Pair* find(uint16_t primary) const;
  void set_state(Pair& pair, PairState to, std::string event);
  bool start_copy(Pair& pair);
  void mark(Pair& pair, uint64_t first_block, uint32_t blocks);
  void retire(std::unique_ptr<PairCopy> copy);
  // Deletes stopped copies and terminated pairs whose copies have ended.
  void collect();
  void copy_finished(const PairCopy* copy, TransferOutcome outcome);
  void release(Pair& pair);  // control store and the secondary's protection
  bool secondary_in_use(uint16_t secondary) const;
  Task mirror(MirrorRequest first);
  // A pair suspended by a link failure resumes by itself: after the link
  // retry time its resync is started, and started again after each failure.
  void suspend_for_link_failure(Pair& pair);
  // A send the secondary refused, or that kept failing on a link that is up:
  // no automatic resume.
  void suspend_for_error(Pair& pair, const std::string& why);
  void resume_after_link_failure(uint16_t primary);

  Dispatcher& dispatcher_;
  TcbPool& masters_;
  TcbPool& movers_;
  LinkSelector& links_;
  BlockTransferConfig copy_config_;
  uint64_t mirror_cycles_;
  TcbPool mirrors_;
  bool path_ = false;
  std::map<uint16_t, std::unique_ptr<Pair>> pairs_;
  PairSyncQueue* sync_queue_ = nullptr;
  std::vector<std::unique_ptr<PairCopy>> retired_;  // stopped copies winding down
  std::vector<std::unique_ptr<Pair>> terminating_;  // terminated, copy still ending
  std::deque<MirrorRequest> waiting_mirrors_;       // no mirror TCB was free
  uint32_t sequence_ = 0;
  uint64_t mirrored_writes_ = 0;
  History history_;
};

}  // namespace copysim::fw
