#include "plugins/dynamodb/transaction_tokens.hpp"

namespace gh::plugins::dynamodb {

TransactionTokens::TransactionTokens(std::size_t capacity, Clock clock)
    : capacity_(capacity == 0 ? 1 : capacity), clock_(std::move(clock)) {}

TransactionTokens::Claim TransactionTokens::claim(std::string_view token,
                                                  std::string_view fingerprint) {
  std::lock_guard lock(mutex_);
  auto now = clock_();
  evict_locked(now);
  auto it = entries_.find(std::string(token));
  if (it != entries_.end()) {
    const Entry& e = it->second;
    if (!e.done) return {Status::kInProgress, {}};
    if (e.fingerprint != fingerprint) return {Status::kMismatch, {}};
    return {Status::kReplay, e.units};
  }
  Entry& e = entries_[std::string(token)];
  e.fingerprint = std::string(fingerprint);
  return {Status::kNew, {}};
}

void TransactionTokens::finish(std::string_view token, std::optional<Units> committed) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(token));
  if (it == entries_.end() || it->second.done) return;
  if (!committed) {
    entries_.erase(it);
    return;
  }
  auto now = clock_();
  Entry& e = it->second;
  e.done = true;
  // The window starts when the first request completes (API reference).
  e.expires = now + kLifetime;
  e.serial = ++next_serial_;
  e.units = std::move(*committed);
  order_.emplace_back(e.serial, std::string(token));
  evict_locked(now);
}

std::size_t TransactionTokens::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void TransactionTokens::evict_locked(std::chrono::steady_clock::time_point now) {
  // Completions are queued in order and all live kLifetime, so the front expires first.
  while (!order_.empty()) {
    auto it = entries_.find(order_.front().second);
    bool current =
        it != entries_.end() && it->second.done && it->second.serial == order_.front().first;
    if (current && it->second.expires > now && entries_.size() <= capacity_) break;
    if (current) entries_.erase(it);
    order_.pop_front();
  }
}

}  // namespace gh::plugins::dynamodb
