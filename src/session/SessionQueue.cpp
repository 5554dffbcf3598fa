// Session: the queue order, the speed limits and the time windows (the person's controls).
#include "session/DownloadStore.h"
#include "session/Session.h"
#include "session/SessionGovernor.h"
#include "session/SessionLimits.h"

#include "core/pool/EnginePool.h"

#include <spdlog/spdlog.h>

namespace maria2 {

void Session::setSpeedLimit(std::int64_t bytesPerSecond) {
    bytesPerSecond = std::max<std::int64_t>(0, bytesPerSecond);
    m_config.performance.downloadSpeedLimit = bytesPerSecond; // config() shows what is set
    m_governor->setUserSpeedLimit(bytesPerSecond);
    m_limits->setUserLimit(bytesPerSecond); // emits speedLimitChanged when what is in force moves
}

std::int64_t Session::speedLimit() const {
    return m_limits->userLimit();
}

std::int64_t Session::effectiveSpeedLimit() const {
    return m_limits->effectiveLimit();
}

void Session::setDownloadSpeedLimit(DownloadId id, std::int64_t bytesPerSecond) {
    auto entry = m_entries.find(id);
    if (entry == m_entries.end()) {
        return;
    }
    bytesPerSecond = std::max<std::int64_t>(0, bytesPerSecond);
    entry->request.maxSpeed = bytesPerSecond; // what a restart or a retry runs with
    if (m_store && entry->key != 0) {
        m_store->setMaxSpeed(entry->key, bytesPerSecond);
    }
    if (const DownloadId e = engineId(id)) {
        m_engine->setDownloadSpeedLimit(e, bytesPerSecond);
    }
    if (auto it = m_latest.find(id); it != m_latest.end()) {
        it->maxSpeed = bytesPerSecond;
    }
}

QString Session::setTimeWindows(const QString& text) {
    const QString error = m_limits->setWindows(text);
    if (error.isEmpty()) {
        m_config.queue.timeWindows = text.toStdString();
    }
    return error;
}

bool Session::moveUp(DownloadId id) {
    return move(id, QueueMove::Up);
}
bool Session::moveDown(DownloadId id) {
    return move(id, QueueMove::Down);
}
bool Session::moveToTop(DownloadId id) {
    return move(id, QueueMove::Top);
}
bool Session::moveToBottom(DownloadId id) {
    return move(id, QueueMove::Bottom);
}

QList<DownloadId> Session::queueOrder() const {
    return m_order;
}

bool Session::move(DownloadId id, QueueMove how) {
    const qsizetype from = m_order.indexOf(id);
    if (from < 0) {
        return false;
    }
    const qsizetype last = m_order.size() - 1;
    qsizetype to = from;
    switch (how) {
    case QueueMove::Up:
        to = std::max<qsizetype>(0, from - 1);
        break;
    case QueueMove::Down:
        to = std::min(last, from + 1);
        break;
    case QueueMove::Top:
        to = 0;
        break;
    case QueueMove::Bottom:
        to = last;
        break;
    }
    if (to == from) {
        return false;
    }
    m_order.move(from, to);
    // The same move in the pool keeps both orders alike in the usual case; when the neighbour
    // it passed is not in the pool (a finished download restored from the store), the
    // pool's move would differ, and syncEngineOrder() sets it right.
    if (const DownloadId e = engineId(id)) {
        switch (how) {
        case QueueMove::Up:
            m_engine->moveUp(e);
            break;
        case QueueMove::Down:
            m_engine->moveDown(e);
            break;
        case QueueMove::Top:
            m_engine->moveToTop(e);
            break;
        case QueueMove::Bottom:
            m_engine->moveToBottom(e);
            break;
        }
    }
    syncEngineOrder();
    savePositions();
    emit queueOrderChanged();
    return true;
}

void Session::syncEngineOrder() {
    std::vector<DownloadId> wanted;
    for (const DownloadId id : std::as_const(m_order)) {
        if (const DownloadId e = engineId(id)) {
            wanted.push_back(e);
        }
    }
    std::vector<DownloadId> current;
    for (const DownloadId e : m_engine->queueOrder()) {
        if (m_fromEngine.contains(e)) { // not one removed a moment ago
            current.push_back(e);
        }
    }
    if (current == wanted) {
        return;
    }
    // Rebuilt from the top: each one to the bottom in turn leaves them in m_order's order.
    for (const DownloadId e : wanted) {
        m_engine->moveToBottom(e);
    }
}

void Session::savePositions() {
    if (!m_store) {
        return;
    }
    QList<qint64> keys;
    for (const DownloadId id : std::as_const(m_order)) {
        if (const auto entry = m_entries.constFind(id);
            entry != m_entries.constEnd() && entry->key != 0) {
            keys.append(entry->key);
        }
    }
    m_store->setPositions(keys);
}

} // namespace maria2
