#include "core/schedule/QueueScheduler.h"

#include <algorithm>

namespace maria2 {

const char* toString(QueueItemState state) {
    switch (state) {
    case QueueItemState::Queued:
        return "queued";
    case QueueItemState::Active:
        return "active";
    case QueueItemState::Paused:
        return "paused";
    case QueueItemState::Failed:
        return "failed";
    case QueueItemState::Done:
        return "done";
    }
    return "unknown";
}

QueueScheduler::QueueScheduler(SchedulerSettings settings)
    : m_settings(settings) {
}

std::vector<QueueItem>::iterator QueueScheduler::locate(Id id) {
    return std::find_if(m_items.begin(), m_items.end(),
                        [id](const QueueItem& item) { return item.id == id; });
}

const QueueItem* QueueScheduler::find(Id id) const {
    const auto it = std::find_if(m_items.begin(), m_items.end(),
                                 [id](const QueueItem& item) { return item.id == id; });
    return it == m_items.end() ? nullptr : &*it;
}

bool QueueScheduler::add(Id id, std::string host, bool paused) {
    if (find(id) != nullptr) {
        return false;
    }
    QueueItem item;
    item.id = id;
    item.host = std::move(host);
    item.state = paused ? QueueItemState::Paused : QueueItemState::Queued;
    m_items.push_back(std::move(item));
    return true;
}

bool QueueScheduler::remove(Id id) {
    const auto it = locate(id);
    if (it == m_items.end()) {
        return false;
    }
    m_items.erase(it);
    return true;
}

bool QueueScheduler::moveTo(Id id, std::size_t position) {
    const auto it = locate(id);
    if (it == m_items.end()) {
        return false;
    }
    const auto from = static_cast<std::size_t>(it - m_items.begin());
    if (from == position) {
        return false;
    }
    QueueItem item = std::move(*it);
    m_items.erase(it);
    m_items.insert(m_items.begin() + static_cast<std::ptrdiff_t>(position), std::move(item));
    return true;
}

bool QueueScheduler::moveUp(Id id) {
    const auto it = locate(id);
    if (it == m_items.end() || it == m_items.begin()) {
        return false;
    }
    std::iter_swap(it, it - 1);
    return true;
}

bool QueueScheduler::moveDown(Id id) {
    const auto it = locate(id);
    if (it == m_items.end() || it + 1 == m_items.end()) {
        return false;
    }
    std::iter_swap(it, it + 1);
    return true;
}

bool QueueScheduler::moveToTop(Id id) {
    return moveTo(id, 0);
}

bool QueueScheduler::moveToBottom(Id id) {
    return !m_items.empty() && moveTo(id, m_items.size() - 1);
}

bool QueueScheduler::pause(Id id) {
    const auto it = locate(id);
    if (it == m_items.end() || it->state == QueueItemState::Paused ||
        it->state == QueueItemState::Done) {
        return false;
    }
    it->state = QueueItemState::Paused;
    it->nextRetryAt.reset();
    return true;
}

bool QueueScheduler::resume(Id id) {
    const auto it = locate(id);
    if (it == m_items.end() ||
        (it->state != QueueItemState::Paused && it->state != QueueItemState::Failed)) {
        return false;
    }
    // A person asking again gets a fresh set of retries, starting now.
    it->state = QueueItemState::Queued;
    it->failures = 0;
    it->nextRetryAt.reset();
    return true;
}

std::vector<QueueScheduler::Id> QueueScheduler::pauseAll() {
    std::vector<Id> wereActive;
    for (auto& item : m_items) {
        if (item.state == QueueItemState::Active) {
            wereActive.push_back(item.id);
        }
        if (item.state == QueueItemState::Queued || item.state == QueueItemState::Active) {
            item.state = QueueItemState::Paused;
            item.nextRetryAt.reset();
        }
    }
    return wereActive;
}

void QueueScheduler::resumeAll() {
    for (auto& item : m_items) {
        if (item.state == QueueItemState::Paused) {
            item.state = QueueItemState::Queued;
            item.failures = 0;
        }
    }
}

bool QueueScheduler::requeue(Id id) {
    const auto it = locate(id);
    if (it == m_items.end() || it->state == QueueItemState::Queued) {
        return false;
    }
    it->state = QueueItemState::Queued;
    it->nextRetryAt.reset();
    return true;
}

void QueueScheduler::markFinished(Id id) {
    const auto it = locate(id);
    if (it != m_items.end()) {
        it->state = QueueItemState::Done;
        it->nextRetryAt.reset();
    }
}

FailureOutcome QueueScheduler::markFailed(Id id, Clock::time_point now) {
    FailureOutcome outcome;
    const auto it = locate(id);
    if (it == m_items.end()) {
        return outcome;
    }
    outcome.failures = ++it->failures;
    if (it->failures > m_settings.maxRetries) {
        it->state = QueueItemState::Failed;
        it->nextRetryAt.reset();
        return outcome;
    }
    // Exponential backoff so a download that fails at once does not hammer its server, capped
    // so it is still retried within a reasonable time. The shift is bounded: no overflow.
    const int doublings = std::min(it->failures - 1, 30);
    auto delay = m_settings.retryInitialDelay;
    for (int i = 0; i < doublings && delay < m_settings.retryMaxDelay; ++i) {
        delay *= 2;
    }
    delay = std::min(delay, m_settings.retryMaxDelay);
    it->state = QueueItemState::Queued;
    it->nextRetryAt = now + delay;
    outcome.willRetry = true;
    outcome.retryAt = *it->nextRetryAt;
    return outcome;
}

int QueueScheduler::activeCount() const {
    return static_cast<int>(std::count_if(m_items.begin(), m_items.end(), [](const QueueItem& i) {
        return i.state == QueueItemState::Active;
    }));
}

int QueueScheduler::activeOnHost(const std::string& host) const {
    return static_cast<int>(std::count_if(m_items.begin(), m_items.end(), [&](const QueueItem& i) {
        return i.state == QueueItemState::Active && i.host == host;
    }));
}

std::vector<QueueScheduler::Id> QueueScheduler::toStart(Clock::time_point now,
                                                        bool windowsAllowNow) {
    std::vector<Id> start;
    if (!windowsAllowNow) {
        return start;
    }
    int active = activeCount();
    const int limit = std::max(1, m_settings.maxConcurrentDownloads);
    for (auto& item : m_items) {
        if (active >= limit) {
            break;
        }
        if (item.state != QueueItemState::Queued || (item.nextRetryAt && *item.nextRetryAt > now)) {
            continue;
        }
        // A host at its limit does not block the queue: later downloads from other hosts
        // may still start.
        if (m_settings.maxPerHost > 0 && !item.host.empty() &&
            activeOnHost(item.host) >= m_settings.maxPerHost) {
            continue;
        }
        item.state = QueueItemState::Active;
        item.nextRetryAt.reset();
        start.push_back(item.id);
        ++active;
    }
    return start;
}

std::vector<QueueScheduler::Id> QueueScheduler::toStop(bool windowsAllowNow) {
    std::vector<Id> stop;
    if (!windowsAllowNow && m_settings.stopOutsideWindows) {
        for (auto& item : m_items) {
            if (item.state == QueueItemState::Active) {
                item.state = QueueItemState::Queued;
                stop.push_back(item.id);
            }
        }
        return stop;
    }
    // Over the limit: keep the ones highest in the queue running.
    int keep = std::max(1, m_settings.maxConcurrentDownloads);
    for (auto& item : m_items) {
        if (item.state != QueueItemState::Active) {
            continue;
        }
        if (keep > 0) {
            --keep;
            continue;
        }
        item.state = QueueItemState::Queued;
        stop.push_back(item.id);
    }
    return stop;
}

std::optional<QueueScheduler::Clock::time_point> QueueScheduler::nextRetryAt() const {
    std::optional<Clock::time_point> earliest;
    for (const auto& item : m_items) {
        if (item.state == QueueItemState::Queued && item.nextRetryAt &&
            (!earliest || *item.nextRetryAt < *earliest)) {
            earliest = item.nextRetryAt;
        }
    }
    return earliest;
}

} // namespace maria2
