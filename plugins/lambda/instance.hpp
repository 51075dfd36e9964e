#pragma once
/// Instance: one running copy of a function — a child process and the Runtime API endpoint it
/// talks to (its own loopback port, so every call is known to come from this instance). It
/// delivers one invocation at a time through /invocation/next, takes the answer from
/// /response or /error, enforces the function timeout, writes the function's output to the
/// gateway log line by line with START/END/REPORT lines, and tells its pool when it is ready or
/// gone.
///
/// Runs on the Lambda service's thread only. Owned by its FunctionPool (shared_ptr, so
/// coroutines suspended in a long-poll keep it alive until they finish).

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "gateway/core/request.hpp"
#include "gateway/core/response.hpp"
#include "gateway/net/loopback_server.hpp"
#include "plugins/lambda/child_process.hpp"
#include "plugins/lambda/function_pool.hpp"

namespace gh::plugins::lambda {

class Instance : public std::enable_shared_from_this<Instance> {
 public:
  enum class State {
    kStarting,   // process started, no /next yet (init)
    kReady,      // waiting in /next, nothing assigned
    kBusy,       // an invocation was delivered, no answer yet
    kResponded,  // answered; the invocation lasts until the runtime asks for the next one
    kInitError,  // posted /init/error: nothing more is allowed, the runtime should exit
    kDead,       // killed or exited
  };

  Instance(FunctionPool& pool, std::uint64_t number, std::uint64_t generation);
  ~Instance();

  /// Starts the endpoint and the process. Returns an error text when it could not.
  std::optional<std::string> start();
  /// Hands the invocation to the runtime waiting in /next (state must be kReady).
  void assign(std::shared_ptr<Invocation> invocation);
  /// Kills the process group; the exit is reported to the pool when the process is gone.
  void stop(std::string_view why);
  /// memorySize, as AWS's cgroup enforces it: a busy instance whose resident memory is over it
  /// is killed, and its invocation fails with Runtime.OutOfMemory. Called every 100 ms.
  void check_memory();

  /// The state as the pool sees it: an instance told to stop is kDead at once, though its
  /// process is gone only when on_exit() runs. Until then it must get no work: the idle reaper
  /// once killed an instance that a request arriving in that window was then handed, and the
  /// request failed with "signal: killed" (CI saw it).
  State state() const { return stopping_ ? State::kDead : state_; }
  std::uint64_t generation() const { return generation_; }
  std::uint64_t number() const { return number_; }
  std::chrono::steady_clock::time_point idle_since() const { return idle_since_; }
  /// When the instance last answered (state kResponded until it asks for the next one).
  std::chrono::steady_clock::time_point responded_at() const { return responded_at_; }

 private:
  /// A Runtime API request; `body_too_large`: its body was over 6 MiB + 100 and was dropped.
  boost::asio::awaitable<core::Response> handle(core::Request& request, bool body_too_large,
                                                const net::LoopbackServer::Flush& flush);
  boost::asio::awaitable<core::Response> next_invocation(const net::LoopbackServer::Flush& flush);
  core::Response answer(std::string_view request_id, core::Request& request, bool is_error,
                        bool body_too_large);
  core::Response init_error(core::Request& request);
  void arm_init_deadline();

  void watch_exit();
  void watch_pipe(int which);
  void drain_pipe(int which);
  void emit_line(std::string_view line);
  /// The current invocation's answer (the runtime's, or the platform's error): kBusy →
  /// kResponded. The caller gets it now, or at end_invocation() when it asked for the log tail.
  void respond(InvokeResult result);
  /// The invocation is over (next /next, exit, timeout): END and REPORT, then the id is stale.
  void end_invocation(bool timed_out);
  /// START/END/REPORT lines are wanted: info logging is on, or the caller asked for the tail.
  bool framing_wanted() const;
  /// Drains the pipes, then writes END and REPORT (and fills the held answer's log tail).
  void write_end_and_report(bool timed_out);
  void on_timeout();
  void on_exit();

  FunctionPool& pool_;
  std::uint64_t number_;
  std::uint64_t generation_;
  State state_ = State::kStarting;
  std::string log_stream_;
  std::shared_ptr<net::LoopbackServer> server_;
  Spawned process_;
  std::optional<boost::asio::posix::stream_descriptor> pidfd_;
  std::optional<boost::asio::posix::stream_descriptor> pipes_[2];
  std::string partial_[2];
  boost::asio::steady_timer wake_;     // wakes a /next long-poll
  boost::asio::steady_timer timeout_;  // the current invocation's deadline
  std::shared_ptr<Invocation> current_;
  std::string current_id_;            // request id of current_, kept until the invocation ends
  std::int64_t deadline_ms_ = 0;      // Lambda-Runtime-Deadline-Ms of current_
  std::optional<InvokeResult> held_;  // an answer waiting for REPORT (log tail asked)
  std::chrono::steady_clock::time_point spawned_at_;
  std::optional<std::chrono::steady_clock::duration> init_duration_;  // until first /next
  bool init_reported_ = false;  // the first REPORT carries Init Duration
  long exit_peak_rss_kb_ = -1;  // set once the process is reaped: /proc no longer has it
  bool out_of_memory_ = false;  // check_memory() killed it
  std::optional<std::string> init_failure_;  // body posted to /init/error
  std::string stop_reason_;
  bool stopping_ = false;  // stop() sent the kill; on_exit() has not run yet
  std::chrono::steady_clock::time_point idle_since_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point responded_at_;
};

}  // namespace gh::plugins::lambda
