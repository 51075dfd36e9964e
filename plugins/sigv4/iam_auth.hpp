#pragma once
/// `authorizationType: AWS_IAM` (on a route, or on an API as the default of its routes) and API
/// resource policies (`policy:` on a REST API): the Authenticate-phase middleware that verifies
/// SigV4 (service execute-api, the config's region, ±5 min), fills `$context.identity.*`, and
/// evaluates the caller's identity policies and the API's resource policy with AWS's
/// combination rules (aws-behaviour.md §4.7). The signers are the `iam.credentials` of the
/// config (gateway/iam/credential_store.hpp).
///
///   iam:
///     credentials:
///       - accessKeyId: AKIAIOSFODNN7EXAMPLE
///         secretAccessKey: ${env:ALICE_SECRET}
///         arn: arn:aws:iam::123456789012:user/alice
///         policies:
///           - Version: "2012-10-17"
///             Statement:
///               - {Effect: Allow, Action: execute-api:Invoke, Resource:
///               "arn:aws:execute-api:*:*:*"}
///   apis:
///     - id: orders
///       protocol: REST
///       authorizationType: AWS_IAM      # default for the API's routes (NONE when absent)
///       policy: {Version: "2012-10-17", Statement: [...]}
///       routes:
///         "GET /health": {authorizationType: NONE, integration: ...}

#include <memory>

#include "gateway/core/middleware.hpp"

namespace gh::plugins::sigv4 {

std::unique_ptr<core::MiddlewareFactory> make_factory();

}  // namespace gh::plugins::sigv4
