#include "core/limit/SpeedLimiter.h"

#include <algorithm>

namespace maria2 {

SpeedLimiter::SpeedLimiter(std::int64_t globalBytesPerSecond, Clock::time_point now)
    : m_global(globalBytesPerSecond, now) {
    updateAnyLimit();
}

void SpeedLimiter::setGlobalRate(std::int64_t bytesPerSecond, Clock::time_point now) {
    const std::lock_guard lock(m_mutex);
    m_global.setRate(bytesPerSecond, now);
    updateAnyLimit();
}

std::int64_t SpeedLimiter::globalRate() const {
    const std::lock_guard lock(m_mutex);
    return m_global.rate();
}

void SpeedLimiter::setDownloadRate(Key key, std::int64_t bytesPerSecond, Clock::time_point now) {
    const std::lock_guard lock(m_mutex);
    Flow& flow = m_flows[key];
    if (bytesPerSecond <= 0) {
        flow.own.reset();
    } else if (flow.own) {
        flow.own->setRate(bytesPerSecond, now);
    } else {
        flow.own.emplace(bytesPerSecond, now);
    }
    updateAnyLimit();
}

std::int64_t SpeedLimiter::downloadRate(Key key) const {
    const std::lock_guard lock(m_mutex);
    const auto it = m_flows.find(key);
    return it != m_flows.end() && it->second.own ? it->second.own->rate() : 0;
}

std::int64_t SpeedLimiter::tightestRate(Key key) const {
    const std::lock_guard lock(m_mutex);
    const std::int64_t global = m_global.unlimited() ? 0 : m_global.rate();
    const auto it = m_flows.find(key);
    const std::int64_t own = it != m_flows.end() && it->second.own ? it->second.own->rate() : 0;
    if (global > 0 && own > 0) {
        return std::min(global, own);
    }
    return std::max(global, own);
}

void SpeedLimiter::remove(Key key) {
    const std::lock_guard lock(m_mutex);
    m_flows.erase(key);
    updateAnyLimit();
}

std::int64_t SpeedLimiter::grantedBytes(Key key) const {
    const std::lock_guard lock(m_mutex);
    const auto it = m_flows.find(key);
    return it != m_flows.end() ? it->second.granted : 0;
}

// Called with the mutex held.
void SpeedLimiter::updateAnyLimit() {
    bool any = !m_global.unlimited();
    for (const auto& [key, flow] : m_flows) {
        any = any || flow.own.has_value();
    }
    m_anyLimit.store(any, std::memory_order_relaxed);
}

// One burst: the global bucket can hand that much to one download in an instant anyway, so
// demanding a closer balance would only add refusals without making shares any fairer.
double SpeedLimiter::fairnessSlack() const {
    return static_cast<double>(m_global.capacity());
}

bool SpeedLimiter::isContender(const Flow& flow, Clock::time_point now) const {
    return flow.waiting && now <= flow.expectedBack + kStaleAfter;
}

SpeedLimiter::Decision SpeedLimiter::acquire(Key key, std::size_t bytes, Clock::time_point now) {
    if (!anyLimit()) {
        return {};
    }
    const auto n = static_cast<std::int64_t>(bytes);
    const std::lock_guard lock(m_mutex);
    Flow& flow = m_flows[key];

    // The download's own limit first: being held back by it is not contention for the link.
    if (flow.own && !flow.own->ready(now)) {
        flow.waiting = false;
        return {false, flow.own->nextAvailable(now), true};
    }

    if (m_global.unlimited()) {
        if (flow.own) {
            flow.own->tryConsume(n, now);
        }
        flow.granted += n;
        return {};
    }

    // A download that was not queueing for the link joins at (almost) the current virtual
    // time, so an idle or slow download cannot bank credit and then crowd the others out.
    if (!isContender(flow, now)) {
        flow.served = std::max(flow.served, m_virtualTime - fairnessSlack());
    }

    if (!m_global.ready(now)) {
        flow.waiting = true;
        flow.expectedBack = m_global.nextAvailable(now);
        return {false, flow.expectedBack};
    }

    for (const auto& [otherKey, other] : m_flows) {
        if (otherKey != key && isContender(other, now) &&
            other.served + fairnessSlack() < flow.served) {
            // Someone further behind is waiting: let it have the next tokens.
            const auto chunkTime = std::chrono::duration<double>(
                static_cast<double>(n) / static_cast<double>(m_global.rate()));
            const auto wait = std::clamp(std::chrono::ceil<Clock::duration>(chunkTime),
                                         Clock::duration(std::chrono::milliseconds(1)),
                                         Clock::duration(kMaxFairnessWait));
            flow.waiting = true;
            flow.expectedBack = now + wait;
            return {false, flow.expectedBack};
        }
    }

    m_virtualTime = std::max(m_virtualTime, flow.served);
    flow.served += static_cast<double>(n);
    flow.granted += n;
    flow.waiting = false;
    m_global.tryConsume(n, now);
    if (flow.own) {
        flow.own->tryConsume(n, now);
    }
    return {};
}

SpeedLimiter::Clock::time_point SpeedLimiter::nextAvailable(Key key, Clock::time_point now) const {
    const std::lock_guard lock(m_mutex);
    auto at = m_global.nextAvailable(now);
    const auto it = m_flows.find(key);
    if (it != m_flows.end() && it->second.own) {
        at = std::max(at, it->second.own->nextAvailable(now));
    }
    return at;
}

} // namespace maria2
