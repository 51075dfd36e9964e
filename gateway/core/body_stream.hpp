#pragma once
/// Bodies too large to hold in memory, taken and given in pieces: a request body a service API
/// takes as it arrives (BodySink; S3 PutObject and UploadPart write it to disk), and a response
/// body read while it is sent (BodySource; S3 GetObject reads the object file). Everything else
/// keeps whole-string bodies (Request::body, Response::body).
///
/// Both are used on the connection's executor only, by the connection that owns the request.
/// Their calls may block briefly on local file I/O, like the store calls of the service APIs
/// that make them (the core has no executor for blocking work).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace gh::core {

/// Made by ServiceApi::stream_body() after the request's headers; fed the body, in order, while
/// it is read; then handle() answers (the ServiceApi finds its sink in RequestContext::body_sink).
class BodySink {
 public:
  virtual ~BodySink() = default;
  /// The longest body this sink takes; a longer one is refused as too large (ServiceApi::
  /// too_large() words it) before or while it is read.
  virtual std::uint64_t max_bytes() const = 0;
  /// The next bytes of the body. A failure (a full disk) is kept by the sink for handle().
  virtual void write(std::string_view bytes) = 0;
  /// False once the sink wants no more bytes: it refused the request before its body (an IAM
  /// denial, a missing bucket) or failed while writing. The connection then stops reading,
  /// handle() answers, and the connection closes after the answer (the rest of the body is
  /// never read, as S3 closes a refused upload).
  virtual bool accepting() const = 0;
};

/// A response body of known length produced while it is written to the client.
class BodySource {
 public:
  virtual ~BodySource() = default;
  /// The Content-Length: exactly this many bytes will be read.
  virtual std::uint64_t size() const = 0;
  /// Up to `n` bytes into `out`; 0 only at the end. On failure sets `ec`: the status line has
  /// gone out already, so the connection is closed mid-body (the client sees a short body).
  virtual std::size_t read(char* out, std::size_t n, std::error_code& ec) = 0;

  /// Where the body's next bytes lie when it is a byte range of a file: a plain TCP connection
  /// then sends them with sendfile(2) from `fd` at `offset` (no copy through user space, no
  /// read() calls); TLS connections read(). `fd` -1: no file.
  struct FileSpan {
    int fd = -1;
    std::uint64_t offset = 0;
  };
  virtual FileSpan file() const { return {}; }
};

}  // namespace gh::core
