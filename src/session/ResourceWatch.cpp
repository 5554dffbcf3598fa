#include "session/ResourceWatch.h"

#include <QMetaObject>

#include <atomic>

namespace maria2 {
namespace {

// Wraps the real sampler so that the pool's byte counter is read right before each sample:
// the monitor reads its own counter just after sample(), so the receive rate it reports is
// for the same interval as the CPU and disk figures (no lag of one sample).
class FeedingSampler final : public ResourceSampler {
public:
    FeedingSampler(std::unique_ptr<ResourceSampler> inner, std::function<void()> beforeSample)
        : m_inner(std::move(inner))
        , m_beforeSample(std::move(beforeSample)) {}

    ResourceSample sample() override {
        if (m_beforeSample) {
            m_beforeSample();
        }
        return m_inner->sample();
    }

    std::optional<std::uint64_t> freeSpace(const std::filesystem::path& path) override {
        return m_inner->freeSpace(path);
    }

private:
    std::unique_ptr<ResourceSampler> m_inner;
    std::function<void()> m_beforeSample;
};

} // namespace

ResourceWatch::ResourceWatch(std::unique_ptr<ResourceSampler> sampler,
                             std::chrono::milliseconds interval,
                             std::function<std::uint64_t()> receivedBytes, QObject* parent)
    : QObject(parent) {
    // The feeder runs on the monitor thread only (one sample at a time), so its running total
    // needs no lock; it lives in the lambda, beside the monitor it feeds.
    auto fed = std::make_shared<std::uint64_t>(0);
    auto monitorSlot = std::make_shared<std::atomic<ResourceMonitor*>>(nullptr);
    auto feed = [receivedBytes = std::move(receivedBytes), fed, monitorSlot] {
        ResourceMonitor* monitor = monitorSlot->load();
        if (!receivedBytes || monitor == nullptr) {
            return;
        }
        const std::uint64_t now = receivedBytes();
        if (now > *fed) {
            monitor->addReceivedBytes(now - *fed);
        }
        *fed = now; // a counter that went backwards (a new pool) starts over from there
    };
    m_monitor = std::make_unique<ResourceMonitor>(
        std::make_unique<FeedingSampler>(std::move(sampler), std::move(feed)), interval);
    monitorSlot->store(m_monitor.get());
    // Monitor thread: only copy the snapshot into a call queued to this object's thread. This
    // object is the context, so calls still queued when it is destroyed are dropped.
    m_monitor->setListener([this](const ResourceSnapshot& snapshot) {
        QMetaObject::invokeMethod(
            this, [this, snapshot] { emit sampled(snapshot); }, Qt::QueuedConnection);
    });
}

ResourceWatch::~ResourceWatch() {
    stop();
}

void ResourceWatch::start() {
    m_monitor->start();
}

void ResourceWatch::stop() {
    m_monitor->stop();
}

void ResourceWatch::setFolders(const std::set<std::string>& folders) {
    if (folders == m_folders) {
        return;
    }
    for (const auto& old : m_folders) {
        if (folders.count(old) == 0) {
            m_monitor->unwatch(old);
        }
    }
    for (const auto& folder : folders) {
        m_monitor->watch(folder); // watching twice is one watch
    }
    m_folders = folders;
}

ResourceSnapshot ResourceWatch::sampleNow() {
    return m_monitor->sampleNow(ResourceMonitor::Clock::now());
}

} // namespace maria2
