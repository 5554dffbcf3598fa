// Session::requestDetails: what the details pane shows of one download, asked for and answered
// asynchronously. A download the engine runs: the request travels to its engine's thread, which
// copies the bytes on disk and the open connections from its Job; the pool adds the engine, the
// route and the scores; here the id becomes the Session's and the download's own log lines are
// added. Anything else is answered from what the Session knows, on the next turn of the loop.
#include "core/log/DownloadLogBook.h"
#include "core/pool/EnginePool.h"
#include "session/Session.h"

#include <QMetaObject>

namespace maria2 {
namespace {

// Fills what the engine did not say (it no longer has the download, or never had it) from the
// Session's latest snapshot: a completed download has all its bytes.
void fillFromSnapshot(DownloadDetails& d, const DownloadSnapshot& s) {
    if (d.totalBytes < 0) {
        d.totalBytes = s.totalBytes;
    }
    if (d.doneRanges.empty() && s.state == DownloadState::Completed && s.totalBytes > 0) {
        d.doneRanges.emplace_back(0, s.totalBytes);
    }
    if (d.engine.empty()) {
        d.engine = s.engine;
    }
    if (d.route.empty()) {
        d.route = s.route;
    }
}

} // namespace

void Session::requestDetails(DownloadId id) {
    const auto latest = m_latest.constFind(id);
    const DownloadId e = engineId(id);
    if (latest != m_latest.constEnd() && e != 0 && !m_shutdown) {
        m_engine->requestDetails(e); // answered through Listener::onDetails -> onEngineDetails
        return;
    }
    DownloadDetails d; // id 0: unknown
    if (latest != m_latest.constEnd()) {
        d.id = id;
        fillFromSnapshot(d, *latest);
    }
    // Never from inside the call: the caller may connect or update after asking.
    QMetaObject::invokeMethod(
        this, [this, d = std::move(d)] { emit detailsReady(d); }, Qt::QueuedConnection);
}

void Session::onEngineDetails(DownloadDetails details) {
    const DownloadId engine = details.id;
    const auto it = m_fromEngine.constFind(engine);
    if (it == m_fromEngine.constEnd()) {
        emit detailsReady(DownloadDetails{}); // removed while the question travelled
        return;
    }
    details.id = *it;
    fillFromSnapshot(details, m_latest.value(details.id));
    details.logLines = log::DownloadLogBook::shared()->lines(engine);
    emit detailsReady(details);
}

} // namespace maria2
