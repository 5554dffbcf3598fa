#include "core/routing/EngineLearner.h"

#include "core/hosts/HostProfile.h" // connectionBucket

#include <algorithm>
#include <cmath>

namespace maria2 {

EngineLearner::EngineLearner(LearnerConfig config)
    : m_config(config) {
}

Arm EngineLearner::bucketed(const Arm& arm) {
    return Arm{arm.engine, connectionBucket(arm.connections)};
}

EngineLearner::HostState* EngineLearner::hostLocked(const std::string& host, Clock::time_point now,
                                                    bool create) {
    auto found = m_hosts.find(host);
    if (found != m_hosts.end() && now - found->second.touched > m_config.forgetAfter) {
        m_hosts.erase(found);
        found = m_hosts.end();
    }
    if (found == m_hosts.end()) {
        if (!create) {
            return nullptr;
        }
        if (m_hosts.size() >= std::max<std::size_t>(1, m_config.maxHosts)) {
            // Linear, but only when a new host arrives at a full table.
            auto oldest =
                std::min_element(m_hosts.begin(), m_hosts.end(), [](const auto& a, const auto& b) {
                    return a.second.touched < b.second.touched;
                });
            m_hosts.erase(oldest);
        }
        found = m_hosts.emplace(host, HostState{}).first;
    }
    found->second.touched = now;
    return &found->second;
}

// UCB1-Tuned (Auer, Cesa-Bianchi, Fischer 2002): mean + sqrt(ln N / n * min(1/4, V)), where V
// is the arm's reward variance plus its own confidence term. Rewards are raw throughputs over
// the host's best seen, so they lie in [0, 1] as UCB1 requires.
double EngineLearner::indexOf(const HostState& h, const ArmState& a) const {
    const double n = static_cast<double>(a.pulls);
    const double scale = h.maxThroughput > 0 ? h.maxThroughput : 1.0;
    const double mean = a.sum / n / scale;
    const double meanSq = a.sumSq / n / (scale * scale);
    const double variance = std::max(0.0, meanSq - mean * mean);
    const double logN = std::log(static_cast<double>(std::max<std::int64_t>(1, h.totalPulls)));
    const double v = variance + std::sqrt(2.0 * logN / n);
    return mean + std::sqrt(logN / n * std::min(0.25, v));
}

std::optional<Arm> EngineLearner::choose(const std::string& host,
                                         const std::vector<Arm>& candidates,
                                         Clock::time_point now) {
    if (candidates.empty()) {
        return std::nullopt;
    }
    const std::lock_guard lock(m_mutex);
    const HostState* h = hostLocked(host, now, false);
    if (h == nullptr) {
        return candidates.front();
    }
    const Arm* best = nullptr;
    double bestIndex = 0;
    for (const auto& candidate : candidates) {
        const auto found = h->arms.find(bucketed(candidate));
        if (found == h->arms.end() || found->second.pulls == 0) {
            return candidate; // try everything once before comparing
        }
        const double index = indexOf(*h, found->second);
        if (best == nullptr || index > bestIndex) {
            best = &candidate;
            bestIndex = index;
        }
    }
    return *best;
}

void EngineLearner::record(const std::string& host, const Arm& arm, double throughputBytesPerSec,
                           Clock::time_point now) {
    if (!std::isfinite(throughputBytesPerSec) || throughputBytesPerSec < 0) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    HostState* h = hostLocked(host, now, true);
    const Arm key = bucketed(arm);
    auto found = h->arms.find(key);
    if (found == h->arms.end()) {
        if (h->arms.size() >= m_config.maxArmsPerHost) {
            return;
        }
        found = h->arms.emplace(key, ArmState{}).first;
    }
    ArmState& a = found->second;
    ++a.pulls;
    a.sum += throughputBytesPerSec;
    a.sumSq += throughputBytesPerSec * throughputBytesPerSec;
    ++h->totalPulls;
    h->maxThroughput = std::max(h->maxThroughput, throughputBytesPerSec);
}

std::map<std::string, double> EngineLearner::engineBonus(const std::string& host) const {
    const std::lock_guard lock(m_mutex);
    std::map<std::string, double> out;
    const auto found = m_hosts.find(host);
    if (found == m_hosts.end()) {
        return out;
    }
    const HostState& h = found->second;
    double best = 0;
    for (const auto& [arm, state] : h.arms) {
        if (state.pulls > 0) {
            const double mean = state.sum / static_cast<double>(state.pulls);
            best = std::max(best, mean);
            out[arm.engine] = std::max(out[arm.engine], mean);
        }
    }
    for (auto& [engine, mean] : out) {
        mean = best > 0 ? mean / best : 0.0;
    }
    return out;
}

std::vector<ArmStats> EngineLearner::stats(const std::string& host) const {
    const std::lock_guard lock(m_mutex);
    std::vector<ArmStats> out;
    const auto found = m_hosts.find(host);
    if (found == m_hosts.end()) {
        return out;
    }
    for (const auto& [arm, state] : found->second.arms) {
        out.push_back({arm, state.pulls,
                       state.pulls > 0 ? state.sum / static_cast<double>(state.pulls) : 0.0});
    }
    return out;
}

std::size_t EngineLearner::hostCount() const {
    const std::lock_guard lock(m_mutex);
    return m_hosts.size();
}

} // namespace maria2
