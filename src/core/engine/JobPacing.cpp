// Job's pacing: the speed limits (transfers paused for tokens and resumed), silence under a
// limit, degradation re-plans, and "why is it slow?". Connections themselves: JobConnections.cpp.
#include "core/engine/Job.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace maria2 {
namespace {

// A connection silent this long while not waiting for tokens, under a limit, is replaced.
constexpr auto kIdleUnderLimit = std::chrono::seconds(30);
// The limiter held a download back this recently: its speed is the limit's doing.
constexpr auto kLimitedRecently = std::chrono::seconds(1);

} // namespace

void Job::resumeLimited(Clock::time_point now) {
    Clock::time_point next = Clock::time_point::max();
    for (std::size_t i = 0; i < m_connections.size(); ++i) {
        Connection& c = m_connections.at(i);
        if (!c.limiterPaused) {
            continue;
        }
        if (c.resumeAt <= now) {
            c.limiterPaused = false;
            c.lastDataAt = now; // time spent waiting for tokens is not silence
            // May call write() at once with the held bytes, which may pause it again.
            curl_easy_pause(c.easy, CURLPAUSE_CONT);
        }
        if (c.limiterPaused) {
            next = std::min(next, c.resumeAt);
        }
    }
    if (next != Clock::time_point::max()) {
        m_nextTick = std::min(m_nextTick, next);
    }
}

void Job::wakeLimited(Clock::time_point now) {
    for (auto& c : m_connections) {
        if (c->limiterPaused) {
            c->resumeAt = now;
            m_nextTick = now;
        }
    }
}

void Job::checkIdleConnections(Clock::time_point now) {
    for (std::size_t i = 0; i < m_connections.size();) {
        Connection* c = &m_connections.at(i);
        if (!c->curlLowSpeed && c->bodyStarted && !c->limiterPaused &&
            now - c->lastDataAt > kIdleUnderLimit) {
            spdlog::info("[#{}] a connection sent nothing for {} s (not held by the speed limit); "
                         "replacing it",
                         m_id,
                         std::chrono::duration_cast<std::chrono::seconds>(kIdleUnderLimit).count());
            dropConnection(c, true);
            continue;
        }
        ++i;
    }
}

void Job::watchDegradation(Clock::time_point now) {
    // One sample a second, of the smoothed speed; samples while a limit held the download
    // back are marked, so a limit (or the governor's cap) never looks like a degraded network.
    if (m_state != DownloadState::Downloading || now < m_nextDegradationSample) {
        return;
    }
    m_nextDegradationSample = now + std::chrono::seconds(1);
    const Bottleneck why = bottleneck(now);
    const bool limited = heldBySpeedLimit(why);
    const auto event = m_degradation.update(now, m_speed.bytesPerSecond(), limited);
    if (!event) {
        return;
    }
    if (!m_planner || !m_rangesOk) {
        spdlog::warn("[#{}] degraded: {}; not re-planned: without ranges a new connection would "
                     "start again from byte 0",
                     m_id, describe(*event));
        return;
    }
    ++m_replans;
    // First try fresh connections (a bad path, a congested server thread, a stuck CDN node);
    // if it degrades again, fresh connections and more of them (re-split the rest).
    const bool resplit = event->count % 2 == 0 && m_host.profile().split;
    const int before = static_cast<int>(m_connections.size());
    if (resplit) {
        m_request.split = std::min(64, std::max(2, wantedConnections() * 2));
        m_request.maxConnectionsPerServer =
            std::max(m_request.maxConnectionsPerServer, m_request.split);
    }
    spdlog::warn("[#{}] degraded: {}; {} {} connection(s){}", m_id, describe(*event),
                 resplit ? "re-splitting over" : "reconnecting", before,
                 resplit ? " -> " + std::to_string(wantedConnections()) : std::string());
    while (!m_connections.empty()) {
        dropConnection(&m_connections.back(), true);
    }
    m_noNewConnectionsBefore = {};
}

Bottleneck Job::bottleneck(Clock::time_point now) const {
    if (m_state == DownloadState::Retrying) {
        return Bottleneck::WaitingRetry;
    }
    if (!isActive(m_state)) {
        return Bottleneck::None;
    }
    const bool waitingForTokens = std::any_of(m_connections.begin(), m_connections.end(),
                                              [](const auto& c) { return c->limiterPaused; });
    if (waitingForTokens ||
        (m_limitedAt != Clock::time_point{} && now - m_limitedAt < kLimitedRecently)) {
        return m_limitedByOwn ? Bottleneck::DownloadLimit : Bottleneck::SpeedLimit;
    }
    if (m_diskBusy > 0.5) {
        return Bottleneck::DiskBound;
    }
    if (m_request.splitAtOnce && static_cast<int>(m_connections.size()) >= wantedConnections() &&
        m_connections.size() > 1) {
        return Bottleneck::ServerCap;
    }
    return Bottleneck::Network;
}

} // namespace maria2
