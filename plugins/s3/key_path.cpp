#include "plugins/s3/key_path.hpp"

#include "gateway/util/crypto.hpp"

namespace gh::plugins::s3 {

std::string key_file_name(std::string_view key) { return util::sha256_hex(key); }

std::filesystem::path key_relative_path(std::string_view key) {
  const std::string name = key_file_name(key);
  return std::filesystem::path("objects") / name.substr(0, 2) / name;
}

}  // namespace gh::plugins::s3
