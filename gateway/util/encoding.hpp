#pragma once
/// Byte encodings: hex, base64, percent-encoding, JSON string escaping. Pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace gh::util {

std::string hex_lower(std::string_view bytes);
std::string base64_encode(std::string_view bytes);
/// Standard alphabet with padding; nullopt on malformed input.
std::optional<std::string> base64_decode(std::string_view text);

/// Decodes %XX escapes; with `plus_as_space`, '+' becomes ' ' (query strings). Invalid escapes
/// are kept as written, as API Gateway does.
std::string percent_decode(std::string_view text, bool plus_as_space = false);
/// Decodes %XX escapes; nullopt when a '%' does not start one ("%zz", a trailing "%4").
std::optional<std::string> percent_decode_strict(std::string_view text);
/// AWS UriEncode: every byte except A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex); '/' kept when
/// `keep_slash`.
std::string percent_encode(std::string_view text, bool keep_slash = false);
/// Escapes only what cannot stand in a URL path as itself (RFC 3986 §3.3): keeps unreserved,
/// sub-delims, ':', '@' and '/'; '%', '?', '#', space, controls and non-ASCII bytes become %XX.
/// For a decoded path that goes back on the wire.
std::string percent_encode_path(std::string_view text);
/// Appends percent_encode_path(text) to `out`.
void append_percent_encoded_path(std::string& out, std::string_view text);

/// Appends `text` to `out` escaped for the inside of a JSON string (no quotes added).
void append_json_escaped(std::string& out, std::string_view text);
/// `text` as a JSON string literal, with quotes.
std::string json_quote(std::string_view text);

}  // namespace gh::util
