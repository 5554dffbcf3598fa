#pragma once
// The download queue's policy: which queued downloads start now, in queue order, within the
// limits (downloads at once, downloads per host), with failed downloads retried after a backoff.
// Pure bookkeeping: it never starts anything itself. The session asks it every tick and
// starts/stops what it says. Not thread-safe: the session's thread owns it.
#include "core/types/DownloadTypes.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace maria2 {

enum class QueueItemState {
    Queued, // waiting for a slot (or for its retry time)
    Active, // started by toStart(); holds a slot
    Paused, // by the user; never started until resumed
    Failed, // out of retries; resume() tries again from scratch
    Done,   // completed; kept for the list until removed
};

const char* toString(QueueItemState state);

struct QueueItem {
    DownloadId id = 0;
    std::string host; // empty = unknown, no per-host limit applies
    QueueItemState state = QueueItemState::Queued;
    int failures = 0; // failures since it last started cleanly (reset by resume())
    std::optional<std::chrono::steady_clock::time_point> nextRetryAt;
};

struct SchedulerSettings {
    int maxConcurrentDownloads = 5; // PerformanceSettings.MaxConcurrentDownloads (the governor
                                    // may lower it at run time)
    int maxPerHost = 0;             // downloads at once per host, 0 = no per-host limit
    int maxRetries = 3;             // queue-level restarts after a failure, 0 = none
    std::chrono::milliseconds retryInitialDelay{10000};
    std::chrono::milliseconds retryMaxDelay{600000};
    bool stopOutsideWindows = true; // toStop() stops active downloads when the windows close
};

struct FailureOutcome {
    bool willRetry = false;
    std::chrono::steady_clock::time_point retryAt{}; // when willRetry
    int failures = 0;
};

class QueueScheduler {
public:
    using Clock = std::chrono::steady_clock;
    using Id = DownloadId;

    explicit QueueScheduler(SchedulerSettings settings = {});

    // Changing limits never stops anything by itself; toStop() says what is now over them.
    void setSettings(const SchedulerSettings& settings) { m_settings = settings; }
    const SchedulerSettings& settings() const { return m_settings; }

    // Appends at the bottom. False if the id is already there.
    bool add(Id id, std::string host, bool paused = false);
    bool remove(Id id);

    // Queue order = start order. False if unknown or already at that end.
    bool moveUp(Id id);
    bool moveDown(Id id);
    bool moveToTop(Id id);
    bool moveToBottom(Id id);

    // pause: Queued, Active or Failed -> Paused (an Active one must be stopped by the caller).
    // resume: Paused -> Queued; Failed -> Queued with its failure count cleared.
    // Both return false when nothing changed.
    bool pause(Id id);
    bool resume(Id id);
    // Returns the ids that were Active, for the caller to stop.
    std::vector<Id> pauseAll();
    void resumeAll(); // Paused -> Queued (Failed ones stay failed)

    // Active, Paused or Failed -> Queued in its place, failures kept (a download put back by the
    // scheduler, or an engine-level resume of an attention state). False if unknown/unchanged.
    bool requeue(Id id);

    void markFinished(Id id); // -> Done, frees the slot
    // Frees the slot; Queued again with a backoff (initial * 2^(failures-1), capped), or Failed
    // once failures exceed maxRetries.
    FailureOutcome markFailed(Id id, Clock::time_point now);

    // The queued downloads to start now, in queue order: not waiting for a retry, within
    // maxConcurrentDownloads and maxPerHost. They are counted as Active at once. Nothing starts
    // while windowsAllowNow is false. Call it every tick: it keeps no memory of time, so a
    // window that opened, or a retry that fell due, while the machine slept is seen at once.
    std::vector<Id> toStart(Clock::time_point now, bool windowsAllowNow);

    // Active downloads to stop now, put back to Queued (they keep their place and restart by
    // themselves later): all of them when the windows are closed (and stopOutsideWindows),
    // else the lowest in the queue beyond maxConcurrentDownloads (after the governor lowered it).
    std::vector<Id> toStop(bool windowsAllowNow);

    // The earliest pending retry, for the session's timer. Empty when none waits.
    std::optional<Clock::time_point> nextRetryAt() const;

    const std::vector<QueueItem>& items() const { return m_items; }
    const QueueItem* find(Id id) const;
    int activeCount() const;
    int activeOnHost(const std::string& host) const;

private:
    std::vector<QueueItem>::iterator locate(Id id);
    bool moveTo(Id id, std::size_t position);

    SchedulerSettings m_settings;
    std::vector<QueueItem> m_items;
};

} // namespace maria2
