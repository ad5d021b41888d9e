#include "firmware/bridge/status_record.h"

#include <stdexcept>
#include <string>

namespace copysim::fw {
namespace {

constexpr std::size_t kHeaderBytes = 16;
constexpr std::size_t kRecordBytes = 24;

void put(uint8_t* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
}

uint64_t get(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::vector<uint8_t> encode_status_block(std::span<const StatusRecord> records) {
  if (records.size() > kStatusRecordsPerBlock) {
    throw std::invalid_argument("a status block holds at most 20 records, not " +
                                std::to_string(records.size()));
  }
  std::vector<uint8_t> block(kStatusBlockBytes, 0);
  block[0] = 'S';
  block[1] = 'B';
  put(&block[2], records.size(), 2);
  uint8_t* p = block.data() + kHeaderBytes;
  for (const StatusRecord& r : records) {
    put(p, r.bridge_track, 4);
    put(p + 4, r.sequence, 4);
    put(p + 8, r.source_device, 2);
    put(p + 10, r.final_device, 2);
    put(p + 12, r.final_track, 4);
    p[16] = r.good ? 0 : 1;
    p += kRecordBytes;
  }
  return block;
}

std::vector<StatusRecord> decode_status_block(std::span<const uint8_t> block) {
  if (block.size() != kStatusBlockBytes) {
    throw std::invalid_argument("status block of " + std::to_string(block.size()) +
                                " bytes, expected 512");
  }
  if (block[0] != 'S' || block[1] != 'B') {
    throw std::invalid_argument("status block without its \"SB\" marker");
  }
  const auto count = static_cast<std::size_t>(get(&block[2], 2));
  if (count > kStatusRecordsPerBlock) {
    throw std::invalid_argument("status block claims " + std::to_string(count) +
                                " records, at most 20 fit");
  }
  std::vector<StatusRecord> records(count);
  const uint8_t* p = block.data() + kHeaderBytes;
  for (std::size_t i = 0; i < count; ++i, p += kRecordBytes) {
    if (p[16] > 1) {
      throw std::invalid_argument("status record " + std::to_string(i) + " has result " +
                                  std::to_string(p[16]) + ", expected 0 or 1");
    }
    records[i] = {static_cast<uint32_t>(get(p, 4)),      static_cast<uint32_t>(get(p + 4, 4)),
                  static_cast<uint16_t>(get(p + 8, 2)),  static_cast<uint16_t>(get(p + 10, 2)),
                  static_cast<uint32_t>(get(p + 12, 4)), p[16] == 0};
  }
  return records;
}

}  // namespace copysim::fw
