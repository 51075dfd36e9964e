#pragma once
/// The DynamoDB plugin: the embedded store (store.hpp), its API on the services endpoint
/// (dynamodb_api.hpp), tables declared in the config, and `type: dynamodb` route integrations.
///
/// The top-level `dynamodb:` section (dynamodb_settings.hpp):
///
///   dynamodb:
///     dataDir: .gatehouse/dynamodb   # relative to the config file; the database is
///                                    # <dataDir>/dynamodb.sqlite3
///     inMemory: false                # true: nothing on disk (tests, throw-away runs)
///     tables:                        # created at start (and by a reload) if missing
///       - name: pets
///         hashKey: {name: id, type: S}     # type S, N or B; `hashKey: id` is the short form
///         rangeKey: {name: born, type: N}  # optional
///         billingMode: PAY_PER_REQUEST     # the default; PROVISIONED (the default when
///                                          # provisionedThroughput is given) needs:
///         provisionedThroughput: {readCapacityUnits: 5, writeCapacityUnits: 5}
///         globalSecondaryIndexes:
///           - name: byOwner
///             hashKey: {name: owner, type: S}
///             rangeKey: born                 # optional
///             projection: ALL                # the default; KEYS_ONLY; or
///                                            # {projectionType: INCLUDE, nonKeyAttributes: [a]}
///             provisionedThroughput: {…}     # PROVISIONED tables only, and there required
///         localSecondaryIndexes:             # need the table's rangeKey
///           - name: byWeight
///             rangeKey: {name: weight, type: N}   # hashKey: the table's (may be repeated)
///             projection: KEYS_ONLY
///         timeToLiveSpecification: {attributeName: expiresAt, enabled: true}  # enabled: default
///         tags: {team: pets}
///         seed: fixtures/pets.json         # optional, relative to the config file
///
/// The keys mean what AWS::DynamoDB::Table's properties of the same names mean (CloudFormation,
/// SAM); key attributes carry their type where they are named (no AttributeDefinitions): a
/// short form takes the type the attribute is given elsewhere in the table, else S, and two
/// different types for one attribute are an error. The declaration becomes a CreateTable request
/// (declared_table.cpp), checked by CreateTable's validation at load (its message, at the key it
/// is about), and created through it; TTL is then enabled with UpdateTimeToLive, so items expire
/// through the TTL sweeper (ttl_sweeper.hpp).
/// A table that exists is completed, never re-created (table_provisioning.cpp): a declared GSI
/// it lacks is added (UpdateTable, which backfills it), TTL is enabled when it has none, missing
/// tags are added; other differences (keys, LSIs, an index defined differently, billing mode,
/// TTL on another attribute, tag values, undeclared indexes) are logged as a warning and left:
/// they may be changes made through the API, and LSIs and keys exist only from CreateTable.
/// A seed file is a JSON array of items, or {"Items": [...]} as `aws dynamodb scan` prints it;
/// items are DynamoDB JSON ({"id": {"S": "1"}}) when every attribute of every item looks like
/// one, else plain JSON (numbers → N, exactly as written; arrays → L; objects → M). Every item is
/// validated at config load (a bad file is a config error with line:col). Seed items are
/// written only when the table is created: a table that exists is never re-seeded or
/// overwritten, so a restart keeps what users changed.
///
/// The store is a long-lived service: a reload keeps it (and its open database); a changed
/// dataDir or inMemory takes effect at the next start, and the reload says so.
///
/// Remote mode (remote_backend.hpp): with an `endpoint`, route integrations send their
/// requests to a real DynamoDB-compatible endpoint instead of the embedded store:
///
///   dynamodb:
///     endpoint: https://dynamodb.eu-west-1.amazonaws.com   # http or https, no query
///     region: eu-west-1                 # the SigV4 region; default: aws.region
///     credentials:                      # required: every request is signed (service dynamodb)
///       accessKeyId: ${env:AWS_ACCESS_KEY_ID}
///       secretAccessKey: ${env:AWS_SECRET_ACCESS_KEY}
///       sessionToken: ${env:AWS_SESSION_TOKEN}   # optional
///     tls: {verify: true, caFile: ca.pem}  # as http_proxy upstreams; verify: false for
///                                          # self-signed test clusters
///     timeoutInMillis: 10000            # per request (50 .. 300000)
///     servicesEndpoint: remote          # remote (default) | local
///
/// `servicesEndpoint: remote` (the default) makes the services endpoint's DynamoDB API a proxy
/// to the same endpoint, so Lambda functions' and tools' SDK calls see the same data as the
/// routes: Gatehouse's own IAM check runs first (iam.enforce), then the call is re-signed with
/// the configured credentials and the remote's answer or error is returned (Gatehouse's request
/// id and x-amz-crc32). `local` keeps the embedded store there. In remote mode the embedded store
/// is never opened (unless `local` serves it); declared `tables` are created on the remote at
/// start and reload (CreateTable, then the seed items; a ResourceInUseException means the table
/// exists and is left alone), from the control thread, each call bounded by the timeout; the
/// routes do not wait for a new table to become ACTIVE. A remote that cannot be reached or does
/// not answer in time is a 500 InternalServerError naming the endpoint and the failure.
/// region, credentials, tls, timeoutInMillis and servicesEndpoint without an endpoint are errors.
///
/// Route integrations (route_config.cpp parses, route_mapping.cpp builds the request,
/// route_integration.cpp answers; the item logic is the DynamoDB API's own, ops::*):
///
///   "GET /pets/{id}":
///     integration: {type: dynamodb, action: GetItem, table: pets,
///                   key: {id: $request.path.id}, notFound: 404, response: plain}
///   "PUT /pets/{id}":
///     integration:
///       type: dynamodb
///       action: PutItem                  # GetItem PutItem UpdateItem DeleteItem Query Scan
///       table: pets
///       item: {id: $request.path.id, name: $request.body.name, tags: $request.body.tags,
///              owner: $context.identity.sourceIp, age: {N: $request.querystring.age}}
///       condition: attribute_not_exists(id)   # ConditionExpression
///       conditionFailed: 409                  # its status (default 400, DynamoDB's)
///   "PATCH /pets/{id}":
///     integration: {type: dynamodb, action: UpdateItem, table: pets, key: {id: $request.path.id},
///                   update: "SET #n = :n", names: {"#n": name}, values: {":n":
///                   $request.body.name}, returnValues: ALL_NEW, response: plain}
///   "GET /pets":
///     integration: {type: dynamodb, action: Query, table: pets, keyCondition: "owner = :o",
///                   values: {":o": $request.querystring.owner}, limit: 25,
///                   startKey: $request.querystring.nextToken, response: plain}
///
/// Keys by action (another action's key is an error that lists the right ones):
///   all:        table, response (raw | plain), names {"#n": attr}, values {":v": value}
///   GetItem:    key, projection, consistentRead, notFound
///   PutItem:    item, condition, returnValues (NONE | ALL_OLD), conditionFailed
///   UpdateItem: key, update, condition, returnValues (+ ALL_NEW UPDATED_OLD UPDATED_NEW),
///               conditionFailed
///   DeleteItem: key, condition, returnValues, conditionFailed, notFound
///   Query:      keyCondition, filter, projection, consistentRead, limit, scanForward, index,
///               startKey
///   Scan:       filter, projection, consistentRead, limit, index, startKey
///
/// Values (key, item, values; value_mapping.hpp): `$request.path.x`, `$request.querystring.x`,
/// `$request.header.x`, `$context.x`, `$stageVariables.x` and text around them (`${…}` forms)
/// give S; `$request.body`, `$request.body.a.b[0]`, `$request.body['k']` take the JSON type
/// (string S, number N, bool BOOL, null NULL, object M, array L); plain YAML constants are typed
/// (7 → N, true → BOOL, null → NULL, "7" → S); `{N: $request.path.n}` and the other DynamoDB
/// types (S N B BOOL NULL SS NS BS L M) set the type. Expressions and attribute names are fixed
/// in the config; request data only ever becomes AttributeValues, so no value can change an
/// expression (no injection). Path parameters are raw (percent-encoded), as AWS passes them.
/// A value whose variable is absent is left out of an item (or map, list); a key attribute or
/// expression value the request lacks is a 400 {"message": "the request has no value for …"};
/// so is a body that is not JSON when a value reads it.
///
/// Answers (route_integration.hpp): 200 with DynamoDB's response JSON (`response: raw`, the
/// default: API Gateway's AWS integrations pass it through), or with `response: plain`:
/// GetItem the item unmarshalled ({} when there is none), writes the returned Attributes
/// unmarshalled ({} without returnValues), Query/Scan {"items": [...], "count": n,
/// "nextToken": "…"} where nextToken (only when there are more) is LastEvaluatedKey as an opaque
/// token that `startKey` accepts back (it also accepts LastEvaluatedKey's JSON, for raw).
/// `notFound: 404` answers {"message":"Not Found"} with that status when GetItem or DeleteItem
/// finds no item. DynamoDB's errors keep DynamoDB's status (400; 500 for internal errors) and
/// body ({"__type", "message"}; plain: {"message", "type"}), ConditionalCheckFailedException
/// with `conditionFailed`'s status. A table that does not exist is DynamoDB's 400
/// ResourceNotFoundException. Everything that can be checked without a request is checked at
/// config load: action, keys, table name, values, expressions (DynamoDB's parser and messages),
/// and for tables declared above the key attributes and key conditions.

#include <memory>

#include "gateway/core/integration.hpp"

namespace gh::plugins::dynamodb {

std::unique_ptr<core::IntegrationFactory> make_factory();

}  // namespace gh::plugins::dynamodb
