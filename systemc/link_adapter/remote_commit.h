// The secondary array's side of a remote write: what an FcpWritePath calls
// once a write's data is in the secondary's buffer.
#pragma once

#include <functional>

#include "systemc/array/storage_array.h"
#include "systemc/link/fcp_write.h"

namespace copysim::sc {

// Writes the received blocks to the secondary volume the write control
// information names; refused writes report the secondary's message. Once
// a write is in cache, `arrived` (if given) hears of it: that is how the
// firmware sees tracks landing on a bridge volume.
inline FcpWritePath::Commit commit_to(StorageArray& secondary,
                                      std::function<void(const RemoteWriteControl&)> arrived = {}) {
  return [&secondary, arrived = std::move(arrived)](
             const RemoteWriteControl& w, std::span<const uint8_t> data, std::string& error) {
    const IoStatus st = secondary.receive_remote_write(w.target_device, w.target_block, w.blocks,
                                                       data, {w.source_device, w.source_block});
    if (!st.ok()) error = st.message;
    if (st.ok() && arrived) arrived(w);
    return st.ok();
  };
}

}  // namespace copysim::sc
