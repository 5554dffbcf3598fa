// Session: resource samples in, governor actions and metrics out (docs/throttling.md,
// "Session"). Everything here runs on the Session's thread: ResourceWatch hands each sample
// over from the monitor thread.
#include "session/ResourceWatch.h"
#include "session/Session.h"

#include "session/SessionGovernor.h"
#include "session/SessionLimits.h"
#include <QMetaObject>

#include "core/pool/EnginePool.h"

#include <QDateTime>

#include <spdlog/spdlog.h>

#include <set>

namespace maria2 {

MetricsSnapshot Session::metrics() const {
    return m_metrics;
}

void Session::applyGovernorAction(const GovernorAction& action) {
    bool throttled = m_governor->state().throttled;
    switch (action.kind) {
    case GovernorActionKind::PauseVolume:
        pauseFolder(action.volume);
        throttled = true;
        break;
    case GovernorActionKind::ResumeVolume:
        resumeFolder(action.volume);
        break;
    case GovernorActionKind::Throttle:
    case GovernorActionKind::Restore:
        break; // the pool has the new limits already (SessionGovernor::update)
    }
    spdlog::info("governor: {}", action.message);
    emit governorAction(QString::fromStdString(action.message), throttled);
}

void Session::pauseFolder(const std::string& folder) {
    const std::string message = m_governor->pauseMessage(folder);
    int paused = 0;
    for (const DownloadId id : std::as_const(m_order)) {
        const DownloadId e = engineId(id);
        const auto entry = m_entries.constFind(id);
        if (e == 0 || entry == m_entries.constEnd() || entry->request.directory != folder) {
            continue;
        }
        const DownloadState state = m_latest.value(id).state;
        // Paused ones are the person's; a verifying one writes nothing more; finished ones
        // and those waiting for a fresh link are not running.
        if (isFinal(state) || state == DownloadState::Paused || state == DownloadState::Verifying ||
            needsAttention(state)) {
            continue;
        }
        m_governor->notePaused(id, folder, message);
        m_engine->pause(e); // flushes and keeps its bytes: resumable, never a corrupt file
        ++paused;
    }
    spdlog::info("governor: {} download(s) paused in {}", paused, folder);
}

void Session::resumeFolder(const std::string& folder) {
    int resumed = 0;
    for (const DownloadId id : m_governor->takePaused(folder)) {
        if (const DownloadId e = engineId(id)) {
            m_engine->resume(e);
            ++resumed;
        }
    }
    spdlog::info("governor: {} download(s) resumed in {}", resumed, folder);
}

void Session::releaseSpacePause(DownloadId id) {
    if (!m_governor->forget(id)) {
        return;
    }
    auto it = m_latest.find(id);
    if (it == m_latest.end() || it->bottleneck != Bottleneck::DiskFull) {
        return;
    }
    it->bottleneck = Bottleneck::None;
    it->errorMessage.clear();
    save(id, *it);
    emit downloadStateChanged(*it);
}

void Session::syncFolder(DownloadId id) {
    std::string folder; // where id counts now: unfinished downloads only
    if (const auto entry = m_entries.constFind(id); entry != m_entries.constEnd()) {
        const auto latest = m_latest.constFind(id);
        const bool finished = latest != m_latest.constEnd() && isFinal(latest->state);
        if (!finished) {
            folder = entry->request.directory;
        }
    }
    const auto counted = m_folderOf.find(id);
    if (counted == m_folderOf.end() ? folder.empty() : *counted == folder) {
        return; // the common case: a state change within the unfinished ones
    }
    bool changed = false;
    if (counted != m_folderOf.end()) {
        const auto use = m_folderUse.find(*counted);
        if (use != m_folderUse.end() && --use->second <= 0) {
            m_folderUse.erase(use);
            changed = true;
        }
        m_folderOf.erase(counted);
    }
    if (!folder.empty()) {
        changed = m_folderUse[folder]++ == 0 || changed;
        m_folderOf.insert(id, std::move(folder));
    }
    if (changed) {
        syncFolders();
    }
}

void Session::syncFolders() {
    // Once per turn of the event loop, however many folders came and went in it.
    if (m_foldersSyncQueued) {
        return;
    }
    m_foldersSyncQueued = true;
    QMetaObject::invokeMethod(
        this, [this] { syncFoldersNow(); }, Qt::QueuedConnection);
}

void Session::syncFoldersNow() {
    m_foldersSyncQueued = false;
    if (!m_watch) {
        return;
    }
    std::set<std::string> folders;
    for (const auto& [folder, downloads] : m_folderUse) {
        folders.insert(folders.end(), folder);
    }
    m_watch->setFolders(folders);
}

} // namespace maria2
