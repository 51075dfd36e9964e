#include "plugins/s3/upload_stream.hpp"

#include "plugins/s3/operations.hpp"
#include "plugins/s3/request_admission.hpp"

namespace gh::plugins::s3 {

namespace {
constexpr std::size_t kWriteBytes = 256 * 1024;
}  // namespace

UploadStream::UploadStream(S3Call call, std::string_view operation) : call_(std::move(call)) {
  StreamedAdmission admitted = admit_streamed_request(call_, operation);
  if (admitted.error) {
    error_ = std::move(admitted.error);
    return;
  }
  OpenedUpload opened =
      operation == "UploadPart" ? ops::open_upload_part(call_) : ops::open_put_object(call_);
  if (!opened.writer) {
    error_ = std::move(opened.error);
    return;
  }
  writer_ = std::move(opened.writer);
  if (admitted.chunked)
    decoder_ = std::make_unique<AwsChunkedDecoder>(std::move(*admitted.chunked));
  if (!admitted.stated_sha256.empty()) {
    stated_sha256_ = std::move(admitted.stated_sha256);
    body_hash_ = std::make_unique<util::Sha256Stream>();
  }
}

UploadStream::~UploadStream() = default;  // an uncommitted writer removes its temporary file

std::uint64_t UploadStream::max_bytes() const {
  // S3 User Guide, "Uploading objects": up to 5 GiB in a single PUT (and per part). An
  // aws-chunked body adds its framing on top of the payload it decodes to.
  constexpr std::uint64_t kMaxPayload = std::uint64_t{5} << 30;
  return decoder_ ? kMaxPayload + kMaxPayload / 64 : kMaxPayload;
}

void UploadStream::fail(S3ErrorReply error) {
  error_ = std::move(error);
  failed_ = true;
  if (writer_) writer_->abort();
}

void UploadStream::write(std::string_view bytes) {
  if (!accepting()) return;
  if (body_hash_) body_hash_->update(bytes);
  std::string_view payload = bytes;
  if (decoder_) {
    decoded_.clear();
    if (auto error = decoder_->feed(bytes, decoded_)) return fail(std::move(*error));
    payload = decoded_;
  }
  // The body arrives in pieces of a few KiB: gather them into fewer, larger file writes.
  pending_.append(payload);
  if (pending_.size() >= kWriteBytes) flush();
}

bool UploadStream::flush() {
  if (pending_.empty()) return true;
  S3Error e = writer_->write(pending_);
  pending_.clear();
  if (e != S3Error::kNone) {
    fail(reply_for(e));
    return false;
  }
  return true;
}

core::Response UploadStream::finish() {
  if (!error_ && decoder_) {
    if (auto error = decoder_->finish()) {
      fail(std::move(*error));
    } else {
      call_.trailers = decoder_->trailers();
    }
  }
  if (!error_ && body_hash_) {
    std::string computed = body_hash_->finish_hex();
    if (computed != stated_sha256_) {
      S3ErrorReply e =
          reply(400, "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.");
      e.details.emplace_back("ClientComputedContentSHA256", stated_sha256_);
      e.details.emplace_back("S3ComputedContentSHA256", computed);
      fail(std::move(e));
    }
  }
  if (!error_) flush();
  if (error_) return error_response(call_, *error_);
  return finish_upload(call_, *writer_);
}

}  // namespace gh::plugins::s3
