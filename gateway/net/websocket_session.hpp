#pragma once
/// A WebSocket connection of a WEBSOCKET API, after its handshake request was read by the HTTP
/// session: $connect decides (refused: the integration's status instead of 101), then frames
/// until either side closes — messages to their routes one at a time, a bounded send queue fed
/// by two-way routes and @connections (any thread), AWS's limits (idle 10 min, 2 h, 128 KB
/// messages and 32 KB frames → 1009, binary frames → 1003), and $disconnect once at the end. The
/// connection is registered in core::WebSocketConnections while it is open.
///
/// Runs on the connection's executor, inside the HTTP session's coroutine, and returns when the
/// connection is over.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "gateway/net/http_session.hpp"
#include "gateway/net/session_state.hpp"
#include "gateway/pipeline/gateway.hpp"

namespace gh::net {

boost::asio::awaitable<void> serve_websocket(boost::asio::ip::tcp::socket& stream,
                                             boost::beast::flat_buffer& buffer,
                                             pipeline::Exchange& ex,
                                             pipeline::SnapshotHandle& handle,
                                             const SessionEnv& env, SessionState& state);
boost::asio::awaitable<void> serve_websocket(
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>& stream,
    boost::beast::flat_buffer& buffer, pipeline::Exchange& ex, pipeline::SnapshotHandle& handle,
    const SessionEnv& env, SessionState& state);

}  // namespace gh::net
