#include "core/retry/RetryPolicy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>

namespace maria2 {

bool RetryPolicy::isTransient(int curlCode, long httpStatus) {
    if (httpStatus >= 400) {
        switch (httpStatus) {
        case 408: // request time-out
        case 425: // too early
        case 429: // too many requests
            return true;
        case 501: // not implemented: will not change
        case 505: // HTTP version not supported
            return false;
        default:
            return httpStatus >= 500;
        }
    }
    switch (static_cast<CURLcode>(curlCode)) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_FTP_ACCEPT_TIMEOUT:
    case CURLE_FTP_CANT_GET_HOST:
    case CURLE_FTP_WEIRD_PASV_REPLY:
    case CURLE_FTP_WEIRD_227_FORMAT:
    case CURLE_QUIC_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

ErrorCode RetryPolicy::classify(int curlCode, long httpStatus) {
    if (httpStatus >= 400) {
        switch (httpStatus) {
        case 404:
        case 410:
            return ErrorCode::NotFound;
        case 401:
        case 403:
        case 407:
            return ErrorCode::AuthFailed;
        case 408:
        case 504:
            return ErrorCode::Timeout;
        case 429:
        case 503:
            return ErrorCode::ServerOverloaded;
        default:
            return ErrorCode::BadHttpResponse;
        }
    }
    switch (static_cast<CURLcode>(curlCode)) {
    case CURLE_OK:
        return ErrorCode::Ok;
    case CURLE_OPERATION_TIMEDOUT:
        return ErrorCode::Timeout;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return ErrorCode::NameResolution;
    case CURLE_TOO_MANY_REDIRECTS:
        return ErrorCode::TooManyRedirects;
    case CURLE_REMOTE_FILE_NOT_FOUND:
        return ErrorCode::NotFound;
    case CURLE_LOGIN_DENIED:
    case CURLE_REMOTE_ACCESS_DENIED:
        return ErrorCode::AuthFailed;
    case CURLE_RANGE_ERROR:
    case CURLE_BAD_DOWNLOAD_RESUME:
        return ErrorCode::ResumeUnsupported;
    case CURLE_WRITE_ERROR:
        return ErrorCode::FileIo;
    case CURLE_FTP_COULDNT_RETR_FILE:
    case CURLE_FTP_COULDNT_SET_TYPE:
    case CURLE_FTP_PORT_FAILED:
    case CURLE_QUOTE_ERROR:
        return ErrorCode::FtpCommand;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
        return ErrorCode::BadHttpResponse;
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return ErrorCode::Network;
    default:
        return ErrorCode::Unknown;
    }
}

std::chrono::milliseconds RetryPolicy::backoff(int attempt, double jitter01) const {
    const double cap = static_cast<double>(m_settings.maxDelayMs);
    const double base = static_cast<double>(m_settings.initialDelayMs) *
                        std::pow(2.0, static_cast<double>(std::clamp(attempt, 1, 40) - 1));
    const double ceiling = std::min(base, cap);
    const double jitter = std::clamp(jitter01, 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(ceiling / 2 + ceiling / 2 * jitter));
}

RetryDecision RetryPolicy::decide(const AttemptOutcome& outcome, int attemptsSoFar,
                                  double jitter01) const {
    RetryDecision d;
    d.error = classify(outcome.curlCode, outcome.httpStatus);
    if (!isTransient(outcome.curlCode, outcome.httpStatus)) {
        return d;
    }
    if (!outcome.madeProgress && attemptsSoFar >= m_settings.maxTries) {
        return d;
    }
    d.retry = true;
    d.delay =
        outcome.madeProgress ? std::chrono::milliseconds(0) : backoff(attemptsSoFar, jitter01);
    if (outcome.retryAfterSeconds > 0) {
        // The value comes from the server: clamp before scaling so a huge one cannot overflow.
        const std::int64_t seconds =
            std::min<std::int64_t>(outcome.retryAfterSeconds, m_settings.maxDelayMs / 1000 + 1);
        const auto asked = std::chrono::milliseconds(seconds * 1000);
        d.delay =
            std::min(std::max(d.delay, asked), std::chrono::milliseconds(m_settings.maxDelayMs));
    }
    return d;
}

} // namespace maria2
