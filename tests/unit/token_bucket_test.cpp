// Unit tests for maria2::TokenBucket and maria2::SpeedLimiter. Time is synthetic: a simulation
// moves a fake clock from one consumer's next request to the next, so 20 simulated seconds run
// in milliseconds and every figure is reproducible. Nothing sleeps.
#include "core/limit/SpeedLimiter.h"
#include "core/limit/TokenBucket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

using maria2::SpeedLimiter;
using maria2::TokenBucket;
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * 1024;

Clock::time_point at(std::int64_t ms) {
    return Clock::time_point{} + milliseconds(ms);
}
Clock::time_point atSeconds(double s) {
    return Clock::time_point{} +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// One greedy transfer: it always has another chunk ready after `readTime`, and reacts to a
// refusal `latency` after the retry time (an engine thread that is slower to wake up).
struct Consumer {
    SpeedLimiter::Key key = 0;
    std::int64_t chunk = 16 * KiB;
    Clock::duration latency{};
    Clock::duration readTime = microseconds(100);
    Clock::time_point joinAt{};
    Clock::time_point leaveAt = Clock::time_point::max();
    Clock::time_point next{};
    std::int64_t got = 0;
};

struct Grant {
    Clock::time_point when;
    std::int64_t bytes;
    std::size_t consumer;
};

// Runs all consumers until `end`, always serving the one whose next request is earliest.
std::vector<Grant> simulate(SpeedLimiter& limiter, std::vector<Consumer>& consumers,
                            Clock::time_point end,
                            const std::function<void(Clock::time_point)>& onStep = {}) {
    std::vector<Grant> grants;
    for (auto& c : consumers) {
        c.next = c.joinAt;
    }
    for (;;) {
        std::size_t pick = consumers.size();
        for (std::size_t i = 0; i < consumers.size(); ++i) {
            if (consumers[i].next < consumers[i].leaveAt &&
                (pick == consumers.size() || consumers[i].next < consumers[pick].next)) {
                pick = i;
            }
        }
        if (pick == consumers.size() || consumers[pick].next >= end) {
            break;
        }
        Consumer& c = consumers[pick];
        const auto now = c.next;
        if (onStep) {
            onStep(now);
        }
        const auto d = limiter.acquire(c.key, static_cast<std::size_t>(c.chunk), now);
        if (d.granted) {
            c.got += c.chunk;
            grants.push_back({now, c.chunk, pick});
            c.next = now + c.readTime;
        } else {
            EXPECT_GT(d.retryAt, now) << "a refusal must point to the future";
            c.next = std::max(d.retryAt, now + microseconds(1)) + c.latency;
        }
    }
    return grants;
}

std::int64_t bytesBetween(const std::vector<Grant>& grants, Clock::time_point from,
                          Clock::time_point to) {
    std::int64_t sum = 0;
    for (const auto& g : grants) {
        if (g.when >= from && g.when < to) {
            sum += g.bytes;
        }
    }
    return sum;
}

// The most bytes granted in any window [t, t + 1 s) with t between from and to.
std::int64_t maxOneSecondWindow(const std::vector<Grant>& grants, Clock::time_point from,
                                Clock::time_point to) {
    std::int64_t best = 0;
    std::int64_t sum = 0;
    std::size_t tail = 0;
    for (std::size_t head = 0; head < grants.size(); ++head) {
        if (grants[head].when < from || grants[head].when >= to + std::chrono::seconds(1)) {
            continue;
        }
        sum += grants[head].bytes;
        while (grants[tail].when < from ||
               grants[tail].when <= grants[head].when - std::chrono::seconds(1)) {
            if (grants[tail].when >= from) {
                sum -= grants[tail].bytes;
            }
            ++tail;
        }
        best = std::max(best, sum);
    }
    return best;
}

std::vector<Consumer> greedy(int n, std::int64_t chunk = 16 * KiB) {
    std::vector<Consumer> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        v[static_cast<std::size_t>(i)].key = static_cast<SpeedLimiter::Key>(i + 1);
        v[static_cast<std::size_t>(i)].chunk = chunk;
    }
    return v;
}

} // namespace

// ---- TokenBucket ----

TEST(TokenBucket, BurstIsATenthOfASecondButAtLeast16KiB) {
    EXPECT_EQ(TokenBucket::burstFor(10 * MiB), MiB);
    EXPECT_EQ(TokenBucket::burstFor(50 * KiB), 16 * KiB);
    const TokenBucket b(1000 * KiB, at(0));
    EXPECT_EQ(b.capacity(), 100 * KiB);
    EXPECT_EQ(b.rate(), 1000 * KiB);
}

TEST(TokenBucket, StartsFullAndOverdrawsOnce) {
    TokenBucket b(100 * KiB, at(0)); // capacity 16 KiB
    EXPECT_DOUBLE_EQ(b.tokens(at(0)), 16.0 * KiB);
    EXPECT_TRUE(b.tryConsume(64 * KiB, at(0))); // not in debt: the whole chunk goes
    EXPECT_DOUBLE_EQ(b.tokens(at(0)), -48.0 * KiB);
    EXPECT_FALSE(b.tryConsume(1, at(0)));
    // 48 KiB of debt at 100 KiB/s is repaid after 480 ms.
    EXPECT_EQ(b.nextAvailable(at(0)), at(480));
    EXPECT_FALSE(b.tryConsume(1, at(479)));
    EXPECT_TRUE(b.tryConsume(1, at(480)));
}

TEST(TokenBucket, RefillIsCappedAtCapacity) {
    TokenBucket b(100 * KiB, at(0));
    b.tryConsume(16 * KiB, at(0));
    EXPECT_NEAR(b.tokens(at(80)), 8.0 * KiB, 1e-6);
    EXPECT_DOUBLE_EQ(b.tokens(at(60000)), 16.0 * KiB);
}

TEST(TokenBucket, GrantIsPartialAndNeverOverdraws) {
    TokenBucket b(100 * KiB, at(0));
    EXPECT_EQ(b.grant(10 * KiB, at(0)), 10 * KiB);
    EXPECT_EQ(b.grant(10 * KiB, at(0)), 6 * KiB);
    EXPECT_EQ(b.grant(10 * KiB, at(0)), 0);
    EXPECT_EQ(b.nextAvailable(at(0), 1024), at(10)); // 1 KiB at 100 KiB/s = 10 ms
    EXPECT_EQ(b.grant(10 * KiB, at(10)), 1 * KiB);
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
    TokenBucket b(0, at(0));
    EXPECT_TRUE(b.unlimited());
    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(b.tryConsume(MiB, at(0)));
    }
    EXPECT_EQ(b.grant(5 * MiB, at(0)), 5 * MiB);
    EXPECT_EQ(b.nextAvailable(at(7)), at(7));
}

TEST(TokenBucket, TimeGoingBackwardsCreditsNothing) {
    TokenBucket b(100 * KiB, at(1000));
    b.tryConsume(16 * KiB, at(1000));
    EXPECT_DOUBLE_EQ(b.tokens(at(500)), 0.0);
    EXPECT_NEAR(b.tokens(at(1010)), 1.0 * KiB, 1e-6);
}

TEST(TokenBucket, SetRateCreditsTheOldRateAndForgivesOldDebt) {
    TokenBucket b(100 * KiB, at(0));
    b.tryConsume(16 * KiB, at(0));
    b.setRate(1000 * KiB, at(100)); // 100 ms at the old rate: 10 KiB
    EXPECT_NEAR(b.tokens(at(100)), 10.0 * KiB, 1e-6);
    EXPECT_EQ(b.capacity(), 100 * KiB);

    TokenBucket slow(10 * MiB, at(0));
    slow.tryConsume(20 * MiB, at(0)); // deep debt: 2 s at 10 MiB/s
    slow.setRate(100 * KiB, at(0));
    // At 100 KiB/s that debt would last 200 s; it is cut to one second at the new rate.
    EXPECT_LE(slow.nextAvailable(at(0)), at(1000));
    EXPECT_GT(slow.nextAvailable(at(0)), at(900));
}

TEST(TokenBucket, SwitchingFromUnlimitedStartsFull) {
    TokenBucket b(0, at(0));
    b.setRate(200 * KiB, at(5));
    EXPECT_FALSE(b.unlimited());
    EXPECT_DOUBLE_EQ(b.tokens(at(5)), 20.0 * KiB);
    b.setRate(0, at(6));
    EXPECT_TRUE(b.tryConsume(100 * MiB, at(6)));
}

// ---- SpeedLimiter ----

TEST(TokenBucketSpeedLimiter, GreedyConsumersGetTheLimitNoBurstsAndFairShares) {
    const std::int64_t limit = MiB;
    SpeedLimiter limiter(limit, at(0));
    auto consumers = greedy(4);
    const auto grants = simulate(limiter, consumers, atSeconds(20));

    const auto total = bytesBetween(grants, at(0), atSeconds(20));
    EXPECT_NEAR(static_cast<double>(total), 20.0 * limit, 0.05 * 20.0 * limit);
    EXPECT_LE(maxOneSecondWindow(grants, at(0), atSeconds(19)), 2 * limit);
    for (const auto& c : consumers) {
        EXPECT_NEAR(static_cast<double>(c.got), total / 4.0, 0.10 * total / 4.0);
        EXPECT_EQ(limiter.grantedBytes(c.key), c.got);
    }
}

TEST(TokenBucketSpeedLimiter, SlowToWakeConsumersStillGetTheirShare) {
    // Without fairness the consumer that reacts first would take almost everything.
    SpeedLimiter limiter(2 * MiB, at(0));
    auto consumers = greedy(3);
    consumers[1].latency = milliseconds(3);
    consumers[2].latency = milliseconds(8);
    simulate(limiter, consumers, atSeconds(20));
    const double fair = 20.0 * 2 * MiB / 3.0;
    for (const auto& c : consumers) {
        EXPECT_NEAR(static_cast<double>(c.got), fair, 0.10 * fair) << "consumer " << c.key;
    }
}

TEST(TokenBucketSpeedLimiter, BigChunksStillAverageToTheLimit) {
    // libcurl may hand over up to CURLOPT_BUFFERSIZE at once; the overdraft keeps the average.
    SpeedLimiter limiter(4 * MiB, at(0));
    auto consumers = greedy(2, 256 * KiB);
    const auto grants = simulate(limiter, consumers, atSeconds(20));
    const auto total = bytesBetween(grants, at(0), atSeconds(20));
    EXPECT_NEAR(static_cast<double>(total), 20.0 * 4 * MiB, 0.05 * 20.0 * 4 * MiB);
    EXPECT_LE(maxOneSecondWindow(grants, at(0), atSeconds(19)), 2 * 4 * MiB);
}

TEST(TokenBucketSpeedLimiter, RateChangeAtRunTimeTakesEffect) {
    SpeedLimiter limiter(MiB, at(0));
    auto consumers = greedy(3);
    bool changed = false;
    const auto grants = simulate(limiter, consumers, atSeconds(20), [&](Clock::time_point now) {
        if (!changed && now >= atSeconds(10)) {
            limiter.setGlobalRate(256 * KiB, now);
            changed = true;
        }
    });
    EXPECT_EQ(limiter.globalRate(), 256 * KiB);
    const double before = static_cast<double>(bytesBetween(grants, at(0), atSeconds(10)));
    const double after = static_cast<double>(bytesBetween(grants, atSeconds(10), atSeconds(20)));
    EXPECT_NEAR(before, 10.0 * MiB, 0.05 * 10.0 * MiB);
    EXPECT_NEAR(after, 10.0 * 256 * KiB, 0.05 * 10.0 * 256 * KiB);
    EXPECT_LE(maxOneSecondWindow(grants, atSeconds(11), atSeconds(19)), 2 * 256 * KiB);
    // Shares stay fair across the change.
    for (const auto& c : consumers) {
        EXPECT_NEAR(static_cast<double>(c.got), (before + after) / 3.0,
                    0.10 * (before + after) / 3.0);
    }
}

TEST(TokenBucketSpeedLimiter, RaisingTheRateAlsoTakesEffect) {
    SpeedLimiter limiter(256 * KiB, at(0));
    auto consumers = greedy(2);
    bool changed = false;
    const auto grants = simulate(limiter, consumers, atSeconds(20), [&](Clock::time_point now) {
        if (!changed && now >= atSeconds(10)) {
            limiter.setGlobalRate(2 * MiB, now);
            changed = true;
        }
    });
    const double after = static_cast<double>(bytesBetween(grants, atSeconds(10), atSeconds(20)));
    EXPECT_NEAR(after, 20.0 * MiB, 0.05 * 20.0 * MiB);
}

TEST(TokenBucketSpeedLimiter, ZeroMeansUnlimited) {
    SpeedLimiter limiter(0, at(0));
    EXPECT_FALSE(limiter.anyLimit());
    for (int i = 0; i < 10000; ++i) {
        ASSERT_TRUE(limiter.acquire(1, 512 * KiB, at(0)).granted);
    }
    EXPECT_EQ(limiter.nextAvailable(1, at(3)), at(3));
    limiter.setGlobalRate(MiB, at(0));
    EXPECT_TRUE(limiter.anyLimit());
    limiter.setGlobalRate(0, at(0));
    EXPECT_FALSE(limiter.anyLimit());
}

TEST(TokenBucketSpeedLimiter, PerDownloadLimitWithinGlobalLimit) {
    SpeedLimiter limiter(MiB, at(0));
    limiter.setDownloadRate(1, 200 * KiB, at(0));
    EXPECT_EQ(limiter.downloadRate(1), 200 * KiB);
    EXPECT_EQ(limiter.downloadRate(2), 0);
    auto consumers = greedy(3);
    simulate(limiter, consumers, atSeconds(20));
    const double limited = 20.0 * 200 * KiB;
    const double rest = (20.0 * MiB - limited) / 2.0; // the others share what is left
    EXPECT_NEAR(static_cast<double>(consumers[0].got), limited, 0.05 * limited);
    EXPECT_NEAR(static_cast<double>(consumers[1].got), rest, 0.10 * rest);
    EXPECT_NEAR(static_cast<double>(consumers[2].got), rest, 0.10 * rest);
}

TEST(TokenBucketSpeedLimiter, PerDownloadLimitWithoutGlobalLimit) {
    SpeedLimiter limiter(0, at(0));
    limiter.setDownloadRate(7, 300 * KiB, at(0));
    EXPECT_TRUE(limiter.anyLimit());
    std::vector<Consumer> consumers = greedy(2);
    consumers[0].key = 7;
    consumers[1].readTime = milliseconds(1); // unlimited: paced by its own reads only
    simulate(limiter, consumers, atSeconds(20));
    EXPECT_NEAR(static_cast<double>(consumers[0].got), 20.0 * 300 * KiB, 0.05 * 20.0 * 300 * KiB);
    EXPECT_EQ(consumers[1].got, 20000 * 16 * KiB); // one chunk per ms, never refused
    limiter.setDownloadRate(7, 0, at(0));
    EXPECT_FALSE(limiter.anyLimit());
}

TEST(TokenBucketSpeedLimiter, ChangingADownloadLimitAtRunTime) {
    SpeedLimiter limiter(0, at(0));
    limiter.setDownloadRate(1, 100 * KiB, at(0));
    auto consumers = greedy(1);
    bool changed = false;
    const auto grants = simulate(limiter, consumers, atSeconds(20), [&](Clock::time_point now) {
        if (!changed && now >= atSeconds(10)) {
            limiter.setDownloadRate(1, 400 * KiB, now);
            changed = true;
        }
    });
    const double after = static_cast<double>(bytesBetween(grants, atSeconds(10), atSeconds(20)));
    EXPECT_NEAR(after, 10.0 * 400 * KiB, 0.05 * 10.0 * 400 * KiB);
}

TEST(TokenBucketSpeedLimiter, LatecomerDoesNotGetCatchUpCredit) {
    // B joins after 10 s. It must get half from then on, not everything until it has caught up
    // with A's 10 s head start.
    SpeedLimiter limiter(MiB, at(0));
    auto consumers = greedy(2);
    consumers[1].joinAt = atSeconds(10);
    const auto grants = simulate(limiter, consumers, atSeconds(20));
    std::int64_t aAfter = 0;
    std::int64_t bAfter = 0;
    for (const auto& g : grants) {
        if (g.when >= atSeconds(10)) {
            (g.consumer == 0 ? aAfter : bAfter) += g.bytes;
        }
    }
    EXPECT_NEAR(static_cast<double>(aAfter), 5.0 * MiB, 0.10 * 5.0 * MiB);
    EXPECT_NEAR(static_cast<double>(bAfter), 5.0 * MiB, 0.10 * 5.0 * MiB);
}

TEST(TokenBucketSpeedLimiter, AVanishedDownloadDoesNotHoldOthersBack) {
    // Consumer 2 gets refused once and then goes away without remove() (its transfer closed).
    SpeedLimiter limiter(MiB, at(0));
    auto consumers = greedy(2);
    consumers[1].leaveAt = at(200);
    const auto grants = simulate(limiter, consumers, atSeconds(20));
    const double total = static_cast<double>(bytesBetween(grants, at(0), atSeconds(20)));
    EXPECT_NEAR(total, 20.0 * MiB, 0.05 * 20.0 * MiB);
    EXPECT_NEAR(static_cast<double>(bytesBetween(grants, atSeconds(1), atSeconds(20))), 19.0 * MiB,
                0.05 * 19.0 * MiB);
}

TEST(TokenBucketSpeedLimiter, RefusalsPointToWhenTokensReturn) {
    SpeedLimiter limiter(100 * KiB, at(0));                   // 16 KiB burst
    EXPECT_TRUE(limiter.acquire(1, 32 * KiB, at(0)).granted); // overdraft: -16 KiB
    const auto refused = limiter.acquire(1, 16 * KiB, at(0));
    EXPECT_FALSE(refused.granted);
    EXPECT_EQ(refused.retryAt, at(160));
    EXPECT_EQ(limiter.nextAvailable(1, at(0)), at(160));
    EXPECT_TRUE(limiter.acquire(1, 16 * KiB, refused.retryAt).granted);
}

TEST(TokenBucketSpeedLimiter, RemoveForgetsADownload) {
    SpeedLimiter limiter(MiB, at(0));
    limiter.setDownloadRate(3, 10 * KiB, at(0));
    EXPECT_TRUE(limiter.acquire(3, 10, at(0)).granted);
    EXPECT_EQ(limiter.grantedBytes(3), 10);
    limiter.remove(3);
    EXPECT_EQ(limiter.grantedBytes(3), 0);
    EXPECT_EQ(limiter.downloadRate(3), 0);
}

TEST(TokenBucketSpeedLimiter, ManyThreadsNeverExceedTheBudget) {
    // Engines call from their own threads. Each thread advances its own view of a shared fake
    // clock; the total granted can never exceed what the bucket earned plus one burst and one
    // overdraft per caller.
    const std::int64_t rate = MiB;
    SpeedLimiter limiter(rate, at(0));
    std::atomic<std::int64_t> clockUs{0};
    std::atomic<std::int64_t> granted{0};
    std::vector<std::thread> threads;
    constexpr int kThreads = 4;
    constexpr std::int64_t kChunk = 16 * KiB;
    std::vector<std::int64_t> perThread(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20000; ++i) {
                const auto now = Clock::time_point{} + microseconds(clockUs.fetch_add(50));
                if (limiter.acquire(static_cast<SpeedLimiter::Key>(t), kChunk, now).granted) {
                    granted += kChunk;
                    perThread[static_cast<std::size_t>(t)] += kChunk;
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    const double seconds = static_cast<double>(clockUs.load()) / 1e6; // 4 s of fake time
    const double budget = seconds * static_cast<double>(rate) +
                          static_cast<double>(TokenBucket::burstFor(rate)) + kThreads * kChunk;
    EXPECT_LE(static_cast<double>(granted.load()), budget);
    EXPECT_GE(static_cast<double>(granted.load()), 0.5 * seconds * static_cast<double>(rate));
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_GT(perThread[static_cast<std::size_t>(t)], 0) << "thread " << t << " starved";
    }
}
