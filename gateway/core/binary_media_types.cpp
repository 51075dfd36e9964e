#include "gateway/core/binary_media_types.hpp"

#include "gateway/core/header_map.hpp"

namespace gh::core {

bool matches_binary_media_type(std::string_view header_value,
                               const std::vector<std::string>& binary_media_types) {
  if (binary_media_types.empty()) return false;
  std::string_view type = header_value.substr(0, header_value.find_first_of(",;"));
  // Without HTTP's optional whitespace (spaces and tabs) around it.
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  for (const std::string& entry : binary_media_types) {
    if (entry == "*/*") return true;  // the docs: "*/*" makes every payload binary
    if (type.empty()) continue;
    if (entry.size() >= 2 && entry.ends_with("/*")) {
      std::string_view prefix(entry.data(), entry.size() - 1);  // "image/"
      if (type.size() > prefix.size() && iequals(type.substr(0, prefix.size()), prefix)) {
        return true;
      }
    } else if (iequals(type, entry)) {
      return true;
    }
  }
  return false;
}

}  // namespace gh::core
