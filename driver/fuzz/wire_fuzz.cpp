// libFuzzer target: the server's reading of whatever a client sends.
// Frames are cut from the input as the server cuts them; each is decoded
// as a request (a COMMAND's 32-byte block by the controller's decoder too),
// and the input is also read as a reply and as events, as the client reads
// them. Any exception but DecodeError, or any crash, is a
// finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "driver/src/wire.h"
#include "firmware/command/command_block.h"

using namespace copysim::driver;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::span<const uint8_t> in(data, size);
  try {
    while (auto h = wire::peek_header(in)) {
      const std::size_t n = wire::kHeaderBytes + h->length;
      if (in.size() < n) break;
      wire::Frame f{h->type, h->id, {in.begin() + wire::kHeaderBytes, in.begin() + n}};
      try {
        const wire::Request q = wire::decode_request(f);
        // A COMMAND's block goes on to the controller's decoder.
        if (q.type == wire::Type::command) {
          try {
            (void)copysim::fw::decode_command(q.data);
          } catch (const std::invalid_argument&) {
          }
        }
      } catch (const wire::DecodeError&) {
      }
      in = in.subspan(n);
    }
  } catch (const wire::DecodeError&) {
  }
  try {
    wire::Reader r({data, size});
    (void)wire::read_reply_head(r);
    while (true) (void)wire::get_event(r);
  } catch (const wire::DecodeError&) {
  }
  return 0;
}
