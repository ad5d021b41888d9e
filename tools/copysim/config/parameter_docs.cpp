#include "tools/copysim/config/parameter_docs.h"

#include <array>

namespace copysim::config {
namespace {

// Units and sources from docs/PLATFORM.md (the array), docs/LINKS.md (the
// link, FCP write path and DMA engine) and docs/DRIVER.md (the topology and
// the firmware). Keep the two in step: docs/CONFIGURATION.md is generated
// from this table.
constexpr std::array kDocs = std::to_array<ParameterDoc>({
    // The array description (docs/PLATFORM.md).
    {"/name", "-", "assumed: a placeholder; a topology names each array in /arrays/N/name"},
    {"/processors/count", "cores",
     "assumed: eight embedded cores run the firmware's work, each command on the first free one"},
    {"/processors/clock_mhz", "MHz",
     "assumed: 1 GHz embedded cores; every cost given in cycles is counted at this clock"},
    {"/processors/workers", "operations",
     "assumed: eight hardware operations per core under way at once (sends, copies, block reads "
     "and writes, peer commands), as many as the default 64 copy TCBs can ask for"},
    {"/shared_memory/bytes", "bytes",
     "assumed: 4 GiB of control store, room for the firmware's default pools and tables many "
     "times over"},
    {"/shared_memory/access_ns", "ns",
     "assumed: one control-store access (a directory lookup) across the array's internal "
     "network, slower than a processor's local memory"},
    {"/cache/slots", "track slots",
     "assumed: 4,096 tracks (256 MiB of 64 KiB FBA tracks), far less than a real array's cache, "
     "so that short runs reach misses, evictions and the write-pending limit"},
    {"/cache/ports", "ports",
     "assumed: four access paths into cache memory; a transfer takes the first free one"},
    {"/cache/port/clock_mhz", "MHz",
     "assumed: the FPGA fabric clock of the model's blocks (shared/DESIGN.md, \"Time\")"},
    {"/cache/port/width_bytes", "bytes",
     "assumed: a 512-bit path, 64 B x 250 MHz = 16 GB/s a port, above any front end's rate"},
    {"/cache/port/latency_cycles", "cycles", "assumed: 32 ns at 250 MHz to open a cache access"},
    {"/cache/write_pending_limit", "share of slots",
     "assumed: up to 80 % of the slots hold write-pending data, a fifth left for reads and "
     "stages; beyond it host writes wait for destages (write throttling)"},
    {"/cache/non_volatile", "-",
     "assumed: a battery-backed cache, as enterprise arrays have: write-pending data survives a "
     "power loss"},
    {"/cache/destage_age_ms", "ms",
     "assumed: long enough for a sequential writer of 15 MB/s to fill a 448 KiB stripe row of "
     "a 7D+1P group, and for rewrites of a hot track to coalesce; the price is data held in "
     "cache that long"},
    {"/cache/destage_high_water", "share of slots",
     "assumed: half the write-pending limit, so destage runs at host priority well before "
     "host writes are throttled"},
    {"/cache/destage_gather_blocks", "blocks",
     "assumed: 4 MiB of 512-byte blocks, nine stripe rows of a 7D+1P group with 64 KiB chunks, "
     "so a sequential run destages as whole stripes with few switches between reading and "
     "writing (the 1,000-track clone of docs/PLATFORM.md, with prefetch the same size: 1 MiB "
     "146.2 ms to the drives, 4 MiB 73.3 ms)"},
    {"/cache/prefetch_blocks", "blocks",
     "assumed: 4 MiB ahead of a sequential reader or copy (at most an eighth of the slots), "
     "staged half a window at a time so each drive reads several chunks per positioning (the "
     "1,000-track clone of docs/PLATFORM.md, with gathering the same size: 1 MiB 107.8 ms to "
     "copied, 4 MiB 38.9 ms)"},
    {"/host_adapters/count", "adapters",
     "assumed: a small mid-range front end, two adapters of four ports (eight host ports)"},
    {"/host_adapters/ports", "ports per adapter",
     "assumed: four ports per adapter; ports are numbered across adapters"},
    {"/host_adapters/port_speed", "-",
     "standard: 16GFC, 14.025 GBd with 64b/66b coding = 1,700 MB/s (FC-PI, "
     "shared/reference/fc_link_reference.csv); 16GFC assumed, also 8GFC, 32GFC or 64GFC"},
    {"/host_adapters/max_frame_payload", "bytes",
     "assumed: four 512-byte blocks per frame; FC-FS allows up to 2,112"},
    {"/host_adapters/command_cycles", "cycles",
     "assumed: 10 us of a 1 GHz core per host command (decode, directory, response)"},
    {"/host_adapters/queue_depth", "commands per port",
     "assumed: 2,048 commands a front-end port holds at once, the order of the per-port queue "
     "depths mid-range FC targets advertise; at most 65,535, the exchanges a 16-bit OX_ID names "
     "(FC-FS). A host beyond it is answered QUEUE FULL and holds its command"},
    {"/disk_adapters/count", "adapters",
     "assumed: two back-end adapters; parity groups hang on them round robin"},
    {"/disk_adapters/ports", "ports per adapter",
     "assumed: four back-end ports per adapter; a group's drives hang on them round robin"},
    {"/disk_adapters/port/clock_mhz", "MHz",
     "standard: 150 MHz x 8 B = 1.2 GB/s, one 12 Gb/s SAS lane (SAS-3, 8b/10b coding)"},
    {"/disk_adapters/port/width_bytes", "bytes", "standard: as /disk_adapters/port/clock_mhz"},
    {"/disk_adapters/port/latency_cycles", "cycles",
     "assumed: none; a drive command's fixed costs are /disk_adapters/command_overhead_us and "
     "the drive's /drive/controller_overhead_us"},
    {"/disk_adapters/command_overhead_us", "us",
     "assumed: the adapter hardware's work per drive command"},
    {"/disk_adapters/command_cycles", "cycles",
     "assumed: 5 us of a 1 GHz core per stage or destage"},
    {"/disk_adapters/destage_streams", "destages",
     "assumed: destages running at once per adapter (8 per drive at the defaults), so that the "
     "drives' schedulers have commands to order"},
    {"/disk_adapters/drr/implementation", "-",
     "assumed: fast, the C++ model with the RTL's cycle timing, for speed; rtl steps the "
     "Verilated unit (for waveforms), model the cycle-stepped C++ model (docs/DRR_UNIT.md)"},
    {"/disk_adapters/drr/clock_mhz", "MHz",
     "assumed: the FPGA fabric clock (shared/DESIGN.md, \"Time\")"},
    {"/disk_adapters/drr/data_bytes", "bytes",
     "assumed: a 512-bit data path: 9 cycles a block, 14.4 GB/s at 250 MHz (docs/DRR_UNIT.md)"},
    {"/drives", "drives", "assumed: four RAID-5 3D+1P groups; a whole number of parity groups"},
    {"/drive/rpm", "rpm",
     "datasheet: the 15,000 rpm of enterprise 15K drives such as the Seagate Cheetah 15K.7; "
     "a revolution is 4 ms"},
    {"/drive/cylinders", "cylinders",
     "assumed: with 8 heads and 1,200 sectors a track, 960 million 520-byte sectors (491.5 GB "
     "of user data), the capacity class of 15K drives; a round logical geometry"},
    {"/drive/heads", "heads", "assumed: as /drive/cylinders"},
    {"/drive/blocks_per_track", "520-byte sectors",
     "assumed: 1,200 sectors a 4 ms revolution, a 156 MB/s media rate, within the sustained "
     "rates 15K drives publish"},
    {"/drive/track_to_track_ms", "ms",
     "datasheet: the 0.2 ms track-to-track read seek of 15K drives (Seagate Cheetah 15K.7)"},
    {"/drive/full_stroke_ms", "ms",
     "assumed: with the square-root seek curve, a mean random seek of 3.8 ms, near the 3.4 ms "
     "(read) to 3.9 ms (write) average seeks 15K drives publish"},
    {"/drive/head_switch_ms", "ms",
     "assumed: half a track-to-track seek (a skew of 30 sectors at the defaults)"},
    {"/drive/controller_overhead_us", "us",
     "assumed: the drive's command decode, hidden behind a busy drive"},
    {"/drive/queue_depth", "commands",
     "assumed: the usual SAS tagged-queue depth array back ends use; more commands wait at the "
     "initiator in arrival order"},
    {"/drive/scheduler", "-",
     "assumed: satf (shortest access time first), as the rotational-position ordering of "
     "enterprise drives; also fifo, elevator (LOOK)"},
    {"/drive/max_queue_wait_ms", "ms",
     "assumed: starvation control of drive firmware; long enough not to cost throughput at "
     "depth 16"},
    {"/drive/read_ahead_blocks", "520-byte sectors",
     "assumed: one read-ahead segment of 1 MiB, a segment of the 16 MB buffer of a 15K drive "
     "such as the Seagate Cheetah 15K.7"},
    {"/drive/background_share", "share of picks",
     "assumed: copies, prefetch, rebuild and unpressed destage get one pick in five while "
     "host commands wait, so a copy slows host I/O by a bounded share and never stops"},
    {"/parity_group/raid", "-",
     "assumed: RAID-5, with /parity_group/data_drives the smallest RAID-5 group mid-range arrays "
     "offer; also raid0, raid1 (nD+nD), raid6"},
    {"/parity_group/data_drives", "drives",
     "assumed: RAID-5 3D+1P (with 16 drives, four groups), the smallest RAID-5 group mid-range "
     "arrays offer, 7D+1P being the other common one"},
    {"/parity_group/chunk_blocks", "512-byte blocks",
     "assumed: the stripe unit, 64 KiB of user data: one default FBA track per chunk, so a "
     "track destage touches one drive and its parity"},
    {"/parity_group/rebuild_mb_per_s", "MB/s",
     "assumed: a rebuild onto a spare paced to leave the drives most of their ~156 MB/s for "
     "hosts"},
    {"/parity_group/drive_timeout_ms", "ms",
     "assumed: array back ends time drive commands out in seconds; a host's SCSI default of "
     "30 s would stall every IO on the group"},
    {"/volumes", "volume groups",
     "no default: an array has the volume groups its description lists, none otherwise"},
    {"/volumes/*/first_device", "device number",
     "assumed: 0x0000 when left out; the group is first_device to first_device + count - 1"},
    {"/volumes/*/count", "volumes",
     "assumed: one volume when left out; the group is count consecutive device numbers"},
    {"/volumes/*/model", "-",
     "standard: IBM 3390 geometry, 15 tracks per cylinder and 56,664 bytes per track "
     "(shared/reference/dasd_3390_geometry.csv); 3390-3 assumed, or FBA"},
    {"/volumes/*/tracks", "tracks",
     "no default: an FBA group must give it; 3390 models take it from their geometry"},
    {"/volumes/*/track_kib", "KiB",
     "assumed: 64 KiB (128 blocks) an FBA track, one parity chunk; FBA only"},

    // A topology (docs/DRIVER.md, "Topology"): its arrays and their firmware.
    {"/arrays/*/name", "-", "no default: each array needs a name no other array has"},
    {"/arrays/*/firmware/master_tcbs", "TCBs",
     "assumed: 16 block transfers and pair copies supervised at once (the seeds give no pool "
     "sizes, costs or timeouts)"},
    {"/arrays/*/firmware/data_mover_tcbs", "TCBs",
     "assumed: data-mover TCBs shared by all masters (seed 000)"},
    {"/arrays/*/firmware/tcb_bytes", "bytes",
     "assumed: control store per TCB, its state and a track's descriptor chain"},
    {"/arrays/*/firmware/dispatch_cycles", "cycles",
     "assumed: switching to a TCB, a context switch on an embedded core"},
    {"/arrays/*/firmware/mirror_tcbs", "TCBs",
     "assumed: TCBs mirroring synchronous host writes to the secondary"},
    {"/arrays/*/firmware/transfer/max_data_movers", "data movers",
     "assumed: data movers one master keeps in flight"},
    {"/arrays/*/firmware/transfer/group_tracks", "tracks",
     "assumed: tracks sent on one link before the next choice of link (seed 000 leaves the "
     "size open)"},
    {"/arrays/*/firmware/transfer/group_start", "-",
     "assumed: overlapped (seed 000's claim 7) keeps a long link full; after_completion is "
     "claim 6 (docs/FIRMWARE.md)"},
    {"/arrays/*/firmware/transfer/master_cycles_per_track", "cycles",
     "assumed: the master's work per track"},
    {"/arrays/*/firmware/transfer/mover_cycles_per_track", "cycles",
     "assumed: a data mover's work per track, descriptor chain and remote write"},
    {"/arrays/*/firmware/transfer/attempts_per_track", "sends",
     "assumed: sends of a track before the transfer fails"},
    {"/arrays/*/firmware/transfer/link_retry_ps", "ps",
     "assumed: a link reported down is tried again after 10 ms"},
    {"/arrays/*/firmware/bridge/tcbs", "TCBs",
     "assumed: bridge TCBs for setup, sync worker, status reader and sender (seed 002)"},
    {"/arrays/*/firmware/bridge/movers", "TCBs",
     "assumed: TCBs of the secondary moving tracks off the data bridge"},
    {"/arrays/*/firmware/bridge/command_cycles", "cycles", "assumed: per bridge command"},
    {"/arrays/*/firmware/bridge/snapshot_cycles_per_track", "cycles",
     "assumed: one pointer into the snapshot map"},
    {"/arrays/*/firmware/bridge/send_cycles_per_track", "cycles",
     "assumed: sending a track to the data bridge"},
    {"/arrays/*/firmware/bridge/move_cycles_per_track", "cycles",
     "assumed: moving a track to its final volume"},
    {"/arrays/*/firmware/bridge/status_cycles_per_record", "cycles",
     "assumed: per status record read or written"},
    {"/arrays/*/firmware/bridge/setup_timeout_ps", "ps",
     "assumed: 100 ms of waiting for the notification (seed 002 step 612)"},
    {"/arrays/*/firmware/bridge/status_retry_ps", "ps",
     "assumed: a failed status send is tried again after 10 ms"},
    {"/arrays/*/firmware/local_pairs/max_pairs", "pairs",
     "assumed: entries of the pair information table, 32 bytes each (seed 004)"},
    {"/arrays/*/firmware/local_pairs/copy_tcbs", "TCBs",
     "assumed: background copies running at once"},
    {"/arrays/*/firmware/local_pairs/step_period_ps", "ps",
     "assumed: a copy step starts at most every 2 ms (0: back to back)"},
    {"/arrays/*/firmware/local_pairs/step_cycles", "cycles",
     "assumed: the firmware's work per copy step"},
    {"/arrays/*/firmware/local_pairs/mutant_skip_copy_before_write", "-",
     "assumed: false; true is a deliberately broken firmware that skips copy-before-write, for "
     "showing that verification catches it, never for experiments"},
    {"/arrays/*/firmware/clones/max_sessions", "sessions",
     "assumed: clone sessions, 64 bytes of control store each (seed 003)"},
    {"/arrays/*/firmware/clones/copy_tcbs", "TCBs",
     "assumed: precopies and background copies running at once"},
    {"/arrays/*/firmware/clones/track_cycles", "cycles",
     "assumed: the firmware's work per track a copy looks at"},

    // The link (docs/LINKS.md).
    {"/link/primary", "-", "no default: the array remote copy sends from"},
    {"/link/secondary", "-", "no default: the array it sends to, another than the primary"},
    {"/link/links", "links",
     "assumed: one forward link (1 to 8); forward links carry remote copy and data bridges"},
    {"/link/return_links", "links",
     "assumed: one return link (0 to 8); return links carry status bridges"},
    {"/link/speed", "-",
     "standard: line rate and coding from FC-PI (shared/reference/fc_link_reference.csv); "
     "16GFC assumed, also 8GFC, 32GFC or 64GFC"},
    {"/link/distance_km", "km",
     "assumed: arrays side by side; one way, at most 20,000 km, half the earth's circumference"},
    {"/link/propagation_us_per_km", "us/km",
     "standard: light in fibre takes 4.9 to 5.0 us a km (shared/reference/README.md); up to 10 "
     "for a route with equipment delays"},
    {"/link/bb_credits", "credits",
     "assumed: receive buffers at each end, enough for about 5 km at 16GFC by the 8-per-km "
     "rule (Brocade); BB_Credit is a 16-bit field of the login (FC-LS)"},
    {"/link/max_payload", "bytes",
     "assumed: four 512-byte blocks a frame; the login's receive data field size is 256 to "
     "2,112 bytes, a multiple of 4 (FC-FS, FC-LS)"},
    {"/link/fidelity", "-",
     "assumed: fast computes the schedule frame fidelity steps through, at less cost"},
    {"/link/lost_frame_detect_us", "us",
     "assumed: a receiver notices a sequence with a frame missing (the SEQ_CNT gap, then ABTS) "
     "in 1 ms; at most R_A_TOV's default, 10 s (FC-FS)"},
    {"/link/adapter/dma/bus/clock_mhz", "MHz",
     "assumed: with /link/adapter/dma/bus/width_bytes, 8 GB/s, above one link's rate at any "
     "speed, so the DMA engine is not what limits a link"},
    {"/link/adapter/dma/bus/width_bytes", "bytes", "assumed: as /link/adapter/dma/bus/clock_mhz"},
    {"/link/adapter/dma/bus/latency_cycles", "cycles", "assumed: to start a descriptor"},
    {"/link/adapter/dma/queue_depth", "chains", "assumed: descriptor chains in flight"},
    {"/link/adapter/fcp/mode", "-",
     "assumed: extended_cdb, seed 001's method under study (write control information in the "
     "CDB, no XFER_RDY); standard is FCP-4 with XFER_RDY"},
    {"/link/adapter/fcp/policy", "-",
     "assumed: preallocated secondary buffers; allocate_after_receipt is the other policy of "
     "seed 001"},
    {"/link/adapter/fcp/buffers", "buffer pairs",
     "assumed: payload and data buffer pairs at the secondary; at most 65,535, the exchanges a "
     "16-bit OX_ID names (FC-FS)"},
    {"/link/adapter/fcp/pool_buffers", "buffer pairs",
     "assumed: the secondary's memory for allocate_after_receipt, twice the buffers set up, so "
     "replacements run ahead of slow commits by one set and then hold the primary back"},
    {"/link/adapter/fcp/command_us", "us",
     "assumed: the secondary's embedded processor decodes a 48-byte IU"},
    {"/link/adapter/fcp/allocation_us", "us", "assumed: the secondary allocates a buffer pair"},
    {"/link/adapter/fcp/max_retries", "retries",
     "assumed: sends again after a CRC error before retries_exhausted"},

    // The hosts (docs/DRIVER.md, "Topology").
    {"/hosts/*/name", "-", "no default: each host needs a name no other host has"},
    {"/hosts/*/ports/*/array", "-", "no default: the array the port is attached to"},
    {"/hosts/*/ports/*/port", "port number", "assumed: the array's first host port"},
    {"/hosts/*/ports/*/volumes", "device numbers",
     "assumed: none listed, so the port sees every volume of the array (no LUN masking)"},
});

}  // namespace

std::span<const ParameterDoc> parameter_docs() { return kDocs; }

const ParameterDoc* find_parameter_doc(std::string_view key) {
  for (const ParameterDoc& d : kDocs) {
    if (d.key == key) return &d;
  }
  return nullptr;
}

}  // namespace copysim::config
