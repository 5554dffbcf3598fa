// EnginePool's drive of the ConnectionTuner: each progress snapshot of a download whose
// connections the pool chooses feeds its host's measurement, and a new count for the host is
// shared among the host's running auto downloads at once (on whichever engines they run).
#include "core/pool/EnginePool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace maria2 {

int EnginePool::busyOnHostLocked(const std::string& hostKey) const {
    return static_cast<int>(std::count_if(m_routes.begin(), m_routes.end(), [&](const auto& e) {
        return e.second.sharesHostCount() && e.second.busy && e.second.hostKey == hostKey;
    }));
}

int EnginePool::routeLimitLocked(const Route& route, std::int64_t totalBytes) const {
    // As Job::wantedConnections: no more connections than the file has pieces of MinSplitSize.
    int limit = std::max(1, m_config.download.connectionCeiling);
    if (totalBytes > 0) {
        const std::int64_t minSplit = std::max<std::int64_t>(1, route.minSplit);
        // Rounded up without adding first: a size near INT64_MAX must not overflow.
        const std::int64_t pieces = totalBytes / minSplit + (totalBytes % minSplit != 0 ? 1 : 0);
        limit = static_cast<int>(std::clamp<std::int64_t>(pieces, 1, limit));
    }
    if (m_throttleConnections > 0) {
        limit = std::min(limit, m_throttleConnections); // the governor's cut
    }
    return limit;
}

void EnginePool::shareLocked(const std::string& hostKey, int count, double speed,
                             std::vector<ConnectionChange>& changes) {
    // Even shares, each within what its download can use; what one cannot use goes to the
    // others (the smallest limits are served first, so the rest divide what is left).
    std::vector<std::pair<DownloadId, Route*>> members;
    for (auto& [id, route] : m_routes) {
        if (route.sharesHostCount() && route.busy && route.hostKey == hostKey) {
            members.emplace_back(id, &route);
        }
    }
    std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
        return a.second->limit < b.second->limit;
    });
    int left = count;
    for (std::size_t i = 0; i < members.size(); ++i) {
        const auto& [id, route] = members[i];
        const int others = static_cast<int>(members.size() - i);
        const int share = std::clamp(left / others, 1, std::max(1, route->limit));
        left -= share;
        if (share == route->connections) {
            continue;
        }
        spdlog::info("[#{}] engine pool: {} -> {} connection(s) at {:.1f} MiB/s ({}, {})", id,
                     route->connections, share, speed / (1 << 20), hostLabel(hostKey),
                     toString(m_tuner.phase(hostKey)));
        route->connections = share;
        route->arm.connections = share;
        const int n = m_throttleConnections > 0 ? std::min(share, m_throttleConnections) : share;
        changes.push_back({m_engines[route->engine].get(), id, n});
    }
}

void EnginePool::apply(const std::vector<ConnectionChange>& changes) {
    for (const auto& c : changes) {
        c.engine->setConnections(c.id, c.connections);
    }
}

void EnginePool::tune(const TuningSample& s) {
    if (!isActive(s.state)) {
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<ConnectionChange> changes;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_routes.find(s.id);
        if (it == m_routes.end() || !it->second.autoConnections) {
            return;
        }
        Route& route = it->second;
        // The server pushing back (429/503, refused or reset connections) is acted on at
        // once: a new run restarts the snapshot's count, so only a rise is news.
        const bool pushedBack = s.pushbacks > route.pushbacks;
        route.pushbacks = s.pushbacks;
        const std::int64_t bytes = std::max<std::int64_t>(0, s.receivedBytes - route.lastBytes);
        route.lastBytes = s.receivedBytes;
        route.open = s.connections;
        route.limit = routeLimitLocked(route, s.totalBytes);
        if (!route.sharesHostCount()) {
            // -s/-x: the person's bound. The pool only backs off below it, and the host
            // learns that it pushes back.
            if (!pushedBack) {
                return;
            }
            m_tuner.noteUserPushback(route.hostKey, route.connections, now);
            const int next = std::max(1, route.connections / 2);
            if (next != route.connections) {
                spdlog::info("[#{}] engine pool: the server pushed back: {} -> {} connection(s)",
                             s.id, route.connections, next);
                route.connections = next;
                route.arm.connections = next;
                changes.push_back(
                    {m_engines[route.engine].get(), s.id,
                     m_throttleConnections > 0 ? std::min(next, m_throttleConnections) : next});
            }
        } else {
            // The host's measurement: every auto download of the host adds its bytes, and a
            // window counts only while all the connections the count asks for are open.
            TunerSample sample;
            sample.bytes = bytes;
            sample.downloads = 0;
            int limit = 0;
            for (const auto& [id, r] : m_routes) {
                if (r.sharesHostCount() && r.busy && r.hostKey == route.hostKey) {
                    sample.connections += r.open;
                    limit += std::max(1, r.limit);
                    ++sample.downloads;
                }
            }
            sample.limit = limit;
            sample.measurable =
                s.state == DownloadState::Downloading && !heldBySpeedLimit(s.bottleneck);
            sample.event = pushedBack ? TunerEvent::Throttled : TunerEvent::None;
            sample.fastConnectionRate = s.fastConnectionRate;
            sample.singleConnectionRate = s.singleConnectionRate;
            const int count = m_tuner.update(route.hostKey, sample, now);
            shareLocked(route.hostKey, count, s.speedBytesPerSec, changes);
        }
    }
    apply(changes);
}

} // namespace maria2
