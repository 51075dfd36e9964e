#pragma once
/// CRC-32 (ISO-HDLC, as zlib: DynamoDB's x-amz-crc32, S3's x-amz-checksum-crc32) and CRC-32C
/// (Castagnoli: S3's x-amz-checksum-crc32c), slicing-by-8. Pure functions.

#include <cstdint>
#include <string_view>

namespace gh::util {

/// Each continues from `crc` (0 to start): update(update(0, a), b) == update(0, a + b).
std::uint32_t crc32_update(std::uint32_t crc, std::string_view bytes) noexcept;
std::uint32_t crc32c_update(std::uint32_t crc, std::string_view bytes) noexcept;

}  // namespace gh::util
