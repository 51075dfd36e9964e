#include "gateway/core/request.hpp"

namespace gh::core {

void Request::set_target(std::string raw_target) {
  target = std::move(raw_target);
  std::string_view t = target;
  if (auto hash = t.find('#'); hash != std::string_view::npos) t = t.substr(0, hash);
  // Absolute-form targets ("http://host/path") are legal for proxies; keep only the path.
  if (t.starts_with("http://") || t.starts_with("https://")) {
    auto scheme_end = t.find("//") + 2;
    auto slash = t.find('/', scheme_end);
    t = slash == std::string_view::npos ? std::string_view("/") : t.substr(slash);
  }
  if (auto q = t.find('?'); q != std::string_view::npos) {
    path.assign(t.substr(0, q));
    query.assign(t.substr(q + 1));
  } else {
    path.assign(t);
    query.clear();
  }
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
}

}  // namespace gh::core
