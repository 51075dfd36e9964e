// FunctionPool with real runtime processes, driven step by step on one io_context so that the
// window between an instance being told to stop and its exit being seen can be hit every time.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "plugins/lambda/function_pool.hpp"
#include "plugins/lambda/runtime_files.hpp"

namespace fs = std::filesystem;
using namespace gh::plugins::lambda;
using Clock = std::chrono::steady_clock;

namespace {

struct PoolFixture {
  boost::asio::io_context io;
  fs::path code_dir;
  std::unique_ptr<FunctionPool> pool;

  PoolFixture() {
    code_dir = fs::temp_directory_path() /
               ("gh-pool-" + std::to_string(Clock::now().time_since_epoch().count()));
    fs::create_directories(code_dir);
    std::ofstream(code_dir / "index.py")
        << "import os\ndef handler(event, context):\n    return {'pid': os.getpid()}\n";
    auto spec = std::make_shared<FunctionSpec>();
    spec->name = "probe";
    spec->runtime = RuntimeKind::kPython;
    spec->runtime_name = "python3.11";
    spec->handler = "index.handler";
    spec->code_dir = code_dir.string();
    spec->timeout = std::chrono::seconds(10);
    spec->region = "us-east-1";
    spec->account_id = "123456789012";
    spec->arn = "arn:aws:lambda:us-east-1:123456789012:function:probe";
    std::string runtimes = runtimes_dir();
    PoolEnv env{io.get_executor(), runtimes + "/node/bootstrap.mjs",
                runtimes + "/python/bootstrap.py", ""};
    pool = std::make_unique<FunctionPool>(env, spec);
  }
  ~PoolFixture() {
    pool->kill_all();
    io.run_for(std::chrono::milliseconds(200));  // let the exits be seen and reaped
    pool.reset();
    std::error_code ec;
    fs::remove_all(code_dir, ec);
  }

  /// Submits one invocation; the result appears in the returned slot once it is answered.
  std::shared_ptr<std::optional<InvokeResult>> submit(const std::string& id) {
    auto slot = std::make_shared<std::optional<InvokeResult>>();
    auto inv = std::make_shared<Invocation>();
    inv->request.payload = "{}";
    inv->request.request_id = id;
    inv->done = [slot](InvokeResult r) { *slot = std::move(r); };
    pool->submit(std::move(inv));
    return slot;
  }

  void run_until(const std::function<bool()>& done, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) io.run_for(std::chrono::milliseconds(10));
  }
};

}  // namespace

TEST_CASE("an instance being stopped gets no new invocation") {
  PoolFixture f;
  auto first = f.submit("11111111-1111-1111-1111-111111111111");
  f.run_until([&] { return first->has_value(); }, std::chrono::seconds(30));
  REQUIRE(first->has_value());
  REQUIRE((*first)->function_error == "");
  // The runtime asks for the next invocation right after answering; give it ample time to be
  // waiting in /next (idle), which is the only state the reaper stops.
  f.io.run_for(std::chrono::seconds(1));
  REQUIRE(f.pool->live_instances() == 1);

  // Reap it and submit at once, before the loop can see the process exit: the invocation must
  // go to a new instance, not to the one that was just killed.
  f.pool->reap_idle(Clock::now() + std::chrono::hours(1));
  CHECK(f.pool->live_instances() == 0);
  auto second = f.submit("22222222-2222-2222-2222-222222222222");
  f.run_until([&] { return second->has_value(); }, std::chrono::seconds(30));
  REQUIRE(second->has_value());
  CHECK((*second)->status == InvokeResult::Status::kOk);
  CHECK_MESSAGE((*second)->function_error == "", (*second)->payload);
  CHECK((*second)->payload.find("\"pid\"") != std::string::npos);
  CHECK((*second)->payload != (*first)->payload);  // another process answered
}
