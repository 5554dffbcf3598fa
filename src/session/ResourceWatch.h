#pragma once
// maria2::ResourceWatch: the Session's ResourceMonitor. The monitor samples the machine on its
// own thread; every snapshot is handed to the thread that owns this object (the Session's) and
// comes out there as the `sampled` signal, so whoever handles it never needs a lock.
//
// Before each sample it adds what the pool received since the last one to the monitor's
// network counter (the engines' own counters, not the machine's interfaces), and it watches
// exactly the folders it is told are in use (free space per download folder).
#include "core/monitor/ResourceMonitor.h"

#include <QObject>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

namespace maria2 {

class ResourceWatch : public QObject {
    Q_OBJECT
public:
    // receivedBytes: bytes received since start, read on the monitor thread before every
    // sample (EnginePool::traffic().received); it must stay valid until stop() returns.
    ResourceWatch(std::unique_ptr<ResourceSampler> sampler, std::chrono::milliseconds interval,
                  std::function<std::uint64_t()> receivedBytes, QObject* parent = nullptr);
    ~ResourceWatch() override; // stop()

    void start();
    // Joins the monitor thread: no sample is taken and no receivedBytes call made after it.
    // Snapshots already handed over but not delivered yet are still emitted.
    void stop();

    // The time between samples (Monitor.SampleIntervalMs); from the next wait on.
    void setInterval(std::chrono::milliseconds interval) { m_monitor->setInterval(interval); }
    std::chrono::milliseconds interval() const { return m_monitor->interval(); }

    // Watches these folders (free space of their volume) and stops watching any other.
    void setFolders(const std::set<std::string>& folders);
    std::set<std::string> folders() const { return m_folders; }

    // The latest snapshot (sequence 0 before the first), whatever has been delivered.
    ResourceSnapshot latest() const { return m_monitor->latest(); }
    // Samples at once on this thread (also delivered as `sampled` later, like any other).
    ResourceSnapshot sampleNow();

signals:
    void sampled(const maria2::ResourceSnapshot& snapshot);

private:
    std::unique_ptr<ResourceMonitor> m_monitor;
    std::set<std::string> m_folders;
};

} // namespace maria2
