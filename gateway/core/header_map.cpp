#include "gateway/core/header_map.hpp"

#include <algorithm>

#include "gateway/util/ascii.hpp"

namespace gh::core {

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = util::ascii_lower(c);
  return out;
}

void HeaderMap::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void HeaderMap::add_copy(std::string_view name, std::string_view value) {
  fields_.emplace_back(std::string(name), std::string(value));
}

void HeaderMap::set(std::string_view name, std::string value) {
  auto first = std::find_if(fields_.begin(), fields_.end(),
                            [&](const HeaderField& f) { return iequals(f.name, name); });
  if (first == fields_.end()) {
    fields_.push_back({std::string(name), std::move(value)});
    return;
  }
  first->value = std::move(value);
  fields_.erase(std::remove_if(std::next(first), fields_.end(),
                               [&](const HeaderField& f) { return iequals(f.name, name); }),
                fields_.end());
}

std::size_t HeaderMap::erase(std::string_view name) {
  auto before = fields_.size();
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const HeaderField& f) { return iequals(f.name, name); }),
                fields_.end());
  return before - fields_.size();
}

const std::string* HeaderMap::find(std::string_view name) const noexcept {
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) return &f.value;
  }
  return nullptr;
}

std::string_view HeaderMap::get(std::string_view name, std::string_view fallback) const noexcept {
  const std::string* v = find(name);
  return v ? std::string_view(*v) : fallback;
}

std::vector<std::string_view> HeaderMap::values(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& f : fields_) {
    if (iequals(f.name, name)) out.emplace_back(f.value);
  }
  return out;
}

std::string HeaderMap::joined(std::string_view name, std::string_view sep) const {
  std::string out;
  bool first = true;
  for (const auto& f : fields_) {
    if (!iequals(f.name, name)) continue;
    if (!first) out.append(sep);
    out.append(f.value);
    first = false;
  }
  return out;
}

}  // namespace gh::core
