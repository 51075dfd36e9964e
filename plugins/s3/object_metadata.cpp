#include "plugins/s3/object_metadata.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace gh::plugins::s3 {
namespace {

constexpr std::string_view kMetaPrefix = "meta:";
constexpr std::string_view kTagPrefix = "tag:";

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t get_le(std::string_view s, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i)
    v |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
  return v;
}

void put_field(std::string& out, std::string_view name, std::string_view value) {
  put_u32(out, static_cast<std::uint32_t>(name.size()));
  out.append(name);
  put_u32(out, static_cast<std::uint32_t>(value.size()));
  out.append(value);
}

template <typename Int>
bool parse_int(std::string_view s, Int& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

/// Part sizes as "5242880,5242880,17" (the trailer field "part-sizes").
std::string join_sizes(const std::vector<std::uint64_t>& sizes) {
  std::string out;
  for (std::uint64_t size : sizes) {
    if (!out.empty()) out += ',';
    out += std::to_string(size);
  }
  return out;
}

bool split_sizes(std::string_view text, std::vector<std::uint64_t>& sizes) {
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::uint64_t size = 0;
    if (!parse_int(text.substr(start, comma - start), size)) return false;
    sizes.push_back(size);
    start = comma + 1;
  }
  return true;
}

}  // namespace

std::string encode_trailer(const ObjectInfo& info) {
  std::string out;
  const auto field = [&](std::string_view name, std::string_view value) {
    if (!value.empty()) put_field(out, name, value);
  };
  put_field(out, "key", info.key);
  put_field(out, "size", std::to_string(info.size));
  put_field(out, "etag", info.etag);
  put_field(out, "last-modified-ms", std::to_string(info.last_modified_ms));
  if (info.parts_count != 0) put_field(out, "parts-count", std::to_string(info.parts_count));
  if (!info.part_sizes.empty()) put_field(out, "part-sizes", join_sizes(info.part_sizes));
  field("content-type", info.headers.content_type);
  field("content-encoding", info.headers.content_encoding);
  field("content-disposition", info.headers.content_disposition);
  field("content-language", info.headers.content_language);
  field("cache-control", info.headers.cache_control);
  field("expires", info.headers.expires);
  field("checksum-crc32", info.checksum_crc32);
  field("checksum-crc32c", info.checksum_crc32c);
  field("checksum-sha256", info.checksum_sha256);
  for (const auto& [name, value] : info.headers.user_metadata) {
    put_field(out, std::string(kMetaPrefix) + name, value);
  }
  // One field per tag ("tag:<key>"): a tag's value may be empty, so written even when it is.
  for (const auto& [name, value] : info.headers.tags) {
    put_field(out, std::string(kTagPrefix) + name, value);
  }
  const std::uint64_t len = out.size();
  put_u64(out, len);
  out.append(kFooterMagic);
  return out;
}

std::optional<ObjectInfo> decode_trailer(std::string_view blob) {
  ObjectInfo info;
  bool have_key = false, have_size = false;
  while (!blob.empty()) {
    std::string_view parts[2];
    for (auto& part : parts) {
      if (blob.size() < 4) return std::nullopt;
      const auto len = get_le(blob, 4);
      blob.remove_prefix(4);
      if (blob.size() < len) return std::nullopt;
      part = blob.substr(0, len);
      blob.remove_prefix(len);
    }
    const auto [name, value] = std::pair(parts[0], parts[1]);
    if (name == "key") {
      info.key = value;
      have_key = true;
    } else if (name == "size") {
      if (!parse_int(value, info.size)) return std::nullopt;
      have_size = true;
    } else if (name == "etag") {
      info.etag = value;
    } else if (name == "last-modified-ms") {
      if (!parse_int(value, info.last_modified_ms)) return std::nullopt;
    } else if (name == "parts-count") {
      if (!parse_int(value, info.parts_count)) return std::nullopt;
    } else if (name == "part-sizes") {
      if (!split_sizes(value, info.part_sizes)) return std::nullopt;
    } else if (name == "content-type") {
      info.headers.content_type = value;
    } else if (name == "content-encoding") {
      info.headers.content_encoding = value;
    } else if (name == "content-disposition") {
      info.headers.content_disposition = value;
    } else if (name == "content-language") {
      info.headers.content_language = value;
    } else if (name == "cache-control") {
      info.headers.cache_control = value;
    } else if (name == "expires") {
      info.headers.expires = value;
    } else if (name == "checksum-crc32") {
      info.checksum_crc32 = value;
    } else if (name == "checksum-crc32c") {
      info.checksum_crc32c = value;
    } else if (name == "checksum-sha256") {
      info.checksum_sha256 = value;
    } else if (name.substr(0, kMetaPrefix.size()) == kMetaPrefix) {
      info.headers.user_metadata.emplace(name.substr(kMetaPrefix.size()), value);
    } else if (name.substr(0, kTagPrefix.size()) == kTagPrefix) {
      info.headers.tags.emplace(name.substr(kTagPrefix.size()), value);
    }
    // Unknown fields are skipped: a newer writer's extra fields do not make the object unreadable.
  }
  if (!have_key || !have_size) return std::nullopt;
  return info;
}

std::optional<std::uint64_t> decode_footer(std::string_view footer) {
  if (footer.size() != kFooterBytes || footer.substr(8) != kFooterMagic) return std::nullopt;
  return get_le(footer, 8);
}

}  // namespace gh::plugins::s3
