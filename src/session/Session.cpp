#include "session/Session.h"

#include "core/engine/Engine.h"
#include "session/QtDigest.h"

#include <QDateTime>
#include <QMetaObject>

namespace maria2 {

// Runs on the engine thread; hands every event to the Session's thread as a queued call.
// The Session is the context object, so calls still queued when it dies are dropped.
class Session::Listener final : public EngineListener {
public:
    explicit Listener(Session* session)
        : m_session(session) {}

    void onStateChanged(const DownloadSnapshot& snapshot) override {
        QMetaObject::invokeMethod(
            m_session, [s = m_session, snapshot] { s->onEngineState(snapshot); },
            Qt::QueuedConnection);
    }

    void onProgress(const std::vector<DownloadSnapshot>& batch) override {
        QList<DownloadSnapshot> list(batch.begin(), batch.end());
        QMetaObject::invokeMethod(
            m_session, [s = m_session, list = std::move(list)] { s->onEngineProgress(list); },
            Qt::QueuedConnection);
    }

private:
    Session* m_session;
};

Session::Session(const Config& config, QObject* parent)
    : QObject(parent)
    , m_config(config)
    , m_listener(std::make_unique<Listener>(this))
    , m_engine(std::make_unique<Engine>(m_config, *m_listener, qtDigestFactory())) {
    qRegisterMetaType<maria2::DownloadSnapshot>();
    qRegisterMetaType<QList<maria2::DownloadSnapshot>>();
    m_engine->start();
}

Session::~Session() {
    shutdown();
}

DownloadId Session::add(const DownloadRequest& request) {
    DownloadRequest r = request;
    if (r.directory.empty()) {
        r.directory = m_config.download.directory;
    }
    const DownloadId id = m_engine->add(r);
    DownloadSnapshot s;
    s.id = id;
    s.url = r.url;
    s.directory = r.directory;
    s.fileName = r.fileName;
    s.state = r.startPaused ? DownloadState::Paused : DownloadState::Queued;
    s.addedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_order.append(id);
    m_latest.insert(id, s);
    emit downloadAdded(s);
    checkIdle();
    return id;
}

void Session::pause(DownloadId id) {
    m_engine->pause(id);
}
void Session::resume(DownloadId id) {
    m_engine->resume(id);
}
void Session::remove(DownloadId id, bool deleteFiles) {
    m_engine->remove(id, deleteFiles);
}
void Session::pauseAll() {
    m_engine->pauseAll();
}
void Session::resumeAll() {
    m_engine->resumeAll();
}
void Session::setMaxConcurrentDownloads(int n) {
    m_engine->setMaxConcurrentDownloads(n);
}

QList<DownloadSnapshot> Session::downloads() const {
    QList<DownloadSnapshot> list;
    list.reserve(m_order.size());
    for (DownloadId id : m_order) {
        list.append(m_latest.value(id));
    }
    return list;
}

DownloadSnapshot Session::download(DownloadId id) const {
    return m_latest.value(id);
}

void Session::shutdown() {
    if (m_shutdown) {
        return;
    }
    m_shutdown = true;
    m_engine->stop(); // interrupts transfers; their Paused states arrive as queued calls
}

void Session::onEngineState(const DownloadSnapshot& s) {
    if (!m_latest.contains(s.id)) {
        return; // removed already
    }
    if (s.state == DownloadState::Removed) {
        m_latest.remove(s.id);
        m_order.removeOne(s.id);
        emit downloadRemoved(s.id);
    } else {
        m_latest.insert(s.id, s);
        emit downloadStateChanged(s);
    }
    checkIdle();
}

void Session::onEngineProgress(const QList<DownloadSnapshot>& batch) {
    QList<DownloadSnapshot> live;
    live.reserve(batch.size());
    for (const auto& s : batch) {
        auto it = m_latest.find(s.id);
        if (it == m_latest.end()) {
            continue;
        }
        *it = s;
        live.append(s);
    }
    if (!live.isEmpty()) {
        emit progress(live);
    }
}

void Session::checkIdle() {
    bool idleNow = true;
    for (const auto& s : std::as_const(m_latest)) {
        if (isBusy(s.state) || s.state == DownloadState::Queued) {
            idleNow = false;
            break;
        }
    }
    if (idleNow && !m_wasIdle) {
        m_wasIdle = true;
        emit idle();
    } else if (!idleNow) {
        m_wasIdle = false;
    }
}

} // namespace maria2
