#include "core/routing/ConnectionTuner.h"

#include <algorithm>
#include <cmath>

namespace maria2 {

namespace {
TunerConfig withCeiling(int ceiling) {
    TunerConfig c;
    c.ceiling = ceiling;
    return c;
}
} // namespace

const char* toString(TunerPhase phase) {
    switch (phase) {
    case TunerPhase::Ramping:
        return "ramping";
    case TunerPhase::Holding:
        return "holding";
    case TunerPhase::Probing:
        return "probing";
    case TunerPhase::CoolingDown:
        return "cooling down";
    }
    return "?";
}

ConnectionTuner::ConnectionTuner(int ceiling)
    : ConnectionTuner(withCeiling(ceiling)) {
}

ConnectionTuner::ConnectionTuner(TunerConfig config)
    : m_config(config) {
}

ConnectionTuner::HostState& ConnectionTuner::stateLocked(const std::string& host) {
    auto found = m_hosts.find(host);
    if (found == m_hosts.end()) {
        if (m_hosts.size() >= std::max<std::size_t>(1, m_config.maxHosts)) {
            auto oldest =
                std::min_element(m_hosts.begin(), m_hosts.end(), [](const auto& a, const auto& b) {
                    return a.second.touched < b.second.touched;
                });
            m_hosts.erase(oldest);
        }
        found = m_hosts.emplace(host, HostState{}).first;
    }
    found->second.touched = ++m_touchCounter;
    return found->second;
}

int ConnectionTuner::ceiling() const {
    // Bounded so that growing a count can never overflow an int, whatever the config says.
    return std::clamp(m_config.ceiling, 1, kMaxCeiling);
}

int ConnectionTuner::limitFor(int userMax) const {
    const int ceiling = this->ceiling();
    return userMax > 0 ? std::min(userMax, ceiling) : ceiling;
}

int ConnectionTuner::growUnclipped(int current) const {
    // Doubling finds the right order of magnitude in few steps. Past slowStartLimit the steps
    // are a fixed fraction of the count, so every full step offers the same relative gain
    // (+25%) and one margin (10%) means the same at 8 connections as at 50. Additive steps
    // would shrink to a few percent there and fall inside the margin even on a server that
    // scales perfectly.
    if (current < m_config.slowStartLimit) {
        return current * 2;
    }
    const int step = static_cast<int>(std::floor(current * m_config.growth));
    return current + std::max({1, m_config.minStep, step});
}

int ConnectionTuner::grow(int current, int limit) const {
    return std::clamp(growUnclipped(current), 1, limit);
}

int ConnectionTuner::initial(const std::string& host, int userMax) {
    const std::lock_guard lock(m_mutex);
    HostState& s = stateLocked(host);
    s.baseConns = 0;
    s.baseThroughput = 0;
    if (s.phase != TunerPhase::CoolingDown) {
        // A known cap is trusted (held, re-probed later); otherwise measure from the start.
        s.phase = s.learnedCap > 0 ? TunerPhase::Holding : TunerPhase::Ramping;
    }
    const int start = s.learnedCap > 0 ? s.learnedCap : m_config.initial;
    return std::clamp(start, 1, limitFor(userMax));
}

int ConnectionTuner::judgeStep(HostState& s, int current, double throughput, Clock::time_point now,
                               int limit) {
    if (s.baseConns == 0 || current <= s.baseConns) {
        // Nothing measured at a lower count to compare with: this is the baseline.
        s.baseConns = current;
        s.baseThroughput = throughput;
        const int up = grow(current, limit);
        if (up == current) {
            s.phase = TunerPhase::Holding; // at the user's limit or the ceiling
            s.phaseSince = now;
        }
        return up;
    }
    // A step the limit cut short can only gain its share: judge it pro rata.
    const int fullStep = growUnclipped(s.baseConns) - s.baseConns;
    const double fraction =
        std::min(1.0, static_cast<double>(current - s.baseConns) / std::max(1, fullStep));
    if (throughput > s.baseThroughput * (1.0 + m_config.gainMargin * fraction)) {
        // The step paid. A cap known from before was too low.
        if (s.learnedCap > 0 && current > s.learnedCap) {
            s.learnedCap = current;
        }
        s.phase = TunerPhase::Ramping;
        s.baseConns = current;
        s.baseThroughput = throughput;
        const int up = grow(current, limit);
        if (up == current) {
            s.phase = TunerPhase::Holding;
            s.phaseSince = now;
        }
        return up;
    }
    // Flat: the extra connections bought (almost) nothing. Give them back, and remember the
    // count that was worth it. The baseline stays the measurement at that count.
    s.learnedCap = s.baseConns;
    s.phase = TunerPhase::Holding;
    s.phaseSince = now;
    return s.baseConns;
}

int ConnectionTuner::next(const std::string& host, int currentConnections, double totalThroughput,
                          TunerEvent event, Clock::time_point now, int userMax) {
    const std::lock_guard lock(m_mutex);
    HostState& s = stateLocked(host);
    const int limit = limitFor(userMax);
    const int current = std::clamp(currentConnections, 1, limit);

    if (event != TunerEvent::None) {
        // The server pushed back: multiplicative decrease, the only way down.
        const int reduced = std::max(1, current / 2);
        s.learnedCap = reduced;
        s.phase = TunerPhase::CoolingDown;
        s.phaseSince = now;
        s.baseConns = 0;
        s.baseThroughput = 0;
        return reduced;
    }
    if (!std::isfinite(totalThroughput) || totalThroughput <= 0) {
        return current; // nothing measured yet: no basis for a move
    }

    switch (s.phase) {
    case TunerPhase::CoolingDown:
        if (now - s.phaseSince < m_config.coolDown) {
            return s.learnedCap > 0 ? std::min(current, s.learnedCap) : current;
        }
        s.phase = TunerPhase::Holding;
        s.phaseSince = now;
        s.baseConns = current;
        s.baseThroughput = totalThroughput;
        return current;
    case TunerPhase::Holding:
        s.baseConns = current;
        s.baseThroughput = totalThroughput;
        if (now - s.phaseSince >= m_config.reprobeInterval && current < limit) {
            s.phase = TunerPhase::Probing;
            s.phaseSince = now;
            return grow(current, limit);
        }
        return current;
    case TunerPhase::Ramping:
    case TunerPhase::Probing:
        break;
    }
    return judgeStep(s, current, totalThroughput, now, limit);
}

int ConnectionTuner::learnedCap(const std::string& host) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_hosts.find(host);
    return found == m_hosts.end() ? 0 : found->second.learnedCap;
}

TunerPhase ConnectionTuner::phase(const std::string& host) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_hosts.find(host);
    return found == m_hosts.end() ? TunerPhase::Ramping : found->second.phase;
}

void ConnectionTuner::setLearnedCap(const std::string& host, int cap) {
    const std::lock_guard lock(m_mutex);
    HostState& s = stateLocked(host);
    s.learnedCap = std::clamp(cap, 0, ceiling());
    if (s.learnedCap > 0 && s.phase == TunerPhase::Ramping) {
        s.phase = TunerPhase::Holding;
    }
}

} // namespace maria2
