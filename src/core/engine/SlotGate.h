#pragma once
// The global "downloads running at once" limit (PerformanceSettings.MaxConcurrentDownloads),
// shared by every engine of the pool: an engine takes a slot before it starts a queued
// download and gives it back when the download stops being busy. A freed slot wakes the
// engines, so a download queued on one engine starts when another engine's download ends.
#include <functional>
#include <mutex>
#include <vector>

namespace maria2 {

class SlotGate {
public:
    explicit SlotGate(int max)
        : m_max(max < 1 ? 1 : max) {}

    bool tryAcquire();
    void release();
    void setMax(int max); // takes effect as slots free up; running downloads are not stopped
    int max() const;
    int busy() const;
    // Called (from any thread) whenever a slot may have become free.
    void addWaker(std::function<void()> wake);

private:
    void wakeAll();

    mutable std::mutex m_mutex;
    int m_max;
    int m_busy = 0;
    std::vector<std::function<void()>> m_wakers;
};

} // namespace maria2
