#include "core/schedule/QueueGate.h"

#include <algorithm>

namespace maria2 {

QueueGate::QueueGate(SchedulerSettings settings)
    : m_scheduler(settings) {
}

int QueueGate::addEngine(std::function<void()> wake) {
    std::lock_guard lock(m_mutex);
    m_wakers.push_back(std::move(wake));
    m_owned.push_back(0);
    return static_cast<int>(m_wakers.size()) - 1;
}

void QueueGate::setOwnerLocked(DownloadId id, int engine) {
    const auto [it, added] = m_owner.try_emplace(id, engine);
    if (!added) {
        if (it->second == engine) {
            return;
        }
        if (it->second >= 0 && it->second < static_cast<int>(m_owned.size())) {
            --m_owned[static_cast<std::size_t>(it->second)];
        }
        it->second = engine;
    }
    if (engine >= 0 && engine < static_cast<int>(m_owned.size())) {
        ++m_owned[static_cast<std::size_t>(engine)];
    }
}

void QueueGate::changed() {
    m_generation.fetch_add(1, std::memory_order_acq_rel);
    // Only engines with downloads in the queue can start one: a list of 400 files from one
    // host lives on one engine, and waking the idle others for each of them is pure waste.
    std::vector<const std::function<void()>*> wakers;
    {
        std::lock_guard lock(m_mutex);
        for (std::size_t i = 0; i < m_wakers.size(); ++i) {
            if (m_owned[i] > 0) {
                wakers.push_back(&m_wakers[i]); // a deque: stays put when engines are added
            }
        }
    }
    for (const auto* wake : wakers) {
        (*wake)();
    }
}

void QueueGate::enqueue(DownloadId id, const std::string& host, int engine, bool fresh) {
    {
        std::lock_guard lock(m_mutex);
        setOwnerLocked(id, engine);
        if (m_scheduler.find(id) == nullptr) {
            m_scheduler.add(id, host);
        } else if (fresh) {
            m_scheduler.pause(id); // resume() only leaves Paused/Failed: a clean start
            m_scheduler.resume(id);
        } else {
            m_scheduler.requeue(id);
        }
        m_granted.erase(id);
    }
    changed();
}

void QueueGate::addPaused(DownloadId id, const std::string& host, int engine) {
    std::lock_guard lock(m_mutex);
    setOwnerLocked(id, engine);
    if (!m_scheduler.add(id, host, true)) {
        m_scheduler.pause(id); // reserved already: keeps its place
    }
}

void QueueGate::reserve(DownloadId id, const std::string& host, int engine) {
    std::lock_guard lock(m_mutex);
    setOwnerLocked(id, engine);
    m_scheduler.add(id, host, true); // no-op when its engine was quicker
}

std::vector<DownloadId> QueueGate::claim(int engine, Clock::time_point now) {
    std::vector<DownloadId> mine;
    std::vector<std::function<void()>> toWake;
    {
        std::lock_guard lock(m_mutex);
        std::set<int> others;
        for (const DownloadId id : m_scheduler.toStart(now, m_windowsOpen)) {
            m_granted.insert(id);
            const auto owner = m_owner.find(id);
            if (owner != m_owner.end() && owner->second != engine) {
                others.insert(owner->second);
            }
        }
        for (auto it = m_granted.begin(); it != m_granted.end();) {
            const auto owner = m_owner.find(*it);
            if (owner == m_owner.end()) {
                it = m_granted.erase(it); // forgotten meanwhile
            } else if (owner->second == engine) {
                mine.push_back(*it);
                it = m_granted.erase(it);
            } else {
                ++it;
            }
        }
        for (const int other : others) {
            if (other >= 0 && other < static_cast<int>(m_wakers.size())) {
                toWake.push_back(m_wakers[static_cast<std::size_t>(other)]);
            }
        }
        if (mine.size() > 1) { // queue order, not id order
            std::vector<DownloadId> ordered;
            for (const auto& item : m_scheduler.items()) {
                if (std::find(mine.begin(), mine.end(), item.id) != mine.end()) {
                    ordered.push_back(item.id);
                }
            }
            mine.swap(ordered);
        }
    }
    if (!toWake.empty()) {
        // Downloads higher in the queue, run by other engines, start now: only new grants
        // wake anyone, so engines never keep waking each other.
        m_generation.fetch_add(1, std::memory_order_acq_rel);
        for (auto& wake : toWake) {
            wake();
        }
    }
    return mine;
}

FailureOutcome QueueGate::stopped(DownloadId id, Stop how, Clock::time_point now) {
    FailureOutcome outcome;
    {
        std::lock_guard lock(m_mutex);
        m_granted.erase(id);
        switch (how) {
        case Stop::Finished:
            m_scheduler.markFinished(id);
            break;
        case Stop::Paused:
            m_scheduler.pause(id);
            break;
        case Stop::Failed:
            outcome = m_scheduler.markFailed(id, now);
            break;
        case Stop::FailedHard:
            // No queue-level retry: out of retries at once (a person's resume starts afresh).
            m_scheduler.pause(id);
            break;
        case Stop::Requeued:
            m_scheduler.requeue(id);
            break;
        }
    }
    changed();
    return outcome;
}

void QueueGate::pause(DownloadId id) {
    {
        std::lock_guard lock(m_mutex);
        m_granted.erase(id);
        m_scheduler.pause(id);
    }
    changed();
}

void QueueGate::forget(DownloadId id) {
    {
        std::lock_guard lock(m_mutex);
        m_granted.erase(id);
        if (const auto it = m_owner.find(id); it != m_owner.end()) {
            if (it->second >= 0 && it->second < static_cast<int>(m_owned.size())) {
                --m_owned[static_cast<std::size_t>(it->second)];
            }
            m_owner.erase(it);
        }
        m_scheduler.remove(id);
    }
    changed();
}

QueueWait QueueGate::reasonLocked(const QueueItem& item, Clock::time_point now,
                                  const std::map<std::string, int>* activeByHost) const {
    if (item.state != QueueItemState::Queued) {
        return QueueWait::None;
    }
    if (item.nextRetryAt && *item.nextRetryAt > now) {
        return QueueWait::Retry;
    }
    if (!m_windowsOpen) {
        return QueueWait::Window;
    }
    const SchedulerSettings& s = m_scheduler.settings();
    if (s.maxPerHost > 0 && !item.host.empty()) {
        int active = 0;
        if (activeByHost != nullptr) {
            const auto it = activeByHost->find(item.host);
            active = it == activeByHost->end() ? 0 : it->second;
        } else {
            active = m_scheduler.activeOnHost(item.host);
        }
        if (active >= s.maxPerHost) {
            return QueueWait::Host;
        }
    }
    return QueueWait::Slot;
}

QueueWait QueueGate::waitReason(DownloadId id, Clock::time_point now) const {
    std::lock_guard lock(m_mutex);
    const QueueItem* item = m_scheduler.find(id);
    return item == nullptr ? QueueWait::None : reasonLocked(*item, now, nullptr);
}

std::map<DownloadId, QueueWait> QueueGate::waitReasons(Clock::time_point now) const {
    std::lock_guard lock(m_mutex);
    std::map<std::string, int> activeByHost;
    for (const auto& item : m_scheduler.items()) {
        if (item.state == QueueItemState::Active) {
            ++activeByHost[item.host];
        }
    }
    std::map<DownloadId, QueueWait> reasons;
    for (const auto& item : m_scheduler.items()) {
        if (item.state == QueueItemState::Queued) {
            reasons.emplace(item.id, reasonLocked(item, now, &activeByHost));
        }
    }
    return reasons;
}

std::optional<QueueGate::Clock::time_point> QueueGate::retryAt(DownloadId id) const {
    std::lock_guard lock(m_mutex);
    const QueueItem* item = m_scheduler.find(id);
    return item != nullptr && item->state == QueueItemState::Queued ? item->nextRetryAt
                                                                    : std::nullopt;
}

std::optional<QueueGate::Clock::time_point> QueueGate::nextRetryAt() const {
    std::lock_guard lock(m_mutex);
    return m_scheduler.nextRetryAt();
}

bool QueueGate::move(bool (QueueScheduler::*how)(QueueScheduler::Id), DownloadId id) {
    bool moved = false;
    {
        std::lock_guard lock(m_mutex);
        moved = (m_scheduler.*how)(id);
    }
    if (moved) {
        changed();
    }
    return moved;
}

bool QueueGate::moveUp(DownloadId id) {
    return move(&QueueScheduler::moveUp, id);
}
bool QueueGate::moveDown(DownloadId id) {
    return move(&QueueScheduler::moveDown, id);
}
bool QueueGate::moveToTop(DownloadId id) {
    return move(&QueueScheduler::moveToTop, id);
}
bool QueueGate::moveToBottom(DownloadId id) {
    return move(&QueueScheduler::moveToBottom, id);
}

void QueueGate::setMax(int max) {
    {
        std::lock_guard lock(m_mutex);
        SchedulerSettings s = m_scheduler.settings();
        s.maxConcurrentDownloads = std::max(1, max);
        m_scheduler.setSettings(s);
    }
    changed();
}

void QueueGate::setMaxPerHost(int max) {
    {
        std::lock_guard lock(m_mutex);
        SchedulerSettings s = m_scheduler.settings();
        s.maxPerHost = std::max(0, max);
        m_scheduler.setSettings(s);
    }
    changed();
}

void QueueGate::setRetries(int maxRetries, std::chrono::milliseconds initialDelay,
                           std::chrono::milliseconds maxDelay) {
    std::lock_guard lock(m_mutex);
    SchedulerSettings s = m_scheduler.settings();
    s.maxRetries = std::max(0, maxRetries);
    s.retryInitialDelay = initialDelay;
    s.retryMaxDelay = std::max(initialDelay, maxDelay);
    m_scheduler.setSettings(s);
}

void QueueGate::setWindowsOpen(bool open) {
    {
        std::lock_guard lock(m_mutex);
        if (m_windowsOpen == open) {
            return;
        }
        m_windowsOpen = open;
    }
    changed();
}

bool QueueGate::windowsOpen() const {
    std::lock_guard lock(m_mutex);
    return m_windowsOpen;
}

std::vector<DownloadId> QueueGate::overLimit() {
    std::lock_guard lock(m_mutex);
    // Grants not yet taken count as running: put them back first, they have not started.
    for (const DownloadId id : m_granted) {
        m_scheduler.requeue(id);
    }
    m_granted.clear();
    return m_scheduler.toStop(m_windowsOpen);
}

int QueueGate::max() const {
    std::lock_guard lock(m_mutex);
    return m_scheduler.settings().maxConcurrentDownloads;
}

int QueueGate::maxPerHost() const {
    std::lock_guard lock(m_mutex);
    return m_scheduler.settings().maxPerHost;
}

int QueueGate::busy() const {
    std::lock_guard lock(m_mutex);
    return m_scheduler.activeCount();
}

std::vector<DownloadId> QueueGate::order() const {
    std::lock_guard lock(m_mutex);
    std::vector<DownloadId> ids;
    ids.reserve(m_scheduler.items().size());
    for (const auto& item : m_scheduler.items()) {
        ids.push_back(item.id);
    }
    return ids;
}

} // namespace maria2
