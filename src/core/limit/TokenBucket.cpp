#include "core/limit/TokenBucket.h"

#include <algorithm>
#include <cmath>

namespace maria2 {

namespace {

// Below this a balance counts as zero: refills are computed in double and a balance that
// should be exactly 0 may come out a hair negative.
constexpr double kEpsilonBytes = 1e-6;

} // namespace

std::int64_t TokenBucket::burstFor(std::int64_t bytesPerSecond) {
    return std::max(kMinBurstBytes, bytesPerSecond / 10);
}

TokenBucket::TokenBucket(std::int64_t bytesPerSecond, Clock::time_point now)
    : m_last(now) {
    if (bytesPerSecond > 0) {
        m_rate = bytesPerSecond;
        m_capacity = burstFor(m_rate);
        m_tokens = static_cast<double>(m_capacity);
    }
}

void TokenBucket::refill(Clock::time_point now) {
    // Callers on several threads may read the clock before taking the lock, so `now` can be a
    // little older than the last refill. Time never runs backwards here: nothing is credited.
    if (now <= m_last) {
        return;
    }
    if (!unlimited()) {
        const double seconds = std::chrono::duration<double>(now - m_last).count();
        m_tokens = std::min(static_cast<double>(m_capacity),
                            m_tokens + seconds * static_cast<double>(m_rate));
    }
    m_last = now;
}

void TokenBucket::setRate(std::int64_t bytesPerSecond, Clock::time_point now) {
    refill(now);
    const bool wasUnlimited = unlimited();
    m_rate = std::max<std::int64_t>(0, bytesPerSecond);
    if (unlimited()) {
        m_capacity = 0;
        m_tokens = 0;
        return;
    }
    m_capacity = burstFor(m_rate);
    if (wasUnlimited) {
        m_tokens = static_cast<double>(m_capacity);
        return;
    }
    m_tokens = std::clamp(m_tokens, -static_cast<double>(std::max(m_rate, m_capacity)),
                          static_cast<double>(m_capacity));
}

double TokenBucket::tokens(Clock::time_point now) {
    refill(now);
    return m_tokens;
}

bool TokenBucket::ready(Clock::time_point now) {
    if (unlimited()) {
        return true;
    }
    refill(now);
    return m_tokens >= -kEpsilonBytes;
}

bool TokenBucket::tryConsume(std::int64_t n, Clock::time_point now) {
    if (!ready(now)) {
        return false;
    }
    if (unlimited()) {
        return true;
    }
    m_tokens -= static_cast<double>(std::max<std::int64_t>(0, n));
    return true;
}

std::int64_t TokenBucket::grant(std::int64_t wanted, Clock::time_point now) {
    if (wanted <= 0) {
        return 0;
    }
    if (unlimited()) {
        return wanted;
    }
    refill(now);
    const auto whole = static_cast<std::int64_t>(std::floor(std::max(0.0, m_tokens)));
    const std::int64_t given = std::min(wanted, whole);
    m_tokens -= static_cast<double>(given);
    return given;
}

TokenBucket::Clock::time_point TokenBucket::nextAvailable(Clock::time_point now,
                                                          std::int64_t minTokens) const {
    if (unlimited()) {
        return now;
    }
    const double target = static_cast<double>(std::clamp<std::int64_t>(minTokens, 0, m_capacity));
    const double missing = target - m_tokens;
    if (missing <= kEpsilonBytes) {
        return now;
    }
    // Round up to the next whole tick of the clock so that at the returned time the tokens
    // really are there.
    const double seconds = missing / static_cast<double>(m_rate);
    const auto wait = std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(seconds));
    return std::max(now, m_last + wait);
}

} // namespace maria2
