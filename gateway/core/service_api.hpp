#pragma once
/// ServiceApi: an AWS service API served on the services endpoint (:4566), chosen by the
/// request as LocalStack does: the Lambda Invoke API by its path, later DynamoDB by
/// X-Amz-Target and S3 by what is left. Published by a plugin's compile() hook; owned by the
/// snapshot, so a reload swaps it with the rest of the config.
///
/// claims() is called for every services-endpoint request, in registration order, on the
/// connection's executor; it must be cheap and never block. handle() is a coroutine on that
/// executor and never blocks either.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <optional>
#include <string_view>

#include "gateway/core/body_stream.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/core/response.hpp"

namespace gh::core {

class ServiceApi {
 public:
  virtual ~ServiceApi() = default;
  /// Short name for logs ("lambda").
  virtual std::string_view name() const = 0;
  /// True if this API answers `request`.
  virtual bool claims(const Request& request) const = 0;
  /// Answers the request into `out` (a default Response when called). ctx.request_id is set
  /// (use it as x-amzn-RequestId). The answer is written in place rather than returned: a
  /// coroutine returning a Response keeps one in its frame, which pushes the frame over the
  /// size Asio recycles (docs/architecture.md).
  virtual boost::asio::awaitable<void> handle(RequestContext& ctx, Response& out) const = 0;
  /// After the headers of a claimed request, before its body: a sink that takes the body as it
  /// arrives (stored in ctx.body_sink, then handle() runs), or nullptr to receive it whole in
  /// ctx.request.body, bounded by server.limits.maxBodyBytes. With a sink, the limit is the
  /// sink's max_bytes(). May check the request (its headers) and block briefly (opening a file).
  virtual std::unique_ptr<BodySink> stream_body(RequestContext& ctx) const {
    (void)ctx;
    return nullptr;
  }
  /// The limit of a body this API takes whole (stream_body gave no sink): `configured`
  /// (server.limits.maxBodyBytes) unless the service documents its own (DynamoDB's 16 MB).
  virtual std::size_t whole_body_limit(std::size_t configured) const { return configured; }
  /// A claimed request whose body is over `limit` bytes (server.limits.maxBodyBytes) and was
  /// not read: the service's own refusal (S3's EntityTooLarge), or nullopt for the gateway's
  /// plain 413. Same executor and rules as claims().
  virtual std::optional<Response> too_large(const Request& request, std::size_t limit) const {
    (void)request;
    (void)limit;
    return std::nullopt;
  }
};

}  // namespace gh::core
