#pragma once
// One token bucket: `rate` bytes per second flow in, up to `capacity` bytes are kept. Not
// thread-safe on its own (SpeedLimiter guards its buckets with one mutex). Time is always a
// parameter, so tests drive it with a fake clock.
#include <chrono>
#include <cstdint>

namespace maria2 {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    // Bursts are kept small: a tenth of a second of traffic, but at least 16 KiB (one
    // typical libcurl write chunk), so a full bucket never lets much more than the limit through
    // in any one second.
    static constexpr std::int64_t kMinBurstBytes = 16 * 1024;
    static std::int64_t burstFor(std::int64_t bytesPerSecond);

    // rate <= 0 means unlimited. The bucket starts full.
    explicit TokenBucket(std::int64_t bytesPerSecond = 0, Clock::time_point now = {});

    // Changes the rate from `now` on: tokens earned so far are credited at the old rate first.
    // Tokens above the new capacity are dropped, and debt is forgiven beyond one second at the
    // new rate, so a lowered limit takes effect at once without freezing transfers.
    void setRate(std::int64_t bytesPerSecond, Clock::time_point now);

    std::int64_t rate() const { return m_rate; }
    std::int64_t capacity() const { return m_capacity; }
    bool unlimited() const { return m_rate <= 0; }

    // Tokens at `now` (credits the refill). Negative = debt left by an overdraft.
    double tokens(Clock::time_point now);

    // True when not in debt, i.e. when tryConsume would succeed now.
    bool ready(Clock::time_point now);

    // All or nothing, with overdraft: succeeds whenever the bucket is not in debt, and then
    // takes all `n` even if that leaves it negative. This is what a libcurl write callback needs:
    // it cannot accept part of a chunk, and a chunk may be bigger than the whole bucket.
    // The debt is paid back before the next success, so the long-run rate is exact.
    bool tryConsume(std::int64_t n, Clock::time_point now);

    // Partial, never overdraws: takes and returns up to `wanted` whole tokens.
    std::int64_t grant(std::int64_t wanted, Clock::time_point now);

    // The earliest time at which at least `minTokens` (capped at capacity) are there; with
    // the default 0 that is when tryConsume succeeds again. Never earlier than `now`.
    Clock::time_point nextAvailable(Clock::time_point now, std::int64_t minTokens = 0) const;

private:
    void refill(Clock::time_point now);

    std::int64_t m_rate = 0;
    std::int64_t m_capacity = 0;
    double m_tokens = 0;
    Clock::time_point m_last{};
};

} // namespace maria2
