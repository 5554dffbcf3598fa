// Session::restart: a download starts over from zero, keeping its id and its place in the queue.
#include "session/Session.h"

#include "core/io/ControlFile.h"
#include "core/pool/EnginePool.h"
#include "session/SessionGovernor.h"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace maria2 {
namespace fs = std::filesystem;

void Session::restart(DownloadId id) {
    const auto entry = m_entries.find(id);
    const auto latest = m_latest.constFind(id);
    if (m_shutdown || entry == m_entries.end() || latest == m_latest.constEnd()) {
        return;
    }
    const DownloadSnapshot old = *latest;
    const bool completed = old.state == DownloadState::Completed;
    m_governor->forget(id); // a person's start: no longer held for free space

    DownloadRequest run = entry->request;
    run.startPaused = false;
    run.continuePartial = false; // from the first byte
    // The name it had (a Content-Disposition name is not in the URL): the same file again.
    const std::string name =
        old.filePath.empty() ? old.fileName : fs::path(old.filePath).filename().string();
    if (!name.empty()) {
        run.fileName = name;
    }
    // A completed file is replaced, but only when the new copy is whole (the rename at the end).
    run.allowOverwrite = run.allowOverwrite || completed;

    if (const DownloadId e = engineId(id)) {
        // Stopped and its part file deleted on the engine's thread. The new transfer goes to the
        // same engine, whose thread runs commands in order: the part file is gone and the name
        // released before the new one picks its name, so it does not become "NAME (1)".
        const std::string engineName = old.engine.empty() ? entry->request.engine : old.engine;
        if (!engineName.empty()) {
            run.engine = engineName;
        }
        m_fromEngine.remove(e); // its Removed event must not drop the download
        m_toEngine.remove(id);
        m_engine->remove(e, !completed);
    } else if (!completed && !old.filePath.empty()) {
        // Not in the engine (a failed one restored from the database): its part file is here.
        std::error_code ec;
        const fs::path part = io::partPathFor(fs::path(old.filePath));
        fs::remove(part, ec);
        fs::remove(io::controlPathFor(part), ec);
    }
    entry->restored.reset();
    startInEngine(id, run);
    syncEngineOrder(); // the pool appended it; it starts from its place in the list

    DownloadSnapshot s;
    s.id = id;
    s.state = DownloadState::Queued;
    s.url = old.url;
    s.directory = old.directory;
    s.fileName = name;
    s.filePath = old.filePath;
    s.totalBytes = old.totalBytes;
    s.checksum = old.checksum;
    s.maxSpeed = entry->request.maxSpeed;
    s.addedAtMs = entry->addedAtMs;
    s.engine = old.engine;
    m_latest.insert(id, s);
    save(id, s);
    syncFolder(id);
    spdlog::info("download #{}: restarting from zero", id);
    emit downloadStateChanged(s);
    checkIdle();
}

} // namespace maria2
