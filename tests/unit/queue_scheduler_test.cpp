// Unit tests for maria2::QueueScheduler: start order and limits, moves, pause/resume, retries
// with backoff, time windows (including a machine that slept through a window opening) and
// the governor lowering the limit. Time is a fake steady clock plus a fake wall clock.
#include "core/schedule/QueueScheduler.h"
#include "core/schedule/TimeWindow.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

using maria2::LocalDateTime;
using maria2::QueueItemState;
using maria2::QueueScheduler;
using maria2::SchedulerSettings;
using maria2::WindowSchedule;
using Clock = std::chrono::steady_clock;
using Ids = std::vector<QueueScheduler::Id>;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const Clock::time_point t0{};

SchedulerSettings limits(int concurrent, int perHost = 0, int retries = 3) {
    SchedulerSettings s;
    s.maxConcurrentDownloads = concurrent;
    s.maxPerHost = perHost;
    s.maxRetries = retries;
    s.retryInitialDelay = seconds(10);
    s.retryMaxDelay = seconds(60);
    return s;
}

QueueItemState stateOf(const QueueScheduler& q, QueueScheduler::Id id) {
    const auto* item = q.find(id);
    EXPECT_NE(item, nullptr) << "no item " << id;
    return item ? item->state : QueueItemState::Done;
}

Ids order(const QueueScheduler& q) {
    Ids ids;
    for (const auto& item : q.items()) {
        ids.push_back(item.id);
    }
    return ids;
}

// A fake wall clock tied to the fake steady clock: steady t0 is Monday 00:00 local time.
LocalDateTime wallAt(Clock::time_point now) {
    const auto total = std::chrono::duration_cast<minutes>(now - t0).count();
    LocalDateTime t;
    const auto dayIndex = total / (24 * 60);
    t.weekday = static_cast<int>((1 + dayIndex) % 7); // Monday = 1
    t.day = 1 + static_cast<int>(dayIndex);
    t.hour = static_cast<int>(total / 60 % 24);
    t.minute = static_cast<int>(total % 60);
    return t;
}

} // namespace

TEST(QueueScheduler, StartsInQueueOrderUpToTheLimit) {
    QueueScheduler q(limits(2));
    EXPECT_TRUE(q.add(1, "a.example"));
    EXPECT_TRUE(q.add(2, "b.example"));
    EXPECT_TRUE(q.add(3, "c.example"));
    EXPECT_FALSE(q.add(2, "b.example")) << "ids are unique";
    EXPECT_EQ(q.toStart(t0, true), (Ids{1, 2}));
    EXPECT_EQ(q.activeCount(), 2);
    EXPECT_EQ(stateOf(q, 1), QueueItemState::Active);
    EXPECT_TRUE(q.toStart(t0, true).empty()) << "already started ones are not returned again";
    q.markFinished(1);
    EXPECT_EQ(stateOf(q, 1), QueueItemState::Done);
    EXPECT_EQ(q.toStart(t0, true), (Ids{3}));
}

TEST(QueueScheduler, PerHostLimitSkipsWithoutBlockingTheQueue) {
    QueueScheduler q(limits(4, 1));
    q.add(1, "same.example");
    q.add(2, "same.example");
    q.add(3, "other.example");
    q.add(4, ""); // host unknown: no per-host limit
    q.add(5, "");
    EXPECT_EQ(q.toStart(t0, true), (Ids{1, 3, 4, 5}));
    EXPECT_EQ(q.activeOnHost("same.example"), 1);
    q.markFinished(1);
    EXPECT_EQ(q.toStart(t0, true), (Ids{2}));
}

TEST(QueueScheduler, MovesChangeTheStartOrder) {
    QueueScheduler q(limits(1));
    for (QueueScheduler::Id id = 1; id <= 5; ++id) {
        q.add(id, "h");
    }
    EXPECT_TRUE(q.moveToTop(4));
    EXPECT_EQ(order(q), (Ids{4, 1, 2, 3, 5}));
    EXPECT_TRUE(q.moveDown(4));
    EXPECT_EQ(order(q), (Ids{1, 4, 2, 3, 5}));
    EXPECT_TRUE(q.moveUp(3));
    EXPECT_EQ(order(q), (Ids{1, 4, 3, 2, 5}));
    EXPECT_TRUE(q.moveToBottom(1));
    EXPECT_EQ(order(q), (Ids{4, 3, 2, 5, 1}));
    // At the ends, or unknown: nothing happens.
    EXPECT_FALSE(q.moveUp(4));
    EXPECT_FALSE(q.moveToTop(4));
    EXPECT_FALSE(q.moveDown(1));
    EXPECT_FALSE(q.moveToBottom(1));
    EXPECT_FALSE(q.moveUp(99));
    EXPECT_EQ(order(q), (Ids{4, 3, 2, 5, 1}));
    EXPECT_EQ(q.toStart(t0, true), (Ids{4}));
}

TEST(QueueScheduler, PauseAndResume) {
    QueueScheduler q(limits(2));
    q.add(1, "h");
    q.add(2, "h");
    q.add(3, "h", /*paused=*/true);
    EXPECT_TRUE(q.pause(1));
    EXPECT_FALSE(q.pause(1)) << "already paused";
    EXPECT_EQ(q.toStart(t0, true), (Ids{2}));
    EXPECT_TRUE(q.resume(3));
    EXPECT_FALSE(q.resume(3)) << "not paused any more";
    EXPECT_EQ(q.toStart(t0, true), (Ids{3}));
    EXPECT_TRUE(q.resume(1));
    EXPECT_TRUE(q.toStart(t0, true).empty()) << "both slots are taken";
    EXPECT_EQ(stateOf(q, 1), QueueItemState::Queued);
}

TEST(QueueScheduler, PauseAllReturnsTheActiveOnesAndResumeAllBringsThemBack) {
    QueueScheduler q(limits(2));
    for (QueueScheduler::Id id = 1; id <= 4; ++id) {
        q.add(id, "h");
    }
    q.toStart(t0, true);
    q.markFinished(1);
    EXPECT_EQ(q.pauseAll(), (Ids{2}));
    EXPECT_EQ(q.activeCount(), 0);
    EXPECT_TRUE(q.toStart(t0, true).empty());
    EXPECT_EQ(stateOf(q, 1), QueueItemState::Done) << "finished ones stay finished";
    q.resumeAll();
    EXPECT_EQ(q.toStart(t0, true), (Ids{2, 3}));
}

TEST(QueueScheduler, FailuresRetryWithBackoffThenGiveUp) {
    QueueScheduler q(limits(1, 0, /*retries=*/3));
    q.add(1, "h");
    q.add(2, "h");
    ASSERT_EQ(q.toStart(t0, true), (Ids{1}));

    auto outcome = q.markFailed(1, t0);
    EXPECT_TRUE(outcome.willRetry);
    EXPECT_EQ(outcome.failures, 1);
    EXPECT_EQ(outcome.retryAt, t0 + seconds(10));
    EXPECT_EQ(q.nextRetryAt(), t0 + seconds(10));
    // While 1 waits for its retry, the slot goes to the next one.
    EXPECT_EQ(q.toStart(t0, true), (Ids{2}));
    q.markFinished(2);
    EXPECT_TRUE(q.toStart(t0 + seconds(9), true).empty());
    EXPECT_EQ(q.toStart(t0 + seconds(10), true), (Ids{1}));
    EXPECT_FALSE(q.nextRetryAt().has_value());

    auto now = t0 + seconds(10);
    outcome = q.markFailed(1, now);
    EXPECT_EQ(outcome.retryAt, now + seconds(20)); // doubled
    now = outcome.retryAt;
    ASSERT_EQ(q.toStart(now, true), (Ids{1}));
    outcome = q.markFailed(1, now);
    EXPECT_EQ(outcome.retryAt, now + seconds(40));
    now = outcome.retryAt;
    ASSERT_EQ(q.toStart(now, true), (Ids{1}));
    outcome = q.markFailed(1, now); // the fourth failure: out of retries
    EXPECT_FALSE(outcome.willRetry);
    EXPECT_EQ(outcome.failures, 4);
    EXPECT_EQ(stateOf(q, 1), QueueItemState::Failed);
    EXPECT_TRUE(q.toStart(now + hours(10), true).empty());

    // A person retrying gets a fresh start at once.
    EXPECT_TRUE(q.resume(1));
    EXPECT_EQ(q.find(1)->failures, 0);
    EXPECT_EQ(q.toStart(now, true), (Ids{1}));
}

TEST(QueueScheduler, BackoffIsCapped) {
    QueueScheduler q(limits(1, 0, /*retries=*/100));
    q.add(1, "h");
    auto now = t0;
    Clock::duration lastDelay{};
    for (int i = 0; i < 40; ++i) {
        ASSERT_EQ(q.toStart(now, true), (Ids{1}));
        const auto outcome = q.markFailed(1, now);
        ASSERT_TRUE(outcome.willRetry);
        lastDelay = outcome.retryAt - now;
        EXPECT_LE(lastDelay, seconds(60));
        now = outcome.retryAt;
    }
    EXPECT_EQ(lastDelay, seconds(60)) << "10 s doubled 39 times, held at the cap";
}

TEST(QueueScheduler, NothingStartsOutsideTheWindowsAndActiveOnesStop) {
    QueueScheduler q(limits(3));
    q.add(1, "h");
    q.add(2, "h");
    EXPECT_TRUE(q.toStart(t0, false).empty());
    EXPECT_EQ(q.toStart(t0, true), (Ids{1, 2}));
    EXPECT_TRUE(q.toStop(true).empty());
    EXPECT_EQ(q.toStop(false), (Ids{1, 2}));
    EXPECT_EQ(stateOf(q, 1), QueueItemState::Queued) << "back in the queue, not paused";
    EXPECT_EQ(q.toStart(t0, true), (Ids{1, 2}));

    SchedulerSettings keepRunning = limits(3);
    keepRunning.stopOutsideWindows = false;
    q.setSettings(keepRunning);
    EXPECT_TRUE(q.toStop(false).empty());
}

TEST(QueueScheduler, LoweredLimitStopsTheLowestInTheQueue) {
    QueueScheduler q(limits(4));
    for (QueueScheduler::Id id = 1; id <= 4; ++id) {
        q.add(id, "h");
    }
    q.toStart(t0, true);
    q.moveToTop(3);
    q.setSettings(limits(2)); // the governor cut concurrent downloads
    EXPECT_EQ(q.toStop(true), (Ids{2, 4}));
    EXPECT_EQ(q.activeCount(), 2);
    EXPECT_TRUE(q.toStart(t0, true).empty());
    q.setSettings(limits(3)); // and restored one step
    EXPECT_EQ(q.toStart(t0, true), (Ids{2}));
}

TEST(QueueScheduler, WindowThatOpenedDuringSleepIsCaughtUpOnWaking) {
    const auto windows = WindowSchedule::parse("01:00-07:00");
    QueueScheduler q(limits(2));
    q.add(1, "h");
    q.add(2, "h");
    auto tick = [&](Clock::time_point now) {
        return q.toStart(now, windows.allows(wallAt(now)));
    };
    // Regular ticks until 00:50: the window is closed.
    for (auto now = t0; now <= t0 + minutes(50); now += seconds(1)) {
        ASSERT_TRUE(tick(now).empty());
    }
    // The machine sleeps; the next tick comes at 03:10, long after 01:00.
    EXPECT_EQ(tick(t0 + hours(3) + minutes(10)), (Ids{1, 2}));
    // If it sleeps past the end of the window instead, nothing starts and actives stop.
    q.add(3, "h");
    const auto late = t0 + hours(9);
    EXPECT_TRUE(tick(late).empty());
    EXPECT_EQ(q.toStop(windows.allows(wallAt(late))), (Ids{1, 2}));
    // The next night the window opens again.
    EXPECT_EQ(tick(t0 + hours(24 + 1)), (Ids{1, 2}));
}

TEST(QueueScheduler, RetryDueDuringSleepStartsOnWaking) {
    QueueScheduler q(limits(1));
    q.add(1, "h");
    q.toStart(t0, true);
    const auto outcome = q.markFailed(1, t0);
    ASSERT_TRUE(outcome.willRetry);
    EXPECT_EQ(q.toStart(t0 + hours(5), true), (Ids{1}));
}

TEST(QueueScheduler, RemoveFreesTheSlot) {
    QueueScheduler q(limits(1));
    q.add(1, "h");
    q.add(2, "h");
    q.toStart(t0, true);
    EXPECT_TRUE(q.remove(1));
    EXPECT_FALSE(q.remove(1));
    EXPECT_EQ(q.find(1), nullptr);
    EXPECT_EQ(q.toStart(t0, true), (Ids{2}));
    EXPECT_STREQ(maria2::toString(QueueItemState::Active), "active");
}
