// Check codes: the CRC engines against the published catalogue, and the
// stored-block format's detection of damage and misplacement.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rtl/checkcode/crc.h"
#include "rtl/checkcode/stored_block.h"
#include "testbench/common/printers.h"

using namespace copysim::checkcode;

namespace {

const std::string kCheckInput = "123456789";

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const CrcModel* const kModels[] = {&kCrc16T10Dif, &kCrc32C, &kCrc32IsoHdlc, &kCrc64Nvme};

std::vector<uint8_t> random_block(std::mt19937_64& rng) {
  std::vector<uint8_t> block(kStoredBlockBytes);
  for (auto& b : block) b = static_cast<uint8_t>(rng());
  return block;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crc_engines)

BOOST_AUTO_TEST_CASE(every_model_gives_the_catalogue_check_value) {
  for (const CrcModel* model : kModels) {
    BOOST_TEST_CONTEXT(model->name) {
      BOOST_TEST(Crc(*model).compute(bytes_of(kCheckInput)) == model->check);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_codeword_leaves_the_catalogue_residue) {
  for (const CrcModel* model : kModels) {
    BOOST_TEST_CONTEXT(model->name) {
      const Crc crc(*model);
      std::vector<uint8_t> codeword(kCheckInput.begin(), kCheckInput.end());
      const uint64_t value = crc.compute(codeword);
      // The CRC is appended in transmission order: least significant byte
      // first for reflected models, most significant first otherwise.
      for (unsigned i = 0; i < model->width / 8; ++i) {
        const unsigned shift = model->refout ? 8 * i : model->width - 8 * (i + 1);
        codeword.push_back(static_cast<uint8_t>(value >> shift));
      }
      const uint64_t reg = crc.update(crc.initial(), codeword);
      // The register is kept in the model's bit order, which is the
      // catalogue's residue convention (reflected when refout).
      BOOST_TEST(reg == model->residue);
    }
  }
}

BOOST_AUTO_TEST_CASE(update_resumes_across_any_split) {
  const Crc crc(kCrc16T10Dif);
  const auto all = bytes_of(kCheckInput);
  for (std::size_t split = 0; split <= all.size(); ++split) {
    const uint64_t reg =
        crc.update(crc.update(crc.initial(), all.first(split)), all.subspan(split));
    BOOST_TEST(crc.finish(reg) == kCrc16T10Dif.check);
  }
}

// The models compiled into copysim must be the ones published in
// shared/reference/crc_catalogue.txt, field for field.
BOOST_AUTO_TEST_CASE(models_match_the_shared_reference_catalogue) {
  auto& suite = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE_MESSAGE(suite.argc >= 2, "pass the path of crc_catalogue.txt after --");
  std::ifstream file(suite.argv[1]);
  BOOST_REQUIRE_MESSAGE(file, "cannot open " << suite.argv[1]);
  int matched = 0;
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, '|');) f.push_back(field);
    BOOST_REQUIRE_EQUAL(f.size(), 9u);
    const std::string name = f[0].substr(0, f[0].find(' '));
    for (const CrcModel* model : kModels) {
      if (model->name != name) continue;
      BOOST_TEST_CONTEXT(name) {
        BOOST_TEST(model->width == std::stoul(f[1]));
        BOOST_TEST(model->poly == std::stoull(f[2], nullptr, 16));
        BOOST_TEST(model->init == std::stoull(f[3], nullptr, 16));
        BOOST_TEST(model->refin == (f[4] == "true"));
        BOOST_TEST(model->refout == (f[5] == "true"));
        BOOST_TEST(model->xorout == std::stoull(f[6], nullptr, 16));
        BOOST_TEST(model->check == std::stoull(f[7], nullptr, 16));
        BOOST_TEST(model->residue == std::stoull(f[8], nullptr, 16));
        ++matched;
      }
    }
  }
  BOOST_TEST(matched == 4);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(stored_block_format)

BOOST_AUTO_TEST_CASE(stamp_writes_la_and_check_code_in_big_endian_trailer) {
  std::vector<uint8_t> block(kStoredBlockBytes, 0);
  const LogicalAddress la{0x1234, 0x89abcdef};
  stamp(BlockBytes(block.data(), kStoredBlockBytes), la);
  const std::vector<uint8_t> la_bytes(block.begin() + 512, block.begin() + 518);
  BOOST_TEST(la_bytes == (std::vector<uint8_t>{0x12, 0x34, 0x89, 0xab, 0xcd, 0xef}),
             boost::test_tools::per_element());
  // The check code is CRC-16/T10-DIF of bytes 0..517, so the whole block is
  // a codeword: its CRC is the catalogue residue, zero.
  const Crc crc(kCrc16T10Dif);
  BOOST_TEST(crc.compute(block) == 0u);
  BOOST_TEST(read_check_code(ConstBlockBytes(block.data(), kStoredBlockBytes)) ==
             crc.compute(std::span(block).first(518)));
  BOOST_TEST(read_la(ConstBlockBytes(block.data(), kStoredBlockBytes)) == la);
}

BOOST_AUTO_TEST_CASE(intact_block_at_its_address_verifies) {
  std::mt19937_64 rng(7);
  auto block = random_block(rng);
  stamp(BlockBytes(block.data(), kStoredBlockBytes), {3, 42});
  BOOST_TEST(verify(ConstBlockBytes(block.data(), kStoredBlockBytes), {3, 42}) == BlockCheck::ok);
}

BOOST_AUTO_TEST_CASE(intact_block_at_another_address_is_an_address_mismatch) {
  std::mt19937_64 rng(8);
  auto block = random_block(rng);
  stamp(BlockBytes(block.data(), kStoredBlockBytes), {3, 42});
  const ConstBlockBytes view(block.data(), kStoredBlockBytes);
  BOOST_TEST(verify(view, {4, 42}) == BlockCheck::address_mismatch);
  BOOST_TEST(verify(view, {3, 43}) == BlockCheck::address_mismatch);
}

BOOST_AUTO_TEST_CASE(every_single_bit_flip_is_a_check_code_mismatch) {
  std::mt19937_64 rng(9);
  auto block = random_block(rng);
  stamp(BlockBytes(block.data(), kStoredBlockBytes), {0x0100, 7});
  int detected = 0;
  for (std::size_t bit = 0; bit < kStoredBlockBytes * 8; ++bit) {
    block[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    detected += verify(ConstBlockBytes(block.data(), kStoredBlockBytes), {0x0100, 7}) ==
                BlockCheck::check_code_mismatch;
    block[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
  BOOST_TEST(detected == static_cast<int>(kStoredBlockBytes * 8));
}

BOOST_AUTO_TEST_CASE(damage_is_reported_before_misplacement) {
  std::mt19937_64 rng(10);
  auto block = random_block(rng);
  stamp(BlockBytes(block.data(), kStoredBlockBytes), {1, 1});
  block[0] ^= 0x80;
  BOOST_TEST(verify(ConstBlockBytes(block.data(), kStoredBlockBytes), {2, 2}) ==
             BlockCheck::check_code_mismatch);
}

BOOST_AUTO_TEST_SUITE_END()

// The formatted block's shortcut (the register of 512 zero bytes, then the
// LA) gives the bytes zeros plus stamp() give, and is recognized only when
// every byte matches.
BOOST_AUTO_TEST_CASE(a_formatted_block_is_zeros_stamped_and_only_that_is_recognized) {
  for (const LogicalAddress la :
       {LogicalAddress{0, 0}, LogicalAddress{0x0100, 7}, LogicalAddress{0xffff, 0xffffffff}}) {
    std::array<uint8_t, kStoredBlockBytes> slow{}, fast{};
    stamp(slow, la);
    fast.fill(0x33);
    format_block(fast, la);
    BOOST_TEST(slow == fast);
    BOOST_TEST(is_formatted_block(fast, la));
    BOOST_TEST(!is_formatted_block(fast, {la.device, la.block ^ 1}));
    for (std::size_t byte : {std::size_t{0}, std::size_t{511}, kCheckCodeOffset + 1}) {
      auto changed = fast;
      changed[byte] ^= 0x01;
      BOOST_TEST(!is_formatted_block(changed, la), "byte " << byte);
    }
  }
}
