#include "gateway/net/deadline_service.hpp"

#include <time.h>

namespace gh::net {

DeadlineService::DeadlineService(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context),
      timer_(static_cast<boost::asio::io_context&>(context)) {}

DeadlineService::Clock::time_point DeadlineService::coarse_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

void DeadlineService::watch(Entry& entry) {
  entry.index_ = entries_.size();
  entries_.push_back(&entry);
  if (!armed_) arm();
}

void DeadlineService::unwatch(Entry& entry) {
  std::size_t i = entry.index_;
  if (i >= entries_.size() || entries_[i] != &entry) return;
  entries_[i] = entries_.back();
  entries_[i]->index_ = i;
  entries_.pop_back();
  entry.index_ = static_cast<std::size_t>(-1);
}

void DeadlineService::shutdown() {
  entries_.clear();
  boost::system::error_code ignored;
  timer_.cancel();
}

void DeadlineService::arm() {
  armed_ = true;
  timer_.expires_after(kTick);
  timer_.async_wait([this](boost::system::error_code ec) {
    armed_ = false;
    if (ec) return;
    tick();
  });
}

void DeadlineService::tick() {
  auto now = coarse_now();
  // expire() may unwatch the entry (and move another into its slot), so collect first.
  std::vector<Entry*> due;
  for (Entry* e : entries_) {
    if (e->deadline_ <= now) due.push_back(e);
  }
  for (Entry* e : due) {
    if (e->index_ < entries_.size() && entries_[e->index_] == e) {
      e->deadline_ = Clock::time_point::max();
      e->expire();
    }
  }
  // An idle thread with no connections stops ticking; the next watch() re-arms.
  if (!entries_.empty()) arm();
}

}  // namespace gh::net
