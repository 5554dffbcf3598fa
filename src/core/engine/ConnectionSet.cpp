#include "core/engine/ConnectionSet.h"

#include <algorithm>

namespace maria2 {

Connection& ConnectionSet::add(std::unique_ptr<Connection> connection) {
    m_list.push_back(std::move(connection));
    m_peak = std::max(m_peak, count());
    return *m_list.back();
}

void ConnectionSet::remove(const Connection* connection) {
    std::erase_if(m_list, [connection](const auto& p) { return p.get() == connection; });
}

Connection* ConnectionSet::find(const CURL* easy) const {
    for (const auto& c : m_list) {
        if (c->easy == easy) {
            return c.get();
        }
    }
    return nullptr;
}

std::optional<Segment> ConnectionSet::nextSegment(SegmentPlanner& planner, int wanted) const {
    if (count() >= wanted) {
        return std::nullopt;
    }
    const auto slots = static_cast<std::int64_t>(wanted) - static_cast<std::int64_t>(count());
    const std::int64_t target = (planner.unassignedBytes() + slots - 1) / slots;
    return planner.assign(target);
}

double ConnectionSet::medianTtfb() const {
    std::vector<double> ttfb;
    for (const auto& c : m_list) {
        if (c->bodyStarted) {
            ttfb.push_back(std::chrono::duration<double>(c->firstByteAt - c->startedAt).count());
        }
    }
    if (ttfb.empty()) {
        return -1;
    }
    const auto mid = ttfb.begin() + static_cast<std::ptrdiff_t>(ttfb.size() / 2);
    std::nth_element(ttfb.begin(), mid, ttfb.end());
    return *mid;
}

double ConnectionSet::endgameThreshold() const {
    const double ttfb = medianTtfb();
    return ttfb < 0 ? kEndgameFloorSeconds : std::max(kEndgameFloorSeconds, 2 * ttfb);
}

Connection* ConnectionSet::endgameVictim(const SegmentPlanner& planner, Clock::time_point now,
                                         double* secondsLeft) const {
    Connection* slowest = nullptr;
    double worst = endgameThreshold();
    for (const auto& c : m_list) {
        const Segment* s = c->segmentId ? planner.find(c->segmentId) : nullptr;
        if (s == nullptr || s->duplicate || now - c->startedAt < kEndgameGrace) {
            continue;
        }
        const double left =
            static_cast<double>(s->remaining()) / std::max(1.0, c->speed.bytesPerSecond());
        if (left > worst) {
            worst = left;
            slowest = c.get();
        }
    }
    if (slowest != nullptr && secondsLeft != nullptr) {
        *secondsLeft = worst;
    }
    return slowest;
}

Connection* ConnectionSet::slowToClose(const SegmentPlanner& planner, Clock::time_point now) {
    if (m_list.size() < 3) {
        return nullptr;
    }
    std::vector<double> speeds;
    for (const auto& c : m_list) {
        speeds.push_back(c->speed.bytesPerSecond());
    }
    const auto mid = speeds.begin() + static_cast<std::ptrdiff_t>(speeds.size() / 2);
    std::nth_element(speeds.begin(), mid, speeds.end());
    const double median = *mid;
    for (const auto& c : m_list) {
        const Segment* s = c->segmentId ? planner.find(c->segmentId) : nullptr;
        if (s == nullptr || now - c->startedAt < kSlowGrace ||
            c->speed.bytesPerSecond() >= kSlowRatio * median ||
            s->remaining() < 2 * planner.minSplitSize()) {
            c->slowSince = {};
            continue;
        }
        if (c->slowSince == Clock::time_point{}) {
            c->slowSince = now;
        } else if (now - c->slowSince >= kSlowFor) {
            return c.get(); // one at a time
        }
    }
    return nullptr;
}

Connection* ConnectionSet::slowest() const {
    const auto it =
        std::min_element(m_list.begin(), m_list.end(), [](const auto& a, const auto& b) {
            return a->speed.bytesPerSecond() < b->speed.bytesPerSecond();
        });
    return it != m_list.end() ? it->get() : nullptr;
}

} // namespace maria2
