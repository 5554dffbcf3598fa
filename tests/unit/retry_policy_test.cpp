// Unit tests for maria2::RetryPolicy: which failures are worth another try, which aria2 exit
// code a final failure maps to, how long to wait (exponential backoff with equal jitter,
// capped), and when to give up. Pure functions: no network, no clock.
#include "core/retry/RetryPolicy.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

using maria2::AttemptOutcome;
using maria2::ErrorCode;
using maria2::RetryDecision;
using maria2::RetryPolicy;
using maria2::RetrySettings;
using std::chrono::milliseconds;

namespace {

RetrySettings settings(int maxTries = 5, int initialDelayMs = 1000, int maxDelayMs = 60000) {
    RetrySettings s;
    s.maxTries = maxTries;
    s.initialDelayMs = initialDelayMs;
    s.maxDelayMs = maxDelayMs;
    return s;
}

AttemptOutcome outcome(int curlCode, long httpStatus = 0, bool madeProgress = false,
                       std::int64_t retryAfterSeconds = 0) {
    AttemptOutcome o;
    o.curlCode = curlCode;
    o.httpStatus = httpStatus;
    o.madeProgress = madeProgress;
    o.retryAfterSeconds = retryAfterSeconds;
    return o;
}

// ---------------------------------------------------------------------------------------------
// isTransient: HTTP statuses

struct StatusCase {
    long status;
    bool transient;
};

class RetryTransientStatus : public ::testing::TestWithParam<StatusCase> {};

TEST_P(RetryTransientStatus, MatchesTable) {
    const StatusCase c = GetParam();
    // libcurl reports an HTTP error status either as CURLE_OK (the default) or as
    // CURLE_HTTP_RETURNED_ERROR (with CURLOPT_FAILONERROR); the verdict must not depend on it.
    EXPECT_EQ(RetryPolicy::isTransient(CURLE_OK, c.status), c.transient) << "HTTP " << c.status;
    EXPECT_EQ(RetryPolicy::isTransient(CURLE_HTTP_RETURNED_ERROR, c.status), c.transient)
        << "HTTP " << c.status << " with CURLE_HTTP_RETURNED_ERROR";
}

INSTANTIATE_TEST_SUITE_P(
    Table, RetryTransientStatus,
    ::testing::Values(StatusCase{400, false}, StatusCase{401, false}, StatusCase{403, false},
                      StatusCase{404, false}, StatusCase{407, false}, StatusCase{408, true},
                      StatusCase{410, false}, StatusCase{416, false}, StatusCase{425, true},
                      StatusCase{429, true}, StatusCase{500, true}, StatusCase{501, false},
                      StatusCase{502, true}, StatusCase{503, true}, StatusCase{504, true},
                      StatusCase{505, false}, StatusCase{599, true}),
    [](const ::testing::TestParamInfo<StatusCase>& info) {
        return "Http" + std::to_string(info.param.status);
    });

// ---------------------------------------------------------------------------------------------
// isTransient: curl codes

struct CurlCase {
    CURLcode code;
    const char* name;
    bool transient;
};

class RetryTransientCurl : public ::testing::TestWithParam<CurlCase> {};

TEST_P(RetryTransientCurl, MatchesTable) {
    const CurlCase c = GetParam();
    EXPECT_EQ(RetryPolicy::isTransient(c.code, 0), c.transient) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RetryTransientCurl,
    ::testing::Values(CurlCase{CURLE_COULDNT_CONNECT, "COULDNT_CONNECT", true},
                      CurlCase{CURLE_OPERATION_TIMEDOUT, "OPERATION_TIMEDOUT", true},
                      CurlCase{CURLE_PARTIAL_FILE, "PARTIAL_FILE", true},
                      CurlCase{CURLE_COULDNT_RESOLVE_HOST, "COULDNT_RESOLVE_HOST", true},
                      CurlCase{CURLE_GOT_NOTHING, "GOT_NOTHING", true},
                      CurlCase{CURLE_SEND_ERROR, "SEND_ERROR", true},
                      CurlCase{CURLE_RECV_ERROR, "RECV_ERROR", true},
                      CurlCase{CURLE_PEER_FAILED_VERIFICATION, "PEER_FAILED_VERIFICATION", false},
                      CurlCase{CURLE_TOO_MANY_REDIRECTS, "TOO_MANY_REDIRECTS", false},
                      CurlCase{CURLE_REMOTE_FILE_NOT_FOUND, "REMOTE_FILE_NOT_FOUND", false},
                      CurlCase{CURLE_WRITE_ERROR, "WRITE_ERROR", false},
                      CurlCase{CURLE_LOGIN_DENIED, "LOGIN_DENIED", false},
                      CurlCase{CURLE_UNSUPPORTED_PROTOCOL, "UNSUPPORTED_PROTOCOL", false},
                      CurlCase{CURLE_URL_MALFORMAT, "URL_MALFORMAT", false},
                      CurlCase{CURLE_OK, "OK", false}),
    [](const ::testing::TestParamInfo<CurlCase>& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------------------
// classify: aria2 exit codes

struct ClassifyCase {
    const char* name;
    int curlCode;
    long httpStatus;
    ErrorCode expected;
    int exitCode; // the stable number scripts see (docs/exit-codes.md)
};

class RetryClassify : public ::testing::TestWithParam<ClassifyCase> {};

TEST_P(RetryClassify, MapsToAria2ExitCode) {
    const ClassifyCase c = GetParam();
    const ErrorCode got = RetryPolicy::classify(c.curlCode, c.httpStatus);
    EXPECT_EQ(got, c.expected) << c.name << ": got " << static_cast<int>(got);
    EXPECT_EQ(static_cast<int>(got), c.exitCode) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RetryClassify,
    ::testing::Values(
        ClassifyCase{"Ok", CURLE_OK, 0, ErrorCode::Ok, 0},
        ClassifyCase{"Http200", CURLE_OK, 200, ErrorCode::Ok, 0},
        ClassifyCase{"Http400", CURLE_OK, 400, ErrorCode::BadHttpResponse, 22},
        ClassifyCase{"Http401", CURLE_OK, 401, ErrorCode::AuthFailed, 24},
        ClassifyCase{"Http403", CURLE_OK, 403, ErrorCode::AuthFailed, 24},
        ClassifyCase{"Http404", CURLE_OK, 404, ErrorCode::NotFound, 3},
        ClassifyCase{"Http404FailOnError", CURLE_HTTP_RETURNED_ERROR, 404, ErrorCode::NotFound, 3},
        ClassifyCase{"Http407", CURLE_OK, 407, ErrorCode::AuthFailed, 24},
        ClassifyCase{"Http408", CURLE_OK, 408, ErrorCode::Timeout, 2},
        ClassifyCase{"Http410", CURLE_OK, 410, ErrorCode::NotFound, 3},
        ClassifyCase{"Http429", CURLE_OK, 429, ErrorCode::ServerOverloaded, 29},
        ClassifyCase{"Http500", CURLE_OK, 500, ErrorCode::BadHttpResponse, 22},
        ClassifyCase{"Http501", CURLE_OK, 501, ErrorCode::BadHttpResponse, 22},
        ClassifyCase{"Http502", CURLE_OK, 502, ErrorCode::BadHttpResponse, 22},
        ClassifyCase{"Http503", CURLE_OK, 503, ErrorCode::ServerOverloaded, 29},
        ClassifyCase{"Http504", CURLE_OK, 504, ErrorCode::Timeout, 2},
        ClassifyCase{"Http505", CURLE_OK, 505, ErrorCode::BadHttpResponse, 22},
        ClassifyCase{"Timedout", CURLE_OPERATION_TIMEDOUT, 0, ErrorCode::Timeout, 2},
        ClassifyCase{"ResolveHost", CURLE_COULDNT_RESOLVE_HOST, 0, ErrorCode::NameResolution, 19},
        ClassifyCase{"ResolveProxy", CURLE_COULDNT_RESOLVE_PROXY, 0, ErrorCode::NameResolution, 19},
        ClassifyCase{"TooManyRedirects", CURLE_TOO_MANY_REDIRECTS, 0, ErrorCode::TooManyRedirects,
                     23},
        // A redirect loop ends on a 3xx: the curl code decides, not the status.
        ClassifyCase{"TooManyRedirects302", CURLE_TOO_MANY_REDIRECTS, 302,
                     ErrorCode::TooManyRedirects, 23},
        ClassifyCase{"RemoteFileNotFound", CURLE_REMOTE_FILE_NOT_FOUND, 0, ErrorCode::NotFound, 3},
        ClassifyCase{"LoginDenied", CURLE_LOGIN_DENIED, 0, ErrorCode::AuthFailed, 24},
        ClassifyCase{"RemoteAccessDenied", CURLE_REMOTE_ACCESS_DENIED, 0, ErrorCode::AuthFailed,
                     24},
        ClassifyCase{"RangeError", CURLE_RANGE_ERROR, 0, ErrorCode::ResumeUnsupported, 8},
        ClassifyCase{"BadDownloadResume", CURLE_BAD_DOWNLOAD_RESUME, 0,
                     ErrorCode::ResumeUnsupported, 8},
        ClassifyCase{"WriteError", CURLE_WRITE_ERROR, 0, ErrorCode::FileIo, 17},
        ClassifyCase{"FtpCouldntRetr", CURLE_FTP_COULDNT_RETR_FILE, 0, ErrorCode::FtpCommand, 21},
        ClassifyCase{"QuoteError", CURLE_QUOTE_ERROR, 0, ErrorCode::FtpCommand, 21},
        ClassifyCase{"WeirdServerReply", CURLE_WEIRD_SERVER_REPLY, 0, ErrorCode::BadHttpResponse,
                     22},
        ClassifyCase{"CouldntConnect", CURLE_COULDNT_CONNECT, 0, ErrorCode::Network, 6},
        ClassifyCase{"PartialFile", CURLE_PARTIAL_FILE, 0, ErrorCode::Network, 6},
        ClassifyCase{"RecvError", CURLE_RECV_ERROR, 0, ErrorCode::Network, 6},
        ClassifyCase{"PeerFailedVerification", CURLE_PEER_FAILED_VERIFICATION, 0,
                     ErrorCode::Network, 6},
        ClassifyCase{"UnsupportedProtocol", CURLE_UNSUPPORTED_PROTOCOL, 0, ErrorCode::Unknown, 1}),
    [](const ::testing::TestParamInfo<ClassifyCase>& info) {
        return std::string(info.param.name);
    });

// ---------------------------------------------------------------------------------------------
// backoff

TEST(RetryBackoff, ZeroJitterIsHalfTheExponentialDelay) {
    const RetryPolicy p(settings(5, 1000, 60000));
    EXPECT_EQ(p.backoff(1, 0.0), milliseconds(500));
    EXPECT_EQ(p.backoff(2, 0.0), milliseconds(1000));
    EXPECT_EQ(p.backoff(3, 0.0), milliseconds(2000));
    EXPECT_EQ(p.backoff(4, 0.0), milliseconds(4000));
    EXPECT_EQ(p.backoff(5, 0.0), milliseconds(8000));
    EXPECT_EQ(p.backoff(6, 0.0), milliseconds(16000));
}

TEST(RetryBackoff, JitterNearOneIsTheFullDelay) {
    const RetryPolicy p(settings(5, 1000, 60000));
    for (int attempt = 1; attempt <= 6; ++attempt) {
        const std::int64_t full = std::int64_t{1000} << (attempt - 1);
        const auto d = p.backoff(attempt, 0.999999).count();
        EXPECT_GE(d, full - 1) << "attempt " << attempt;
        EXPECT_LE(d, full) << "attempt " << attempt;
    }
    EXPECT_EQ(p.backoff(1, 1.0), milliseconds(1000));
}

TEST(RetryBackoff, DoublesEachAttempt) {
    const RetryPolicy p(settings(5, 250, 1000000));
    for (int attempt = 1; attempt < 10; ++attempt) {
        EXPECT_EQ(p.backoff(attempt + 1, 0.0).count(), 2 * p.backoff(attempt, 0.0).count())
            << "attempt " << attempt;
    }
}

TEST(RetryBackoff, CappedAtMaxDelay) {
    const RetryPolicy p(settings(5, 1000, 60000));
    // 1000 * 2^6 = 64000 > 60000: the cap applies from attempt 7 on.
    EXPECT_EQ(p.backoff(7, 0.999999).count(), 59999);
    EXPECT_EQ(p.backoff(7, 1.0), milliseconds(60000));
    EXPECT_EQ(p.backoff(7, 0.0), milliseconds(30000));
    for (int attempt : {8, 20, 40, 41, 100, 1000, std::numeric_limits<int>::max()}) {
        EXPECT_LE(p.backoff(attempt, 1.0), milliseconds(60000)) << "attempt " << attempt;
        EXPECT_EQ(p.backoff(attempt, 0.0), milliseconds(30000)) << "attempt " << attempt;
    }
}

TEST(RetryBackoff, NeverDecreasesWithAttempts) {
    const RetryPolicy p(settings(5, 700, 45000));
    milliseconds previous{0};
    for (int attempt = 1; attempt <= 60; ++attempt) {
        const auto d = p.backoff(attempt, 0.5);
        EXPECT_GE(d, previous) << "attempt " << attempt;
        previous = d;
    }
}

TEST(RetryBackoff, JitterStaysWithinHalfAndFull) {
    const RetryPolicy p(settings(5, 1000, 60000));
    for (int attempt = 1; attempt <= 10; ++attempt) {
        const auto ceiling = std::min<std::int64_t>(std::int64_t{1000} << (attempt - 1), 60000);
        for (double j = 0.0; j < 1.0; j += 0.0625) {
            const auto d = p.backoff(attempt, j).count();
            EXPECT_GE(d, ceiling / 2) << "attempt " << attempt << " jitter " << j;
            EXPECT_LE(d, ceiling) << "attempt " << attempt << " jitter " << j;
        }
        // Different jitter gives different delays (that is the point of jitter).
        EXPECT_LT(p.backoff(attempt, 0.1), p.backoff(attempt, 0.9)) << "attempt " << attempt;
    }
}

TEST(RetryBackoff, OutOfRangeInputsAreClamped) {
    const RetryPolicy p(settings(5, 1000, 60000));
    EXPECT_EQ(p.backoff(0, 0.0), p.backoff(1, 0.0));
    EXPECT_EQ(p.backoff(-5, 0.0), p.backoff(1, 0.0));
    EXPECT_EQ(p.backoff(3, -2.0), p.backoff(3, 0.0));
    EXPECT_EQ(p.backoff(3, 7.0), p.backoff(3, 1.0));
}

TEST(RetryBackoff, ZeroDelaysMeanImmediateRetry) {
    EXPECT_EQ(RetryPolicy(settings(5, 0, 60000)).backoff(5, 0.9), milliseconds(0));
    EXPECT_EQ(RetryPolicy(settings(5, 1000, 0)).backoff(5, 0.9), milliseconds(0));
}

// ---------------------------------------------------------------------------------------------
// decide

TEST(RetryDecide, PermanentFailureIsNotRetried) {
    const RetryPolicy p(settings(5));
    const RetryDecision d404 = p.decide(outcome(CURLE_OK, 404), 1, 0.5);
    EXPECT_FALSE(d404.retry);
    EXPECT_EQ(d404.error, ErrorCode::NotFound);

    const RetryDecision dTls = p.decide(outcome(CURLE_PEER_FAILED_VERIFICATION), 1, 0.5);
    EXPECT_FALSE(dTls.retry);
    EXPECT_EQ(dTls.error, ErrorCode::Network);

    // Even with progress: a 403 will not turn into a 200 by asking again.
    const RetryDecision d403 = p.decide(outcome(CURLE_OK, 403, true), 1, 0.5);
    EXPECT_FALSE(d403.retry);
    EXPECT_EQ(d403.error, ErrorCode::AuthFailed);
}

TEST(RetryDecide, TransientFailureRetriedWithBackoff) {
    const RetryPolicy p(settings(5, 1000, 60000));
    for (int attempt = 1; attempt < 5; ++attempt) {
        const RetryDecision d = p.decide(outcome(CURLE_COULDNT_CONNECT), attempt, 0.25);
        EXPECT_TRUE(d.retry) << "attempt " << attempt;
        EXPECT_EQ(d.delay, p.backoff(attempt, 0.25)) << "attempt " << attempt;
        EXPECT_GT(d.delay, milliseconds(0)) << "attempt " << attempt;
        EXPECT_EQ(d.error, ErrorCode::Network) << "attempt " << attempt;
    }
}

TEST(RetryDecide, GivesUpAfterMaxTriesWithoutProgress) {
    const RetryPolicy p(settings(3));
    EXPECT_TRUE(p.decide(outcome(CURLE_OPERATION_TIMEDOUT), 1, 0.0).retry);
    EXPECT_TRUE(p.decide(outcome(CURLE_OPERATION_TIMEDOUT), 2, 0.0).retry);
    const RetryDecision last = p.decide(outcome(CURLE_OPERATION_TIMEDOUT), 3, 0.0);
    EXPECT_FALSE(last.retry);
    EXPECT_EQ(last.error, ErrorCode::Timeout); // the final error still says what happened
    EXPECT_FALSE(p.decide(outcome(CURLE_OPERATION_TIMEDOUT), 4, 0.0).retry);

    const RetryDecision http = p.decide(outcome(CURLE_OK, 503), 3, 0.0);
    EXPECT_FALSE(http.retry);
    EXPECT_EQ(http.error, ErrorCode::ServerOverloaded);
}

TEST(RetryDecide, MaxTriesOneMeansNoRetry) {
    const RetryPolicy p(settings(1));
    const RetryDecision d = p.decide(outcome(CURLE_COULDNT_CONNECT), 1, 0.0);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.error, ErrorCode::Network);
}

TEST(RetryDecide, ProgressDoesNotUseUpATry) {
    const RetryPolicy p(settings(3, 1000, 60000));
    // A long download over a flaky line: the connection drops after some bytes, again and
    // again, well past MaxTries. Each drop made progress, so it keeps going, at once.
    for (int attempt : {3, 4, 10, 1000}) {
        const RetryDecision d = p.decide(outcome(CURLE_PARTIAL_FILE, 0, true), attempt, 0.7);
        EXPECT_TRUE(d.retry) << "attempt " << attempt;
        EXPECT_EQ(d.delay, milliseconds(0)) << "attempt " << attempt;
        EXPECT_EQ(d.error, ErrorCode::Network) << "attempt " << attempt;
    }
    // The same failure without progress at that count gives up.
    EXPECT_FALSE(p.decide(outcome(CURLE_PARTIAL_FILE, 0, false), 3, 0.7).retry);
}

TEST(RetryDecide, RetryAfterHonouredWhenLongerThanBackoff) {
    const RetryPolicy p(settings(5, 1000, 60000));
    // attempt 1, jitter 0 -> backoff 500 ms; the server asked for 10 s.
    const RetryDecision d = p.decide(outcome(CURLE_OK, 503, false, 10), 1, 0.0);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, milliseconds(10000));
    EXPECT_EQ(d.error, ErrorCode::ServerOverloaded);

    const RetryDecision d429 = p.decide(outcome(CURLE_OK, 429, false, 7), 2, 0.0);
    EXPECT_TRUE(d429.retry);
    EXPECT_EQ(d429.delay, milliseconds(7000));
}

TEST(RetryDecide, RetryAfterShorterThanBackoffKeepsBackoff) {
    const RetryPolicy p(settings(10, 1000, 60000));
    // attempt 6, jitter 1 -> backoff 32 s; the server asked for 2 s.
    const RetryDecision d = p.decide(outcome(CURLE_OK, 503, false, 2), 6, 1.0);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, p.backoff(6, 1.0));
    EXPECT_EQ(d.delay, milliseconds(32000));
}

TEST(RetryDecide, RetryAfterCappedAtMaxDelay) {
    const RetryPolicy p(settings(5, 1000, 60000));
    const RetryDecision d = p.decide(outcome(CURLE_OK, 503, false, 3600), 1, 0.0);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, milliseconds(60000));

    const RetryPolicy small(settings(5, 100, 5000));
    EXPECT_EQ(small.decide(outcome(CURLE_OK, 429, false, 6), 1, 0.0).delay, milliseconds(5000));
}

TEST(RetryDecide, HugeRetryAfterDoesNotOverflow) {
    // The value comes straight from a server's header (CURLINFO_RETRY_AFTER): a hostile or
    // broken server can send any 64-bit number.
    const RetryPolicy p(settings(5, 1000, 60000));
    for (std::int64_t seconds :
         {std::int64_t{86400} * 365 * 1000, std::numeric_limits<std::int64_t>::max() / 1000 + 1,
          std::numeric_limits<std::int64_t>::max()}) {
        const RetryDecision d = p.decide(outcome(CURLE_OK, 503, false, seconds), 1, 0.0);
        EXPECT_TRUE(d.retry) << seconds;
        EXPECT_EQ(d.delay, milliseconds(60000)) << seconds;
    }
}

TEST(RetryDecide, RetryAfterAppliesAfterProgressToo) {
    const RetryPolicy p(settings(5, 1000, 60000));
    const RetryDecision d = p.decide(outcome(CURLE_OK, 503, true, 5), 9, 0.0);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, milliseconds(5000));
}

TEST(RetryDecide, NonPositiveRetryAfterIgnored) {
    const RetryPolicy p(settings(5, 1000, 60000));
    // A Retry-After date in the past comes through as a negative number of seconds.
    EXPECT_EQ(p.decide(outcome(CURLE_OK, 503, false, -30), 2, 0.0).delay, p.backoff(2, 0.0));
    EXPECT_EQ(p.decide(outcome(CURLE_OK, 503, false, 0), 2, 0.0).delay, p.backoff(2, 0.0));
}

TEST(RetryDecide, RetryAfterDoesNotResurrectAPermanentFailure) {
    const RetryPolicy p(settings(5));
    EXPECT_FALSE(p.decide(outcome(CURLE_OK, 404, false, 10), 1, 0.0).retry);
    // Nor does it extend MaxTries.
    EXPECT_FALSE(p.decide(outcome(CURLE_OK, 503, false, 10), 5, 0.0).retry);
}

} // namespace
