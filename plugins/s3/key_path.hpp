#pragma once
/// Where an object key lives inside a bucket directory.
///
/// Keys are never used as path components: a key maps to `objects/<h0h1>/<sha256(key) hex>`, where
/// h0h1 are the first two hex digits (256 fan-out directories keep each directory small). So
/// `../../etc/passwd`, `a/../b`, keys named like our own files, 1024-byte keys and any unicode all
/// map to a fixed 64-character name inside the bucket; the real key is kept in the object's
/// metadata trailer, and a read checks it (a SHA-256 collision would read as "no such key").
/// Pure functions, any thread.
#include <filesystem>
#include <string>
#include <string_view>

namespace gh::plugins::s3 {

/// 64 lower-case hex digits naming the object file.
std::string key_file_name(std::string_view key);
/// `objects/<h0h1>/<name>` relative to the bucket directory.
std::filesystem::path key_relative_path(std::string_view key);

}  // namespace gh::plugins::s3
