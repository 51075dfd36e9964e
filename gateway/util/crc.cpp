#include "gateway/util/crc.hpp"

#include <array>

namespace gh::util {
namespace {

using Table = std::array<std::array<std::uint32_t, 256>, 8>;

// Slicing-by-8 tables for a reflected CRC with polynomial `poly`: about a byte per cycle, so a
// 200 MB S3 body costs well under a second and a DynamoDB answer's checksum next to nothing.
Table make_table(std::uint32_t poly) {
  Table t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i) {
    for (std::size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}

std::uint32_t crc_update(const Table& t, std::uint32_t crc, std::string_view bytes) {
  crc = ~crc;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  while (n >= 8) {
    const std::uint32_t lo = crc ^ (std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 |
                                    std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24);
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}

}  // namespace

std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes) noexcept {
  static const Table kTable = make_table(0xEDB88320u);
  return crc_update(kTable, crc, bytes);
}

std::uint32_t crc32c_update(std::uint32_t crc, std::string_view bytes) noexcept {
  static const Table kTable = make_table(0x82F63B78u);
  return crc_update(kTable, crc, bytes);
}

}  // namespace gh::util
