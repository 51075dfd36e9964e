#pragma once
// In-process gateway for component tests: writes YAML to a temp file, starts a Server on
// loopback port 0 in a background thread, and talks to it with a blocking Asio socket.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

#include "gateway/server/server.hpp"
#include "plugins/builtin.hpp"

namespace gh::testing {

/// The start of a test config: an APIs and a services listener on loopback port 0, no config
/// watching, no access log. Tests append their own sections.
inline const std::string kLoopbackConfig = R"(version: 1
server:
  listeners:
    - {host: 127.0.0.1, port: 0, serves: apis}
    - {host: 127.0.0.1, port: 0, serves: services}
  watchConfig: false
logging:
  accessLog: {destination: "off"}
)";

class RunningServer {
 public:
  /// `extra_plugins` registers test-only plugins before the built-in ones (so their service
  /// APIs are asked first: S3 claims whatever no other service API does).
  explicit RunningServer(const std::string& yaml,
                         const std::function<void(core::PluginRegistry&)>& extra_plugins = {}) {
    path_ = std::filesystem::temp_directory_path() /
            ("gatehouse-component-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter()++) + ".yaml");
    write(yaml);
    if (extra_plugins) extra_plugins(plugins_);
    plugins::register_builtin(plugins_);
    server::Server::Options options;
    options.config_path = path_.string();
    options.handle_signals = false;
    options.threads = 2;
    server_ = std::make_unique<server::Server>(options, plugins_);
    auto compiled = server_->compile_first();
    if (!compiled.snapshot) throw std::runtime_error(compiled.diagnostics.format());
    server_->start(compiled.snapshot);
    thread_ = std::thread([this] { exit_code_ = server_->run(); });
  }

  ~RunningServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

  int stop() {
    if (thread_.joinable()) {
      server_->request_shutdown();
      thread_.join();
    }
    return exit_code_;
  }

  void write(const std::string& yaml) { std::ofstream(path_) << yaml; }

  server::Server& server() { return *server_; }
  std::uint16_t port(std::size_t listener = 0) const { return server_->ports().at(listener); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
  core::PluginRegistry plugins_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  int exit_code_ = -1;
};

/// A blocking client connection for raw HTTP exchanges.
class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }

  void send(const std::string& raw) { boost::asio::write(socket_, boost::asio::buffer(raw)); }

  /// Reads one response (headers + Content-Length body). Returns "" if the peer closed.
  std::string read_response() {
    boost::system::error_code ec;
    while (buffer_.find("\r\n\r\n") == std::string::npos) {
      if (!read_some(ec)) return {};
    }
    std::size_t header_end = buffer_.find("\r\n\r\n") + 4;
    std::size_t length = 0;
    std::string head = buffer_.substr(0, header_end);
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto p = lower.find("content-length:"); p != std::string::npos) {
      length = std::stoul(head.substr(p + 15));
    }
    while (buffer_.size() < header_end + length) {
      if (!read_some(ec)) break;
    }
    std::string response = buffer_.substr(0, header_end + length);
    buffer_.erase(0, header_end + length);
    return response;
  }

  /// True if the server closed the connection (reads EOF).
  bool closed_by_peer() {
    boost::system::error_code ec;
    return !read_some(ec);
  }

 private:
  bool read_some(boost::system::error_code& ec) {
    char chunk[4096];
    std::size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
    if (ec) return false;
    buffer_.append(chunk, n);
    return true;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
};

inline std::string get(std::uint16_t port, const std::string& path,
                       const std::string& extra_headers = "") {
  Client c(port);
  c.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers +
         "Connection: close\r\n\r\n");
  return c.read_response();
}

}  // namespace gh::testing
