// Unit tests for maria2::io::IoWorker: tasks run in order on one thread, can be taken back
// before they start, and stop() runs what must run and drops what is optional.
#include "core/io/IoWorker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

using maria2::io::IoWorker;

namespace {

TEST(IoWorker, RunsTasksInOrderOnOneOtherThread) {
    IoWorker worker;
    std::mutex mutex;
    std::vector<int> order;
    std::vector<std::thread::id> threads;
    std::vector<IoWorker::Ticket> tickets;
    for (int i = 0; i < 20; ++i) {
        tickets.push_back(worker.post([&, i] {
            std::lock_guard lock(mutex);
            order.push_back(i);
            threads.push_back(std::this_thread::get_id());
        }));
    }
    worker.wait(tickets.back());
    for (const auto& t : tickets) {
        EXPECT_TRUE(worker.finished(t));
    }
    std::lock_guard lock(mutex);
    ASSERT_EQ(order.size(), 20U);
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
        EXPECT_EQ(threads[static_cast<std::size_t>(i)], threads[0]);
    }
    EXPECT_NE(threads[0], std::this_thread::get_id());
}

TEST(IoWorker, QueuedTaskCanBeTakenBackRunningOneCannot) {
    IoWorker worker;
    std::promise<void> started;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    const auto blocker = worker.post([&] {
        started.set_value();
        released.wait();
    });
    started.get_future().wait(); // the blocker runs: what follows stays queued
    bool ranSecond = false;
    const auto second = worker.post([&] { ranSecond = true; });
    EXPECT_FALSE(worker.finished(second));
    EXPECT_FALSE(worker.cancel(blocker)); // already running
    EXPECT_TRUE(worker.cancel(second));
    EXPECT_TRUE(worker.finished(second)); // taken back counts as over
    EXPECT_FALSE(worker.cancel(second));  // once
    release.set_value();
    worker.wait(blocker);
    const auto third = worker.post([] {});
    worker.wait(third);
    EXPECT_FALSE(ranSecond);
}

TEST(IoWorker, StopRunsRequiredTasksAndDropsOptionalOnes) {
    IoWorker worker;
    std::promise<void> started;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    worker.post([&] {
        started.set_value();
        released.wait();
    });
    started.get_future().wait();
    std::atomic<bool> required{false};
    std::atomic<bool> optional{false};
    const auto a = worker.post([&] { required = true; });
    const auto b = worker.post([&] { optional = true; }, true);
    std::thread stopper([&] { worker.stop(); });
    while (!worker.stopping()) {
        std::this_thread::yield(); // until stop() has begun: then the queue's fate is decided
    }
    release.set_value();
    stopper.join();
    EXPECT_TRUE(required.load());
    EXPECT_FALSE(optional.load());
    EXPECT_TRUE(worker.finished(a));
    EXPECT_TRUE(worker.finished(b));
}

TEST(IoWorker, PostAfterStopRunsNothingAndIsFinished) {
    IoWorker worker;
    worker.stop();
    bool ran = false;
    const auto t = worker.post([&] { ran = true; });
    EXPECT_TRUE(worker.finished(t));
    worker.wait(t); // returns at once
    EXPECT_FALSE(ran);
    worker.stop(); // idempotent
}

#ifdef __linux__
// The threads of this process, as the kernel lists them.
std::size_t threadCount() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/task")) {
        ++n;
    }
    return n;
}

// A pool builds one worker per engine and most never get a task in a run: no thread until then.
TEST(IoWorker, StartsItsThreadWithTheFirstTaskOnly) {
    const std::size_t before = threadCount();
    {
        IoWorker idle[3];
        EXPECT_EQ(threadCount(), before);
        IoWorker used;
        EXPECT_EQ(threadCount(), before);
        const auto t = used.post([] {});
        EXPECT_EQ(threadCount(), before + 1);
        used.wait(t);
        used.post([] {});
        EXPECT_EQ(threadCount(), before + 1); // one thread, however many tasks
        idle[0].stop();                       // never started: nothing to join
    }
    // (Not counted again after the joins: a joined thread may linger in /proc for a moment.)
}
#endif

TEST(IoWorker, EmptyTicketIsFinished) {
    IoWorker worker;
    const IoWorker::Ticket none;
    EXPECT_FALSE(none.valid());
    EXPECT_TRUE(worker.finished(none));
    EXPECT_FALSE(worker.cancel(none));
    worker.wait(none);
}

} // namespace
