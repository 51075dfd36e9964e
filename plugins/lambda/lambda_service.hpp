#pragma once
/// LambdaService: runs the configured functions. It owns one thread with its own io_context on
/// which every pool, instance, Runtime API endpoint and child-process watcher lives, so the
/// scheduling code needs no locks; callers on the gateway's worker threads hop over with
/// invoke() and are resumed on their own executor.
///
/// Created lazily as a core::Services entry by the lambda plugin; the thread starts with the
/// first installed config that has functions. apply() is called on the control thread when a
/// config is installed; invoke() from any executor. Stopped (children killed) by the shutdown
/// hook it registers.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "plugins/lambda/function_spec.hpp"
#include "plugins/lambda/invocation.hpp"

namespace gh::plugins::lambda {

class FunctionPool;
class CodeWatcher;

class LambdaService {
 public:
  LambdaService();
  ~LambdaService();
  LambdaService(const LambdaService&) = delete;
  LambdaService& operator=(const LambdaService&) = delete;

  /// Makes `functions` the running set: new functions get pools (and their minInstances),
  /// changed ones recycle, removed ones retire. `endpoint_url` is handed to functions as
  /// AWS_ENDPOINT_URL ("" = none). Thread-safe; returns at once.
  void apply(const FunctionTable& functions, std::string endpoint_url);

  /// Runs `function` with `request` and resumes the caller on its own executor with the
  /// result. Past `deadline` the caller gets kTimedOutWaiting (the function keeps running to
  /// its own timeout, as on AWS).
  boost::asio::awaitable<InvokeResult> invoke(
      std::string function, InvokeRequest request,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

  /// Queues an asynchronous invocation (Invoke API `Event`): the result is only logged.
  void invoke_async(std::string function, InvokeRequest request);

  /// Whether `function` is configured (as of the last apply()). Thread-safe.
  bool has_function(const std::string& function) const;

  /// Kills every instance and stops the thread. Idempotent.
  void stop();

 private:
  void ensure_thread();
  void submit(const std::string& function, InvokeRequest request, InvokeCallback done);
  void apply_on_thread(FunctionTable functions, std::string endpoint_url);
  void tick();

  boost::asio::io_context io_{1};
  std::thread thread_;
  std::once_flag started_;
  bool stopped_ = false;
  boost::asio::steady_timer ticker_{io_};
  std::map<std::string, std::unique_ptr<FunctionPool>, std::less<>> pools_;  // thread-owned
  std::vector<std::unique_ptr<FunctionPool>> retired_;                      // thread-owned
  std::unique_ptr<CodeWatcher> watcher_;                                    // thread-owned
  std::string node_bootstrap_, python_bootstrap_;                          // thread-owned
  mutable std::mutex names_mutex_;
  std::set<std::string, std::less<>> names_;
};

}  // namespace gh::plugins::lambda
