#include "session/KeepAwake.h"

#include "session/Session.h"
#include "session/SleepInhibitor.h"

#include <QTimer>
#include <algorithm>
#include <spdlog/spdlog.h>

namespace maria2 {

KeepAwake::KeepAwake(Session* session, std::unique_ptr<SleepInhibitor> inhibitor, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_inhibitor(std::move(inhibitor))
    , m_releaseTimer(new QTimer(this)) {
    m_releaseTimer->setSingleShot(true);
    m_releaseTimer->setInterval(kDefaultReleaseDelayMs);
    connect(m_releaseTimer, &QTimer::timeout, this, &KeepAwake::release);
    if (session == nullptr) {
        m_stopped = true;
        return;
    }
    connect(session, &Session::downloadAdded, this, &KeepAwake::onSnapshot);
    connect(session, &Session::downloadStateChanged, this, &KeepAwake::onSnapshot);
    connect(session, &Session::progress, this, [this](const QList<DownloadSnapshot>& batch) {
        for (const DownloadSnapshot& s : batch) {
            onSnapshot(s);
        }
    });
    connect(session, &Session::downloadRemoved, this, &KeepAwake::onRemoved);
    connect(session, &Session::idle, this, [this] {
        m_flowing.clear(); // nothing runs: whatever a lost snapshot said
        update();
    });
    connect(session, &Session::configChanged, this, &KeepAwake::update);
    // A Session going away without stop() first: let go at once.
    connect(session, &QObject::destroyed, this, &KeepAwake::stop);
    for (const DownloadSnapshot& s : session->downloads()) {
        onSnapshot(s);
    }
}

KeepAwake::~KeepAwake() {
    stop();
}

void KeepAwake::setReleaseDelayMs(int ms) {
    m_releaseTimer->setInterval(std::max(ms, 0));
}

void KeepAwake::stop() {
    if (m_session != nullptr) {
        disconnect(m_session, nullptr, this, nullptr);
    }
    m_stopped = true;
    m_flowing.clear();
    release();
}

void KeepAwake::onSnapshot(const DownloadSnapshot& snapshot) {
    const bool flowing =
        snapshot.state == DownloadState::Downloading && snapshot.speedBytesPerSec > 0;
    const bool was = m_flowing.contains(snapshot.id);
    if (flowing == was) {
        return;
    }
    if (flowing) {
        m_flowing.insert(snapshot.id);
    } else {
        m_flowing.remove(snapshot.id);
    }
    update();
}

void KeepAwake::onRemoved(DownloadId id) {
    if (m_flowing.remove(id)) {
        update();
    }
}

void KeepAwake::update() {
    const bool wanted = !m_stopped && !m_flowing.isEmpty() && m_session != nullptr &&
                        m_session->config().ui.keepAwake;
    if (wanted) {
        m_releaseTimer->stop();
        acquire();
    } else if (m_holding && !m_releaseTimer->isActive()) {
        const bool turnedOff = m_session == nullptr || !m_session->config().ui.keepAwake;
        if (m_stopped || turnedOff || m_releaseTimer->interval() == 0) {
            release();
        } else {
            m_releaseTimer->start();
        }
    }
}

void KeepAwake::acquire() {
    if (m_holding || m_inhibitor == nullptr) {
        return;
    }
    m_holding = true; // even when refused: asked once per stretch of transfers, not per batch
    m_granted = m_inhibitor->acquire("Downloading files");
    if (m_granted) {
        spdlog::info("Keeping the computer awake while downloads are transferring");
    } // else the inhibitor has said once why it cannot
}

void KeepAwake::release() {
    m_releaseTimer->stop();
    if (!m_holding) {
        return;
    }
    m_holding = false;
    if (m_inhibitor != nullptr) {
        m_inhibitor->release();
    }
    if (m_granted) {
        spdlog::info("The computer may sleep again: no download is transferring");
    }
    m_granted = false;
}

} // namespace maria2
