// The secondary array's side of a remote write: what an FcpWritePath calls
// once a write's data is in the secondary's buffer.
#pragma once

#include "systemc/array/storage_array.h"
#include "systemc/link/fcp_write.h"

namespace copysim::sc {

// Writes the received blocks to the secondary volume the write control
// information names; refused writes report the secondary's message.
inline FcpWritePath::Commit commit_to(StorageArray& secondary) {
  return
      [&secondary](const RemoteWriteControl& w, std::span<const uint8_t> data, std::string& error) {
        const IoStatus st = secondary.receive_remote_write(
            w.target_device, w.target_block, w.blocks, data, {w.source_device, w.source_block});
        if (!st.ok()) error = st.message;
        return st.ok();
      };
}

}  // namespace copysim::sc
