#include "core/monitor/ResourceMonitor.h"

#include <algorithm>

namespace maria2 {

ResourceMonitor::ResourceMonitor(std::unique_ptr<ResourceSampler> sampler,
                                 std::chrono::milliseconds interval)
    : m_sampler(std::move(sampler))
    , m_interval(std::max(interval, std::chrono::milliseconds(1))) {
}

ResourceMonitor::~ResourceMonitor() {
    stop();
}

void ResourceMonitor::setListener(Listener listener) {
    const std::lock_guard lock(m_mutex);
    m_listener = std::move(listener);
}

void ResourceMonitor::start() {
    const std::lock_guard lock(m_mutex);
    if (m_thread.joinable()) {
        return;
    }
    m_thread = std::thread([this, generation = m_generation] { run(generation); });
}

void ResourceMonitor::stop() {
    std::thread thread;
    {
        const std::lock_guard lock(m_mutex);
        ++m_generation;
        thread = std::move(m_thread);
    }
    // The thread waits on the condition variable, not in a sleep: it wakes at once.
    m_wake.notify_all();
    if (thread.joinable()) {
        thread.join();
    }
}

bool ResourceMonitor::running() const {
    const std::lock_guard lock(m_mutex);
    return m_thread.joinable();
}

void ResourceMonitor::setInterval(std::chrono::milliseconds interval) {
    const std::lock_guard lock(m_mutex);
    m_interval = std::max(interval, std::chrono::milliseconds(1));
}

std::chrono::milliseconds ResourceMonitor::interval() const {
    const std::lock_guard lock(m_mutex);
    return m_interval;
}

void ResourceMonitor::addReceivedBytes(std::uint64_t bytes) noexcept {
    m_received.fetch_add(bytes, std::memory_order_relaxed);
}

void ResourceMonitor::watch(const std::filesystem::path& path) {
    const std::lock_guard lock(m_mutex);
    if (std::find(m_watched.begin(), m_watched.end(), path) == m_watched.end()) {
        m_watched.push_back(path);
    }
}

void ResourceMonitor::unwatch(const std::filesystem::path& path) {
    const std::lock_guard lock(m_mutex);
    m_watched.erase(std::remove(m_watched.begin(), m_watched.end(), path), m_watched.end());
}

std::vector<std::filesystem::path> ResourceMonitor::watched() const {
    const std::lock_guard lock(m_mutex);
    return m_watched;
}

ResourceSnapshot ResourceMonitor::latest() const {
    const std::lock_guard lock(m_mutex);
    return m_latest;
}

ResourceSnapshot ResourceMonitor::sampleNow(Clock::time_point now) {
    ResourceSnapshot snapshot;
    Listener listener;
    {
        const std::lock_guard samplerLock(m_samplerMutex);
        snapshot.at = now;
        snapshot.sample = m_sampler->sample();
        // Reading free space can block on a slow or network volume: done without m_mutex, so
        // latest() and watch() never wait for it.
        for (const auto& path : watched()) {
            snapshot.volumes.push_back({path, m_sampler->freeSpace(path)});
        }
        const std::uint64_t received = m_received.load(std::memory_order_relaxed);

        const std::lock_guard lock(m_mutex);
        const ResourceSnapshot& previous = m_latest;
        if (previous.sequence > 0 && now > previous.at) {
            const double seconds = std::chrono::duration<double>(now - previous.at).count();
            snapshot.networkReceiveBytesPerSecond =
                static_cast<double>(received - m_previousReceived) / seconds;
            const auto written = snapshot.sample.processDiskWriteBytes;
            const auto writtenBefore = previous.sample.processDiskWriteBytes;
            snapshot.diskWriteBytesPerSecond =
                written >= writtenBefore ? static_cast<double>(written - writtenBefore) / seconds
                                         : 0.0;
        }
        snapshot.sequence = previous.sequence + 1;
        m_previousReceived = received;
        m_latest = snapshot;
        listener = m_listener;
    }
    // No lock held: the listener may call latest(), watch() or even sampleNow().
    if (listener) {
        listener(snapshot);
    }
    return snapshot;
}

void ResourceMonitor::run(std::uint64_t generation) {
    for (;;) {
        sampleNow(Clock::now());
        std::unique_lock lock(m_mutex);
        const auto deadline = Clock::now() + m_interval;
        if (m_wake.wait_until(lock, deadline, [&] { return m_generation != generation; })) {
            return;
        }
    }
}

} // namespace maria2
