#pragma once
/// The CloudWatch-style lines Lambda writes around every invocation (START / END / REPORT),
/// the log stream name, and the 4 KB tail the Invoke API returns in X-Amz-Log-Result.
/// Formats: docs/aws-notes-lambda.md §5–6. Pure functions.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gh::plugins::lambda {

/// A duration as CloudWatch's log lines print it: milliseconds with two decimals ("13.40").
std::string millis_text(std::chrono::steady_clock::duration d);

/// "2026/11/25/[$LATEST]<32 hex>", as AWS_LAMBDA_LOG_STREAM_NAME.
std::string log_stream_name();

/// "REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t
/// Max Memory Used: 40 MB[\tInit Duration: 120.50 ms]". `billed` overrides the billed
/// duration (a timed-out invocation bills exactly its timeout).
std::string report_line(std::string_view request_id, std::chrono::steady_clock::duration elapsed,
                        unsigned memory_mb, long peak_rss_kb,
                        std::optional<std::chrono::steady_clock::duration> init,
                        std::optional<std::chrono::milliseconds> billed = std::nullopt);

/// Appends a line (and '\n') to an invocation's captured log, keeping at most the last 4 KB.
void append_log(std::string& log, std::string_view line);
/// base64 of the last 4 KB of `log`: X-Amz-Log-Result.
std::string log_tail(const std::string& log);

}  // namespace gh::plugins::lambda
