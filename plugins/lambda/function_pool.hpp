#pragma once
/// FunctionPool: the instances of one function and the invocations waiting for them. An
/// invocation goes to an idle warm instance, or starts a new one while fewer than
/// reservedConcurrency run, or waits in a bounded queue; past that it is throttled. Instances
/// above minInstances exit after idleTimeout; a code or config change recycles them (idle ones
/// at once, busy ones after their current invocation), so no request sees half-old code.
///
/// Everything here runs on the Lambda service's single thread; nothing is thread-safe and
/// nothing blocks. Pools live until the service stops (a removed function's pool is retired:
/// it kills its instances and answers "no such function").

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugins/lambda/function_spec.hpp"
#include "plugins/lambda/invocation.hpp"

namespace gh::plugins::lambda {

class Instance;

/// An invocation inside the service: the request, its answer callback, and its log so far.
struct Invocation {
  InvokeRequest request;
  InvokeCallback done;
  std::chrono::steady_clock::time_point queued = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point started;
  std::string log;  // START … REPORT, kept only when request.tail_log
  bool finished = false;

  /// Answers once; later calls are ignored.
  void finish(InvokeResult result);
};

/// An error Lambda itself reports for an invocation: {"errorType":…,"errorMessage":…}.
std::string function_error_payload(std::string_view type, std::string_view message);

/// What every pool needs from the service.
struct PoolEnv {
  boost::asio::any_io_executor executor;
  std::string node_bootstrap;    // path of runtimes/node/bootstrap.mjs
  std::string python_bootstrap;  // path of runtimes/python/bootstrap.py
  std::string endpoint_url;      // AWS_ENDPOINT_URL for functions ("" = none)
};

class FunctionPool {
 public:
  FunctionPool(const PoolEnv& env, std::shared_ptr<const FunctionSpec> spec);
  ~FunctionPool();

  const FunctionSpec& spec() const { return *spec_; }
  const std::shared_ptr<const FunctionSpec>& spec_ptr() const { return spec_; }
  const PoolEnv& env() const { return env_; }
  std::uint64_t generation() const { return generation_; }
  bool retired() const { return retired_; }

  /// Queues an invocation (or answers it at once: throttled, retired).
  void submit(std::shared_ptr<Invocation> invocation);
  /// A new config for this function. A different fingerprint recycles the instances.
  void update(std::shared_ptr<const FunctionSpec> spec);
  /// New instances for new code: idle ones stop now, busy ones after their invocation.
  void recycle(std::string_view why);
  /// The function left the config: stop everything, answer queued invocations "not found".
  void retire();
  /// Starts instances up to minInstances.
  void ensure_min_instances();
  /// Stops instances idle for longer than idleTimeout (above minInstances). Called every 100 ms.
  void reap_idle(std::chrono::steady_clock::time_point now);
  /// Kills every instance (gateway shutdown).
  void kill_all();
  /// Instance::check_memory() for every instance.
  void check_memory();

  std::size_t live_instances() const;
  std::size_t queued() const { return queue_.size(); }

  // Called by instances.
  /// The instance waits in /next: give it work or let it idle.
  void on_ready(Instance& instance);
  /// The instance's process is gone (crash, timeout kill, reaping). When it died before its
  /// first /next, the oldest queued invocation gets the init failure: the payload the runtime
  /// posted to /init/error, or a Runtime.ExitError with `exit_message`.
  void on_exit(Instance& instance, bool during_init, const std::optional<std::string>& posted,
               const std::string& exit_message);

 private:
  void pump();
  /// An instance that will take queued work without a new process: starting, or it has just
  /// answered and is about to ask for the next invocation.
  bool will_take_work(const Instance& instance, std::chrono::steady_clock::time_point now) const;
  void spawn_instance();
  std::shared_ptr<Invocation> pop_next();

  PoolEnv env_;
  std::shared_ptr<const FunctionSpec> spec_;
  std::uint64_t generation_ = 1;
  std::uint64_t next_instance_number_ = 1;
  bool retired_ = false;
  std::deque<std::shared_ptr<Invocation>> queue_;
  std::vector<std::shared_ptr<Instance>> instances_;
  boost::asio::steady_timer repump_;      // re-runs pump() when a just-answered one is late
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gh::plugins::lambda
