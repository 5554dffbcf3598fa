// Session: one MetricsSnapshot per resource sample, and the sample handed to the governor
// (docs/throttling.md, "Session"). Runs on the Session's thread, once a second: the running
// downloads are found through m_busy (O(running), not O(all)); the metrics list the running
// and queued ones in queue order without copying a whole snapshot per download.
#include "session/ResourceWatch.h"
#include "session/Session.h"
#include "session/SessionGovernor.h"
#include "session/SessionLimits.h"

#include "core/pool/EnginePool.h"

#include <QDateTime>

namespace maria2 {

void Session::noteBusy(DownloadId id, DownloadState state) {
    if (isBusy(state)) {
        m_busy.insert(id);
    } else {
        m_busy.remove(id);
    }
}

double Session::runningSpeed() const {
    double total = 0;
    for (const DownloadId id : m_busy) {
        // A snapshot written past noteBusy (a restart) may have left the busy states already.
        if (const auto it = m_latest.constFind(id);
            it != m_latest.constEnd() && isBusy(it->state)) {
            total += it->speedBytesPerSec;
        }
    }
    return total;
}

void Session::onSample(const ResourceSnapshot& snapshot) {
    if (m_shutdown) {
        return; // a sample still queued when the Session shut down
    }
    m_limits->tick(); // the windows are re-checked on every sample too, not only every second
    for (const GovernorAction& action : m_governor->update(snapshot, runningSpeed())) {
        applyGovernorAction(action);
    }
    m_limits->setGovernorCap(m_governor->state().speedCap);
    m_metrics = metricsFor(snapshot);
    emit metricsUpdated(m_metrics);
}

MetricsSnapshot Session::metricsFor(const ResourceSnapshot& resources) const {
    const EnginePool::Traffic traffic = m_engine->traffic();
    // The machine's part from makeMetrics; the downloads' part here, as makeMetrics would list
    // them, read in place.
    MetricsSnapshot m = makeMetrics(resources, {}, traffic.received, traffic.kept);
    m.downloads.reserve(static_cast<std::size_t>(m_order.size()));
    for (const DownloadId id : std::as_const(m_order)) {
        const auto it = m_latest.constFind(id);
        if (it == m_latest.constEnd()) {
            continue;
        }
        const DownloadSnapshot& d = *it;
        const bool queued = d.state == DownloadState::Queued;
        if (!queued && !isBusy(d.state)) {
            continue;
        }
        (queued ? m.queued : m.active) += 1;
        const double speed = queued ? 0.0 : d.speedBytesPerSec;
        m.totalSpeedBytesPerSec += speed;
        DownloadMetrics& dm = m.downloads.emplace_back();
        dm.id = d.id;
        dm.name = d.fileName.empty() ? d.url : d.fileName;
        dm.state = d.state;
        dm.speedBytesPerSec = speed;
        dm.doneBytes = d.doneBytes;
        dm.totalBytes = d.totalBytes;
        dm.connections = d.connections;
        dm.bottleneck = d.bottleneck;
    }
    m.atUnixMs = QDateTime::currentMSecsSinceEpoch();
    m.speedLimit = m_limits->effectiveLimit();
    m.throttled = m_governor->state().throttled;
    m.governorMessage = m_governor->lastMessage();
    return m;
}

} // namespace maria2
