// The pool-wide queue: order, limits and retries across engines.
#include "core/schedule/QueueGate.h"

#include <gtest/gtest.h>

using maria2::DownloadId;
using maria2::QueueGate;
using maria2::SchedulerSettings;
using Clock = QueueGate::Clock;
using namespace std::chrono_literals;

namespace {

SchedulerSettings settings(int max, int perHost = 0, int retries = 0) {
    SchedulerSettings s;
    s.maxConcurrentDownloads = max;
    s.maxPerHost = perHost;
    s.maxRetries = retries;
    s.retryInitialDelay = 10s;
    s.retryMaxDelay = 60s;
    return s;
}

TEST(QueueGate, StartsAtMostMaxInQueueOrder) {
    QueueGate gate(settings(2));
    const int e = gate.addEngine([] {});
    const auto now = Clock::time_point{} + 1h;
    for (DownloadId id = 1; id <= 4; ++id) {
        gate.enqueue(id, "h", e, false);
    }
    EXPECT_EQ(gate.claim(e, now), (std::vector<DownloadId>{1, 2}));
    EXPECT_TRUE(gate.claim(e, now).empty());
    EXPECT_EQ(gate.busy(), 2);
    gate.stopped(1, QueueGate::Stop::Finished, now);
    EXPECT_EQ(gate.claim(e, now), (std::vector<DownloadId>{3}));
}

TEST(QueueGate, OrderHoldsAcrossEnginesAndWakesTheOwner) {
    QueueGate gate(settings(1));
    int wakesA = 0;
    int wakesB = 0;
    const int a = gate.addEngine([&] { ++wakesA; });
    const int b = gate.addEngine([&] { ++wakesB; });
    const auto now = Clock::time_point{} + 1h;
    gate.enqueue(1, "h", a, false);
    gate.enqueue(2, "h", b, false);
    gate.moveToTop(2); // B's download goes first although A asks
    wakesB = 0;
    EXPECT_TRUE(gate.claim(a, now).empty());
    EXPECT_EQ(wakesB, 1) << "engine B must be woken to start its download";
    EXPECT_EQ(gate.claim(b, now), (std::vector<DownloadId>{2}));
    gate.stopped(2, QueueGate::Stop::Finished, now);
    EXPECT_EQ(gate.claim(a, now), (std::vector<DownloadId>{1}));
}

TEST(QueueGate, PerHostLimitLetsOtherHostsPass) {
    QueueGate gate(settings(5, 1));
    const int e = gate.addEngine([] {});
    const auto now = Clock::time_point{} + 1h;
    gate.enqueue(1, "a", e, false);
    gate.enqueue(2, "a", e, false);
    gate.enqueue(3, "b", e, false);
    EXPECT_EQ(gate.claim(e, now), (std::vector<DownloadId>{1, 3}));
    EXPECT_EQ(gate.waitReason(2, now), maria2::QueueWait::Host);
}

TEST(QueueGate, TransientFailureIsRetriedAfterBackoffThenGivesUp) {
    QueueGate gate(settings(1, 0, 1));
    const int e = gate.addEngine([] {});
    const auto t0 = Clock::time_point{} + 1h;
    gate.enqueue(1, "h", e, false);
    ASSERT_EQ(gate.claim(e, t0).size(), 1u);
    const auto first = gate.stopped(1, QueueGate::Stop::Failed, t0);
    ASSERT_TRUE(first.willRetry);
    EXPECT_EQ(first.retryAt, t0 + 10s);
    EXPECT_EQ(gate.waitReason(1, t0 + 5s), maria2::QueueWait::Retry);
    EXPECT_TRUE(gate.claim(e, t0 + 5s).empty());
    ASSERT_EQ(gate.claim(e, t0 + 10s).size(), 1u);
    EXPECT_FALSE(gate.stopped(1, QueueGate::Stop::Failed, t0 + 11s).willRetry);
    EXPECT_TRUE(gate.claim(e, t0 + 1000s).empty());
    // A person's resume starts a fresh series.
    gate.enqueue(1, "h", e, true);
    EXPECT_EQ(gate.claim(e, t0 + 1000s).size(), 1u);
}

TEST(QueueGate, HardFailureIsNotRetried) {
    QueueGate gate(settings(1, 0, 3));
    const int e = gate.addEngine([] {});
    const auto now = Clock::time_point{} + 1h;
    gate.enqueue(1, "h", e, false);
    ASSERT_EQ(gate.claim(e, now).size(), 1u);
    EXPECT_FALSE(gate.stopped(1, QueueGate::Stop::FailedHard, now).willRetry);
    EXPECT_TRUE(gate.claim(e, now + 1h).empty());
}

TEST(QueueGate, ClosedWindowsStopEverythingAndStartNothing) {
    QueueGate gate(settings(3));
    const int e = gate.addEngine([] {});
    const auto now = Clock::time_point{} + 1h;
    gate.enqueue(1, "h", e, false);
    gate.enqueue(2, "h", e, false);
    ASSERT_EQ(gate.claim(e, now).size(), 2u);
    gate.setWindowsOpen(false);
    EXPECT_EQ(gate.overLimit(), (std::vector<DownloadId>{1, 2}));
    gate.stopped(1, QueueGate::Stop::Requeued, now);
    gate.stopped(2, QueueGate::Stop::Requeued, now);
    EXPECT_TRUE(gate.claim(e, now).empty());
    EXPECT_EQ(gate.waitReason(1, now), maria2::QueueWait::Window);
    gate.setWindowsOpen(true);
    EXPECT_EQ(gate.claim(e, now), (std::vector<DownloadId>{1, 2})) << "back in their places";
}

TEST(QueueGate, LoweredMaxPutsBackTheLowestInTheQueue) {
    QueueGate gate(settings(3));
    const int e = gate.addEngine([] {});
    const auto now = Clock::time_point{} + 1h;
    for (DownloadId id = 1; id <= 3; ++id) {
        gate.enqueue(id, "h", e, false);
    }
    ASSERT_EQ(gate.claim(e, now).size(), 3u);
    gate.setMax(1);
    EXPECT_EQ(gate.overLimit(), (std::vector<DownloadId>{2, 3}));
    EXPECT_EQ(gate.busy(), 1);
}

TEST(QueueGate, EveryChangeThatMayStartSomethingMovesTheGeneration) {
    QueueGate gate(settings(1));
    int wakes = 0;
    const int e = gate.addEngine([&] { ++wakes; });
    auto g = gate.generation();
    gate.enqueue(1, "h", e, false);
    EXPECT_GT(gate.generation(), g);
    g = gate.generation();
    gate.setMax(2);
    EXPECT_GT(gate.generation(), g);
    g = gate.generation();
    gate.pause(1);
    EXPECT_GT(gate.generation(), g);
    EXPECT_GE(wakes, 3);
}

TEST(QueueGate, PausedAndForgottenDownloadsNeverStart) {
    QueueGate gate(settings(5));
    const int e = gate.addEngine([] {});
    const auto now = Clock::time_point{} + 1h;
    gate.addPaused(1, "h", e);
    gate.enqueue(2, "h", e, false);
    gate.enqueue(3, "h", e, false);
    gate.forget(3);
    EXPECT_EQ(gate.claim(e, now), (std::vector<DownloadId>{2}));
    EXPECT_EQ(gate.order(), (std::vector<DownloadId>{1, 2}));
}

// Downloads handed to two engines: each engine thread enqueues its own when it gets to it, in
// any order; the queue order is the order the pool reserved them in.
TEST(QueueGate, ReservedPlacesHoldTheAddingOrderWhateverOrderEnginesEnqueueIn) {
    QueueGate gate(settings(1));
    int wakes = 0;
    const int a = gate.addEngine([&] { ++wakes; });
    const int b = gate.addEngine([] {});
    const auto now = Clock::time_point{} + 1h;
    gate.reserve(1, "h", a);
    gate.reserve(2, "h", b);
    gate.reserve(3, "h", b);
    EXPECT_TRUE(gate.claim(a, now).empty()) << "reserved places wait for their engine";
    gate.enqueue(3, "h", b, false);
    gate.enqueue(2, "h", b, false);
    gate.enqueue(1, "h", a, false);
    EXPECT_EQ(gate.order(), (std::vector<DownloadId>{1, 2, 3}));
    EXPECT_TRUE(gate.claim(b, now).empty()); // the first place is engine a's
    EXPECT_EQ(gate.claim(a, now), (std::vector<DownloadId>{1}));
    gate.reserve(1, "h", a); // again (its engine was quicker): changes nothing
    EXPECT_EQ(gate.busy(), 1);
    EXPECT_GT(wakes, 0);
}

} // namespace
