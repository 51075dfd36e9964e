#include "plugins/dynamodb/dynamodb_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "gateway/core/service_authorizer.hpp"
#include "gateway/util/crc.hpp"
#include "gateway/util/ids.hpp"
#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/backend.hpp"
#include "plugins/dynamodb/group_commit.hpp"
#include "plugins/dynamodb/operation_table.hpp"
#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/transaction_tokens.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";
constexpr std::size_t kMaxRequestBytes = 16 * 1024 * 1024;
// Enough for a point read or write of a small item; larger requests continue in blocks from
// the default resource.
constexpr std::size_t kRequestArenaBytes = 2048;
using ops::member;

/// The memory of a request's JSON arena: a block of kRequestArenaBytes, taken from a short
/// per-thread list of spares and given back to the list of the thread that ends the request
/// (the same one: a worker's io_context runs on one thread). In handle()'s coroutine frame it
/// made the frame 3.4 KiB, over the 1,020 bytes Asio recycles, so each request allocated and
/// freed it, and glibc's path for chunks over 1 KiB first merges its caches of small chunks:
/// the small allocations after it missed their caches too.
class RequestArena {
 public:
  RequestArena() {
    auto& list = spares();
    if (list.empty()) {
      list.reserve(kMaxSpares);  // here, so that the destructor never allocates
      block_ = std::make_unique_for_overwrite<unsigned char[]>(kRequestArenaBytes);
    } else {
      block_ = std::move(list.back());
      list.pop_back();
    }
  }
  ~RequestArena() {
    // Kept only within the capacity reserved above (none on a thread that never made one).
    auto& list = spares();
    if (list.size() < list.capacity()) list.push_back(std::move(block_));
  }
  RequestArena(const RequestArena&) = delete;
  RequestArena& operator=(const RequestArena&) = delete;
  unsigned char* data() const noexcept { return block_.get(); }

 private:
  // Enough for the requests a worker thread has in flight at once, most of the time.
  static constexpr std::size_t kMaxSpares = 64;
  static std::vector<std::unique_ptr<unsigned char[]>>& spares() {
    thread_local std::vector<std::unique_ptr<unsigned char[]>> list;
    return list;
  }
  std::unique_ptr<unsigned char[]> block_;
};

/// DynamoDB's request ids: 52 characters of [A-Z0-9].
std::string dynamodb_request_id() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[52];
  util::random_bytes(bytes, sizeof bytes);
  std::string id(sizeof bytes, '0');  // written in place: every request gets one
  // (b * 36) >> 8 maps a byte onto 0..35 as evenly as b % 36 does, without a division.
  for (std::size_t i = 0; i < sizeof bytes; ++i) id[i] = kAlphabet[(bytes[i] * 36u) >> 8];
  return id;
}

class DynamoDbApi final : public core::ServiceApi {
 public:
  DynamoDbApi(Store& store, GroupCommit& group, const config::AwsConfig& aws,
              std::shared_ptr<const DynamoBackend> remote)
      : env_{store, aws, &tokens_}, group_(group), remote_(std::move(remote)) {}

  std::string_view name() const override { return "dynamodb"; }

  bool claims(const core::Request& request) const override {
    return request.headers.get("X-Amz-Target").starts_with(kTargetPrefix);
  }

  /// DynamoDB takes requests of up to 16 MB (a BatchWriteItem of 25 items of 400 KB, binary
  /// ones base64-encoded), whatever maxBodyBytes says for the APIs [DOC: BatchWriteItem, "The
  /// total request size exceeds 16 MB" is refused]. Past it, the gateway's plain 413
  /// (UNVERIFIED: what DynamoDB's front end answers then).
  std::size_t whole_body_limit(std::size_t) const override { return kMaxRequestBytes; }

  boost::asio::awaitable<void> handle(core::RequestContext& ctx,
                                      core::Response& out) const override {
    std::string request_id = dynamodb_request_id();
    std::string operation(ctx.request.headers.get("X-Amz-Target").substr(kTargetPrefix.size()));
    // The request's values live in an arena instead of one allocation each. Nothing keeps them
    // past handle(): an operation stores items as text, and the answer is serialised before
    // handle() returns (a value copied into a result container takes the container's storage).
    RequestArena arena;
    json::monotonic_resource request_storage(arena.data(), kRequestArenaBytes);
    ops::Result parsed = parse_request(ctx.request, &request_storage);
    if (auto* e = std::get_if<DynamoError>(&parsed)) co_return answer(ctx, request_id, *e, out);
    json::object request = std::move(std::get<json::object>(parsed));
    // The name -> operation table is shared with route integrations (operation_table.hpp).
    // In remote mode every operation goes on (the remote may know operations the embedded
    // store does not).
    const ops::Operation* op = remote_ ? nullptr : ops::find_operation(operation);
    if (!remote_ && !op) {
      co_return answer(ctx, request_id, DynamoError::unknown_operation(), out);
    }
    if (auto refused = authorize(ctx, operation, request)) {
      co_return answer(ctx, request_id, *refused, out);
    }
    if (op && op->grouped) {
      ops::Result written =
          co_await group_.run<ops::Result>([&] { return op->handler(env_, request); });
      co_return answer(ctx, request_id, as_text(std::move(written)), out);
    }
    if (op) {
      // Reads answer as text (stored items copied in as they are); the others as an object.
      co_return answer(ctx, request_id,
                       op->text ? op->text(env_, request) : as_text(op->handler(env_, request)),
                       out);
    }
    // Remote mode: Gatehouse's IAM check above, then the remote's own answer.
    // (GCC 12 miscompiles co_await inside call arguments.)
    ops::Result remote = co_await remote_->call(operation, std::move(request));
    answer(ctx, request_id, as_text(std::move(remote)), out);
  }

 private:
  /// The request body as a JSON object, or the protocol's refusal.
  static ops::Result parse_request(const core::Request& req, json::storage_ptr storage) {
    if (req.method != "POST") return DynamoError::serialization("Only POST is accepted");
    boost::system::error_code ec;
    json::value body = parse_json(req.body, ec, std::move(storage));
    if (ec || !body.is_object()) {
      return DynamoError::serialization(ec ? "Malformed JSON: " + ec.message()
                                           : "The request body is not a JSON object");
    }
    return std::move(body.get_object());
  }

  static ops::TextResult as_text(ops::Result&& result) {
    if (auto* e = std::get_if<DynamoError>(&result)) return std::move(*e);
    return json::serialize(std::get<json::object>(result));
  }

  /// Writes the answer into `out` (default-constructed: handle()'s contract).
  static void answer(core::RequestContext& ctx, const std::string& request_id,
                     ops::TextResult&& result, core::Response& out) {
    out.headers.add("Content-Type", "application/x-amz-json-1.0");
    out.headers.add("x-amzn-RequestId", request_id);
    if (auto* ok = std::get_if<std::string>(&result)) {
      out.status = 200;
      out.body = std::move(*ok);
    } else {
      const DynamoError& e = std::get<DynamoError>(result);
      out.status = e.status;
      json::object o{{"__type", e.type}};
      // DynamoDB's transaction errors say "Message" (in e.fields) instead of "message".
      if (!e.message.empty() && !e.fields.contains("Message")) o["message"] = e.message;
      for (const auto& [k, v] : e.fields) o[k] = v;
      out.body = json::serialize(o);
      ctx.error_message = e.message;
    }
    out.headers.add("x-amz-crc32", std::to_string(util::crc32_update(0, out.body)));
  }

  /// iam.enforce: dynamodb:<Operation> on the table (ListTables: on every table, "*").
  std::optional<DynamoError> authorize(core::RequestContext& ctx, std::string_view operation,
                                       const json::object& request) const {
    if (!ctx.service_authorizer) return std::nullopt;
    // The table the call names; tagging names it by ARN; a batch is checked per table.
    std::string resource = "*";
    if (const json::value* table = member(request, "TableName"); table && table->is_string()) {
      resource = env_.table_arn(std::string_view(table->get_string()));
    } else if (const json::value* arn = member(request, "ResourceArn"); arn && arn->is_string()) {
      resource = std::string(arn->get_string());
    } else if (const json::value* items = member(request, "RequestItems");
               items && items->is_object() && !items->get_object().empty()) {
      for (const auto& [name, ignored] : items->get_object()) {
        core::ServiceAccess each{"dynamodb", "dynamodb:" + std::string(operation),
                                 env_.table_arn(name)};
        if (auto refused = ctx.service_authorizer->check(ctx, each)) {
          return refusal(*refused, operation);
        }
      }
      return std::nullopt;
    } else if (const json::value* actions = member(request, "TransactItems");
               actions && actions->is_array()) {
      bool checked = false;
      if (auto refused = authorize_transact_items(ctx, actions->get_array(), checked)) {
        return refused;
      }
      if (checked) return std::nullopt;
    }
    core::ServiceAccess access{"dynamodb", "dynamodb:" + std::string(operation), resource};
    auto refused = ctx.service_authorizer->check(ctx, access);
    if (!refused) return std::nullopt;
    return refusal(*refused, operation);
  }

  /// Transactions: each action's own permission on its table (dynamodb:PutItem, UpdateItem,
  /// DeleteItem, ConditionCheckItem; GetItem), as AWS checks them. `checked`: whether any action
  /// named a table (if none did, the request is refused or let through as a whole).
  std::optional<DynamoError> authorize_transact_items(core::RequestContext& ctx,
                                                      const json::array& items,
                                                      bool& checked) const {
    static constexpr std::pair<std::string_view, std::string_view> kActions[] = {
        {"Put", "PutItem"},
        {"Update", "UpdateItem"},
        {"Delete", "DeleteItem"},
        {"ConditionCheck", "ConditionCheckItem"},
        {"Get", "GetItem"}};
    std::set<std::pair<std::string_view, std::string_view>> done;  // (action, table)
    for (const json::value& item : items) {
      if (!item.is_object()) continue;
      for (const auto& [name, action] : kActions) {
        const json::value* part = member(item.get_object(), name);
        const json::value* table =
            part && part->is_object() ? member(part->get_object(), "TableName") : nullptr;
        if (!table || !table->is_string()) continue;
        checked = true;
        std::string_view table_name = table->get_string();
        if (!done.emplace(action, table_name).second) continue;
        core::ServiceAccess access{"dynamodb", "dynamodb:" + std::string(action),
                                   env_.table_arn(table_name)};
        if (auto refused = ctx.service_authorizer->check(ctx, access)) {
          return refusal(*refused, action);
        }
      }
    }
    return std::nullopt;
  }

  /// An IAM refusal as DynamoDB words it: every client error is a 400, auth failures included.
  static DynamoError refusal(const core::GatewayError& error, std::string_view operation) {
    using core::ErrorKind;
    auto coral = [](std::string_view type, std::string message) {
      return DynamoError{400, "com.amazon.coral.service#" + std::string(type), std::move(message)};
    };
    switch (error.kind) {
      case ErrorKind::kMissingAuthenticationToken:
        return coral("MissingAuthenticationTokenException",
                     "Request is missing Authentication Token");
      case ErrorKind::kIncompleteSignature:
        return coral("IncompleteSignatureException", error.message);
      case ErrorKind::kInvalidSignature:
        return coral("InvalidSignatureException", error.message);
      case ErrorKind::kExpiredToken:
        return coral("ExpiredTokenException",
                     "The security token included in the request is "
                     "expired");
      case ErrorKind::kAccessDenied:
        return coral(
            "AccessDeniedException",
            core::service_denial_message(error.message, "dynamodb:" + std::string(operation)));
      default:
        return coral("UnrecognizedClientException",
                     "The security token included in the request is invalid.");
    }
  }

  TransactionTokens tokens_;  // before env_, which points to it
  ops::Env env_;
  GroupCommit& group_;
  std::shared_ptr<const DynamoBackend> remote_;  // null: the embedded store answers
};

}  // namespace

std::shared_ptr<const core::ServiceApi> make_dynamodb_api(
    Store& store, GroupCommit& group, const config::AwsConfig& aws,
    std::shared_ptr<const DynamoBackend> remote) {
  return std::make_shared<DynamoDbApi>(store, group, aws, std::move(remote));
}

}  // namespace gh::plugins::dynamodb
