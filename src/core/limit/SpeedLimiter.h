#pragma once
// The download speed limits of the whole application: one global limit shared fairly by every
// download on every engine thread, plus an optional limit per download. Thread-safe: engines
// call acquire() from their libcurl write callbacks; the session changes rates from its thread.
//
// Fairness (see docs/throttling.md): start-time fair queuing over downloads. Each download
// has a `served` counter (bytes granted). When the global bucket has tokens, a download is
// still told to wait if another download that is waiting for tokens has been served more than
// one burst less than it. A download that was not waiting (idle, slow server, own limit) is
// brought up to within one burst of the others when it asks again, so it cannot save up credit.
#include "core/limit/TokenBucket.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace maria2 {

class SpeedLimiter {
public:
    using Clock = std::chrono::steady_clock;
    using Key = std::uint64_t; // a DownloadId: all connections of a download share one key

    struct Decision {
        bool granted = true;
        // When refused: when to ask again (pause the transfer until then). Asking earlier is
        // harmless but will be refused again.
        Clock::time_point retryAt{};
        bool byOwnLimit = false; // refused by the download's own limit, not the global one
    };

    // A download that was refused and has not come back this long after its retryAt no longer
    // holds others back (its transfer was paused or closed without remove()).
    static constexpr std::chrono::milliseconds kStaleAfter{250};
    // Longest a download refused only for fairness waits before asking again.
    static constexpr std::chrono::milliseconds kMaxFairnessWait{50};

    // bytesPerSecond <= 0: unlimited.
    explicit SpeedLimiter(std::int64_t globalBytesPerSecond = 0, Clock::time_point now = {});

    void setGlobalRate(std::int64_t bytesPerSecond, Clock::time_point now);
    std::int64_t globalRate() const;

    // A limit for one download (0 = only the global one). The download's fairness record is
    // kept, so changing a rate does not reset who is ahead.
    void setDownloadRate(Key key, std::int64_t bytesPerSecond, Clock::time_point now);
    std::int64_t downloadRate(Key key) const;

    // The tightest limit that applies to `key` now (its own or the global one), 0 = none.
    std::int64_t tightestRate(Key key) const;

    // Forget a download (finished, removed). Harmless for unknown keys.
    void remove(Key key);

    // Asks to take `bytes` that a transfer of `key` has just received. All or nothing: either
    // the whole chunk is granted (the buckets may go briefly into debt; see TokenBucket), or
    // nothing is and the caller should pause until retryAt.
    Decision acquire(Key key, std::size_t bytes, Clock::time_point now);

    // When a request from `key` could next pass the buckets (ignoring fairness). now if it can.
    Clock::time_point nextAvailable(Key key, Clock::time_point now) const;

    // False when no limit at all is set: callers may skip acquire() entirely. Lock-free.
    bool anyLimit() const noexcept { return m_anyLimit.load(std::memory_order_relaxed); }

    // Bytes granted to `key` while any limit was set (with none, acquire() keeps no books).
    std::int64_t grantedBytes(Key key) const;

private:
    struct Flow {
        std::optional<TokenBucket> own; // the per-download limit, if any
        double served = 0;              // fairness clock: bytes granted, possibly moved forward
        std::int64_t granted = 0;       // bytes really granted
        bool waiting = false; // refused by the global bucket or fairness, not served since
        Clock::time_point expectedBack{};
    };

    bool isContender(const Flow& flow, Clock::time_point now) const;
    double fairnessSlack() const;
    void updateAnyLimit();

    mutable std::mutex m_mutex;
    TokenBucket m_global;
    std::unordered_map<Key, Flow> m_flows;
    double m_virtualTime = 0; // `served` of the most recently granted flow, never decreasing
    std::atomic<bool> m_anyLimit{false};
};

} // namespace maria2
