#pragma once
// When a failed attempt is worth another try, how long to wait first, and which of aria2's
// exit codes a final failure maps to.
#include "core/config/Config.h"
#include "core/types/DownloadTypes.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace maria2 {

// What one attempt ended with. curlCode is a CURLcode value (0 = CURLE_OK).
struct AttemptOutcome {
    int curlCode = 0;
    long httpStatus = 0;                // 0 when not HTTP or no response
    std::int64_t retryAfterSeconds = 0; // from Retry-After (0 = none)
    bool madeProgress = false;          // body bytes arrived during this attempt
};

struct RetryDecision {
    bool retry = false;
    std::chrono::milliseconds delay{0};
    ErrorCode error = ErrorCode::Ok; // what it counts as if it is final
};

class RetryPolicy {
public:
    explicit RetryPolicy(const RetrySettings& settings)
        : m_settings(settings) {}

    // Transient = the same request may well succeed later: connection refused/reset,
    // time-outs, cut-short bodies, DNS hiccups, 408, 425, 429, 5xx except 501/505.
    static bool isTransient(int curlCode, long httpStatus);

    // aria2's exit code for an outcome (404 -> NotFound, 401/403/407 -> AuthFailed,
    // too many redirects -> TooManyRedirects, 429/503 -> ServerOverloaded ...).
    static ErrorCode classify(int curlCode, long httpStatus);

    // Exponential backoff: initial * 2^(attempt-1), capped at MaxDelayMs, with "equal
    // jitter" (half fixed, half random) so many clients do not retry in lock-step.
    // attempt >= 1 is the attempt that just failed; jitter01 in [0,1).
    std::chrono::milliseconds backoff(int attempt, double jitter01) const;

    // attemptsSoFar counts the attempt that just failed. An attempt that made progress
    // does not use up a try (a long download over a flaky line must not die after
    // MaxTries resets). Retry-After wins over the backoff when longer, up to MaxDelayMs.
    RetryDecision decide(const AttemptOutcome& outcome, int attemptsSoFar, double jitter01) const;

private:
    RetrySettings m_settings;
};

} // namespace maria2
