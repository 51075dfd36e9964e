#include "plugins/s3/object_listing.hpp"

#include <string_view>

#include "gateway/util/encoding.hpp"

namespace gh::plugins::s3 {

std::string prefix_successor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty())
    prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::string encode_continuation_token(std::string_view last_returned) {
  return util::base64_encode(last_returned);
}

std::optional<std::string> decode_continuation_token(std::string_view token) {
  auto key = util::base64_decode(token);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

std::string v2_list_after(std::string_view start_after, const std::optional<std::string>& token) {
  return token ? *token : std::string(start_after);
}

ListPage list_index(const KeyIndex& index, const ListQuery& query) {
  ListPage page;
  // max-keys=0 returns an empty, untruncated page (UNVERIFIED against S3; moto does the same).
  if (query.max_keys <= 0) return page;
  const std::size_t limit = static_cast<std::size_t>(query.max_keys);

  auto it = query.after >= query.prefix ? index.upper_bound(query.after)
                                        : index.lower_bound(query.prefix);
  const auto end = index.end();
  while (it != end) {
    const std::string_view key = it->first;
    if (key.substr(0, query.prefix.size()) != query.prefix) break;  // past the prefix range

    std::string_view rolled;
    if (!query.delimiter.empty()) {
      const auto pos = key.find(query.delimiter, query.prefix.size());
      if (pos != std::string_view::npos) rolled = key.substr(0, pos + query.delimiter.size());
    }

    if (!rolled.empty()) {
      // Every key under `rolled` is covered by this one common prefix: seek past them all.
      const std::string next = prefix_successor(std::string(rolled));
      const bool already_returned = std::string_view(query.after) >= rolled;
      if (!already_returned) {
        if (page.contents.size() + page.common_prefixes.size() == limit) {
          page.is_truncated = true;
          break;
        }
        page.common_prefixes.emplace_back(rolled);
        page.last_returned = std::string(rolled);
      }
      if (next.empty()) break;
      it = index.lower_bound(next);
      continue;
    }

    if (page.contents.size() + page.common_prefixes.size() == limit) {
      page.is_truncated = true;
      break;
    }
    page.contents.push_back(ListEntry{std::string(key), it->second});
    page.last_returned = std::string(key);
    ++it;
  }
  return page;
}

}  // namespace gh::plugins::s3
