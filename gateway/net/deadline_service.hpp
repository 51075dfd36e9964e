#pragma once
/// DeadlineService: connection deadlines (header, body, idle, write) for one io_context, checked
/// by one coarse timer instead of a timer per socket operation. Setting a deadline is a store of
/// a time point; every tick (100 ms) the service expires the entries whose deadline passed.
/// Deadlines are therefore accurate to about one tick, which is plenty for timeouts measured in
/// seconds, and cost no syscall or timer-queue operation per request.
///
/// An Asio service: one per io_context, used only from that io_context's single thread.

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <vector>

namespace gh::net {

class DeadlineService : public boost::asio::execution_context::service {
 public:
  using Clock = std::chrono::steady_clock;
  static inline boost::asio::execution_context::id id;
  static constexpr std::chrono::milliseconds kTick{100};

  /// Something with a deadline. expire() is called once the deadline has passed (on the
  /// io_context's thread); it typically closes a socket.
  class Entry {
   public:
    virtual ~Entry() = default;
    virtual void expire() = 0;
    void expires_after(Clock::duration d) noexcept { deadline_ = coarse_now() + d; }
    void expires_at(Clock::time_point t) noexcept { deadline_ = t; }
    void expires_never() noexcept { deadline_ = Clock::time_point::max(); }

   private:
    friend class DeadlineService;
    Clock::time_point deadline_ = Clock::time_point::max();
    std::size_t index_ = static_cast<std::size_t>(-1);
  };

  explicit DeadlineService(boost::asio::execution_context& context);

  /// CLOCK_MONOTONIC_COARSE (the same clock as steady_clock, at tick resolution): deadlines are
  /// checked every 100 ms anyway, and it is several times cheaper than steady_clock::now().
  static Clock::time_point coarse_now() noexcept;

  void watch(Entry& entry);
  void unwatch(Entry& entry);

 private:
  void shutdown() override;
  void arm();
  void tick();

  boost::asio::steady_timer timer_;
  std::vector<Entry*> entries_;
  bool armed_ = false;
};

}  // namespace gh::net
