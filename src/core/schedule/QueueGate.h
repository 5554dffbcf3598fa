#pragma once
// The download queue shared by every engine of the pool: which queued download may start
// now. Thread-safe wrapper around QueueScheduler (the policy: order, MaxConcurrentDownloads,
// downloads per host, queue-level retries, time windows) with a waker per engine.
//
// Protocol (engine side, on its own thread):
//  - addEngine(wake) once: the engine's index;
//  - enqueue(id, host, engine) when a download becomes Queued (added, resumed);
//  - claim(engine, now): the engine's downloads that may start now (they hold slots at once);
//    cheap to call often: it does nothing unless generation() moved or a retry fell due;
//  - stopped(id, how) when a download that held a slot is no longer busy;
//  - pause(id) / forget(id) when a queued one is paused / removed.
// Whoever claims computes the starts for all engines; the ones for other engines are kept as
// grants and those engines woken to claim them. So the queue order holds across engines.
#include "core/schedule/QueueScheduler.h"
#include "core/types/DownloadTypes.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace maria2 {

// Why a queued download is not running yet (for "why is it slow?").
enum class QueueWait {
    None,   // not waiting (running, paused, unknown)
    Slot,   // MaxConcurrentDownloads reached
    Host,   // its host's limit on simultaneous downloads reached
    Window, // outside the time windows
    Retry,  // a queue-level retry falls due later
};

class QueueGate {
public:
    using Clock = std::chrono::steady_clock;

    // How a download that held a slot stopped.
    enum class Stop {
        Finished,   // completed: done
        Paused,     // by a person, or waiting for one (link expired, file changed)
        Failed,     // a transient failure: retried after a backoff while retries are left
        FailedHard, // a failure retrying cannot fix (not found, disk full, checksum)
        Requeued,   // put back by the scheduler (over the limit, window closed): keeps its place
    };

    explicit QueueGate(SchedulerSettings settings = {});

    // `wake` is called (from any thread, without the gate's lock held) whenever one of the
    // engine's downloads may be able to start: a slot freed, a limit rose, the order changed,
    // a window opened. Returns the engine's index for the calls below.
    int addEngine(std::function<void()> wake);

    // Engine side -------------------------------------------------------------------------
    // A download is Queued: added at the bottom if new, else Queued again in its place (its
    // failure count kept unless `fresh`: a person's resume starts a new series of retries).
    void enqueue(DownloadId id, const std::string& host, int engine, bool fresh);
    // Added paused: takes its place in the order without waiting for a slot.
    void addPaused(DownloadId id, const std::string& host, int engine);

    // Control side, when a download is handed to an engine: it takes its place at the bottom
    // of the queue now, held (paused) until its engine enqueue()s it. Several engine threads
    // enqueue in whatever order they run; the queue order must be the order of adding.
    void reserve(DownloadId id, const std::string& host, int engine);
    // The engine's downloads to start now, in queue order; each holds a slot from now on.
    std::vector<DownloadId> claim(int engine, Clock::time_point now);
    // Bumped by every change that may let a download start.
    std::uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }
    // Returns whether a Failed download will be retried (then it is Queued until retryAt).
    FailureOutcome stopped(DownloadId id, Stop how, Clock::time_point now);
    void pause(DownloadId id);
    void forget(DownloadId id);
    // Why a Queued download waits, and when its retry falls due.
    QueueWait waitReason(DownloadId id, Clock::time_point now) const;
    // waitReason() of every Queued download at once (one pass: for large queues).
    std::map<DownloadId, QueueWait> waitReasons(Clock::time_point now) const;
    std::optional<Clock::time_point> retryAt(DownloadId id) const;
    std::optional<Clock::time_point> nextRetryAt() const;

    // Control side (session, pool) ----------------------------------------------------------
    bool moveUp(DownloadId id);
    bool moveDown(DownloadId id);
    bool moveToTop(DownloadId id);
    bool moveToBottom(DownloadId id);
    void setMax(int max);        // the user's MaxConcurrentDownloads or the governor's cut
    void setMaxPerHost(int max); // 0 = none
    void setRetries(int maxRetries, std::chrono::milliseconds initialDelay,
                    std::chrono::milliseconds maxDelay);
    void setWindowsOpen(bool open);
    bool windowsOpen() const;
    // Running downloads that are now over the limits (lowest in the queue first), or all of
    // them when the windows closed: the caller puts them back (Stop::Requeued keeps them
    // Queued in their place).
    std::vector<DownloadId> overLimit();

    int max() const;
    int maxPerHost() const;
    int busy() const;
    // Ids in queue order (every download the gate knows, whatever its state).
    std::vector<DownloadId> order() const;

private:
    QueueWait reasonLocked(const QueueItem& item, Clock::time_point now,
                           const std::map<std::string, int>* activeByHost) const;
    // One of the scheduler's moves, under the lock; wakes the engines when something moved.
    bool move(bool (QueueScheduler::*how)(QueueScheduler::Id), DownloadId id);
    void changed(); // bumps the generation and wakes the engines that own downloads (lock NOT held)
    void setOwnerLocked(DownloadId id, int engine);

    mutable std::mutex m_mutex;
    QueueScheduler m_scheduler;
    bool m_windowsOpen = true;
    std::map<DownloadId, int> m_owner;          // id -> engine index
    std::vector<int> m_owned;                   // per engine: ids in m_owner
    std::set<DownloadId> m_granted;             // Active in the scheduler, not yet claimed
    std::deque<std::function<void()>> m_wakers; // never removed; references stay valid
    std::atomic<std::uint64_t> m_generation{1};
};

} // namespace maria2
