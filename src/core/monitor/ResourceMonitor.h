#pragma once
// Samples the machine on its own thread every interval (default 1 s), so neither the GUI nor an
// engine ever waits on /proc or the OS. Keeps the latest snapshot for anyone to read, and tells
// one listener about every new one. Engines feed it the bytes they receive (lock-free).
#include "core/monitor/ResourceSampler.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace maria2 {

struct VolumeSpace {
    std::filesystem::path path;             // as given to watch()
    std::optional<std::uint64_t> freeBytes; // empty: could not be read (missing folder, ...)
};

struct ResourceSnapshot {
    std::chrono::steady_clock::time_point at{};
    std::uint64_t sequence = 0; // 1 for the first sample; 0 = nothing sampled yet
    ResourceSample sample;
    // Rates over the time since the previous sample; 0 on the first.
    double networkReceiveBytesPerSecond = 0;
    double diskWriteBytesPerSecond = 0;
    std::vector<VolumeSpace> volumes; // one per watched path, in watch() order
};

class ResourceMonitor {
public:
    using Clock = std::chrono::steady_clock;
    using Listener = std::function<void(const ResourceSnapshot&)>;

    explicit ResourceMonitor(std::unique_ptr<ResourceSampler> sampler,
                             std::chrono::milliseconds interval = std::chrono::seconds(1));
    ~ResourceMonitor(); // stops the thread; returns as soon as a sample in progress ends
    ResourceMonitor(const ResourceMonitor&) = delete;
    ResourceMonitor& operator=(const ResourceMonitor&) = delete;

    // Called on the monitor thread after every sample. It must be quick and must not call
    // stop() or destroy the monitor (that would join the thread from itself); the session
    // forwards the snapshot to its own thread instead.
    void setListener(Listener listener);

    // start() samples at once, then every interval. Both are idempotent.
    void start();
    void stop();
    bool running() const;

    // Takes effect from the next wait.
    void setInterval(std::chrono::milliseconds interval);
    std::chrono::milliseconds interval() const;

    // Engines add what their transfers received. Lock-free; any thread.
    void addReceivedBytes(std::uint64_t bytes) noexcept;

    // Folders whose volume's free space is reported. Watching the same path twice is one watch.
    void watch(const std::filesystem::path& path);
    void unwatch(const std::filesystem::path& path);
    std::vector<std::filesystem::path> watched() const;

    // The most recent snapshot (sequence 0 before the first). Any thread.
    ResourceSnapshot latest() const;

    // Takes one sample on the calling thread, as the monitor thread does every interval: used
    // by tests (with a fake clock) and for an immediate refresh. Calls the listener.
    ResourceSnapshot sampleNow(Clock::time_point now);

private:
    void run(std::uint64_t generation);

    std::unique_ptr<ResourceSampler> m_sampler;
    std::mutex m_samplerMutex; // one sample at a time (the sampler keeps CPU counters)

    mutable std::mutex m_mutex; // everything below except m_received
    std::condition_variable m_wake;
    std::chrono::milliseconds m_interval;
    std::uint64_t m_generation = 0; // stop() bumps it: a thread of an older generation ends
    std::thread m_thread;
    Listener m_listener;
    std::vector<std::filesystem::path> m_watched;
    ResourceSnapshot m_latest;
    std::uint64_t m_previousReceived = 0;

    std::atomic<std::uint64_t> m_received{0};
};

} // namespace maria2
