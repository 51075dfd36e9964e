#pragma once
/// REST APIs' binaryMediaTypes: which payloads API Gateway passes as bytes rather than as text.
/// The one rule every integration (Lambda proxy, S3) applies. Pure function.

#include <string>
#include <string_view>
#include <vector>

namespace gh::core {

/// Whether the first media type of `header_value` (a Content-Type, or an Accept list of which AWS
/// honours only the first entry, aws-behaviour.md §8.7) matches one of the lower-cased REST
/// binaryMediaTypes: exactly, by a "type/*" entry, or by "*/*". Parameters (";charset=…") are
/// ignored.
bool matches_binary_media_type(std::string_view header_value,
                               const std::vector<std::string>& binary_media_types);

}  // namespace gh::core
