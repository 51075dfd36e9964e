#pragma once
/// TransactWriteItems' ClientRequestToken: a committed transaction's token is remembered for 10
/// minutes (AWS API reference, TransactWriteItems, ClientRequestToken), with a fingerprint of
/// its request, so that the same token with the same request answers success without writing
/// again, and with another request IdempotentParameterMismatchException.
///
/// Thread-safe (one mutex, held for a map lookup); never blocks otherwise. Bounded: at most
/// `capacity` tokens are remembered, the oldest forgotten first (the SDKs send a fresh token
/// with every call, so a busy store would otherwise grow without end). Tokens live in memory
/// only: a restart forgets them, and so does a config reload (the DynamoDB API that owns them
/// is rebuilt).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gh::plugins::dynamodb {

class TransactionTokens {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  /// Read capacity units per table that a replay reports (ReturnConsumedCapacity).
  using Units = std::map<std::string, double>;

  static constexpr std::chrono::minutes kLifetime{10};
  static constexpr std::size_t kDefaultCapacity = 65536;

  explicit TransactionTokens(std::size_t capacity = kDefaultCapacity,
                             Clock clock = std::chrono::steady_clock::now);

  enum class Status {
    kNew,         // unknown: run the transaction, then finish()
    kReplay,      // committed with the same request: answer success, write nothing
    kMismatch,    // committed with another request
    kInProgress,  // a request with this token is running now
  };
  struct Claim {
    Status status = Status::kNew;
    Units replay_units;  // kReplay
  };
  /// Looks `token` up for a request whose fingerprint is `fingerprint`; on kNew the token is
  /// held as in progress until finish().
  Claim claim(std::string_view token, std::string_view fingerprint);
  /// Ends a kNew claim: `committed` with what a replay reports, or nullopt if the transaction
  /// did not commit (the token is released; a retry runs again).
  void finish(std::string_view token, std::optional<Units> committed);

  std::size_t size() const;

 private:
  struct Entry {
    std::string fingerprint;
    bool done = false;
    std::chrono::steady_clock::time_point expires;
    std::uint64_t serial = 0;  // which completion the order_ queue refers to
    Units units;
  };
  /// Forgets expired tokens, and the oldest ones beyond capacity. Called with mutex_ held.
  void evict_locked(std::chrono::steady_clock::time_point now);

  std::size_t capacity_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<std::uint64_t, std::string>> order_;  // completed tokens, oldest first
  std::uint64_t next_serial_ = 0;
};

}  // namespace gh::plugins::dynamodb
