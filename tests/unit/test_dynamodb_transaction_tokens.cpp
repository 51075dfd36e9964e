// TransactWriteItems' ClientRequestTokens (plugins/dynamodb/transaction_tokens.hpp) with a fake
// clock: replays, mismatches, requests in progress, released tokens, the 10-minute window that
// starts when the first request completes, and the bound on how many are remembered.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "plugins/dynamodb/transaction_tokens.hpp"

namespace {

using gh::plugins::dynamodb::TransactionTokens;
using Status = TransactionTokens::Status;
using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  TransactionTokens::Clock clock() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE("a committed token replays its request and refuses others") {
  FakeClock t;
  TransactionTokens tokens(16, t.clock());
  CHECK(tokens.claim("a", "request-1").status == Status::kNew);
  CHECK(tokens.claim("a", "request-1").status == Status::kInProgress);
  CHECK(tokens.claim("a", "request-2").status == Status::kInProgress);
  tokens.finish("a", TransactionTokens::Units{{"accounts", 2.0}});
  auto replay = tokens.claim("a", "request-1");
  CHECK(replay.status == Status::kReplay);
  CHECK(replay.replay_units == TransactionTokens::Units{{"accounts", 2.0}});
  CHECK(tokens.claim("a", "request-2").status == Status::kMismatch);
  CHECK(tokens.claim("b", "request-2").status == Status::kNew);
}

TEST_CASE("a token whose transaction did not commit is released") {
  FakeClock t;
  TransactionTokens tokens(16, t.clock());
  CHECK(tokens.claim("a", "request-1").status == Status::kNew);
  tokens.finish("a", std::nullopt);
  CHECK(tokens.size() == 0);
  CHECK(tokens.claim("a", "request-2").status == Status::kNew);
}

TEST_CASE("tokens are remembered for 10 minutes after their request completed") {
  FakeClock t;
  TransactionTokens tokens(16, t.clock());
  CHECK(tokens.claim("a", "r").status == Status::kNew);
  t.now += 5min;  // a slow request: the window starts when it completes
  tokens.finish("a", TransactionTokens::Units{});
  t.now += 10min - 1s;
  CHECK(tokens.claim("a", "other").status == Status::kMismatch);
  t.now += 1s;
  CHECK(tokens.claim("a", "other").status == Status::kNew);
}

TEST_CASE("at most `capacity` completed tokens are remembered, the oldest forgotten first") {
  FakeClock t;
  TransactionTokens tokens(3, t.clock());
  for (std::string token : {"1", "2", "3", "4"}) {
    CHECK(tokens.claim(token, "r").status == Status::kNew);
    tokens.finish(token, TransactionTokens::Units{});
    t.now += 1s;
  }
  CHECK(tokens.size() == 3);
  CHECK(tokens.claim("1", "other").status == Status::kNew);  // forgotten
  CHECK(tokens.claim("4", "other").status == Status::kMismatch);
  // Tokens in progress are never forgotten: their requests are still running.
  tokens.finish("1", TransactionTokens::Units{});
  CHECK(tokens.size() == 3);
  CHECK(tokens.claim("2", "r").status == Status::kNew);  // pushed out to make room
}
