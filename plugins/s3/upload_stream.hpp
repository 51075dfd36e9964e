#pragma once
/// UploadStream: PutObject and UploadPart bodies taken as they arrive (core::BodySink), so an
/// object of any size (up to S3's 5 GiB per request) goes to disk without being held in
/// memory. Made by the S3 API's stream_body() after the request's head; it runs the IAM check
/// and opens the store's writer then (a refusal stops the body from being read at all), feeds
/// each piece through the aws-chunked decoder when the body is framed so, into the writer, and
/// at the end (finish(), from handle()) checks the signed payload hash, the trailers and the
/// checksums, and commits. Until the commit nothing is visible: a connection cut mid-body
/// leaves no object (the writer's temporary file is removed).
#include <memory>
#include <optional>
#include <string>

#include "gateway/core/body_stream.hpp"
#include "gateway/util/crypto.hpp"
#include "plugins/s3/operation_support.hpp"

namespace gh::plugins::s3 {

class UploadStream final : public core::BodySink {
 public:
  /// For a PutObject or UploadPart (`operation`) of `call`; the call's context must outlive the
  /// stream (it is the request's own).
  UploadStream(S3Call call, std::string_view operation);
  ~UploadStream() override;

  std::uint64_t max_bytes() const override;
  void write(std::string_view bytes) override;
  bool accepting() const override { return !error_ && !failed_; }

  /// After the body: the operation's answer (its error if the stream failed or was refused).
  core::Response finish();
  const std::string& request_id() const noexcept { return call_.request_id; }

 private:
  void fail(S3ErrorReply error);
  /// Writes pending_ to the writer; false (and failed) on an I/O error.
  bool flush();

  S3Call call_;
  std::optional<S3ErrorReply> error_;  // refused or failed: answered by finish()
  bool failed_ = false;
  std::unique_ptr<ObjectWriter> writer_;
  std::unique_ptr<AwsChunkedDecoder> decoder_;
  std::unique_ptr<util::Sha256Stream> body_hash_;  // when the signature covers the body's hash
  std::string stated_sha256_;
  std::string decoded_;  // scratch for the decoder's output
  std::string pending_;  // payload gathered into larger writes (kWriteBytes)
};

}  // namespace gh::plugins::s3
