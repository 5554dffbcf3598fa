#include "session/QueueFinishedWatch.h"

#include "session/Session.h"

#include <spdlog/spdlog.h>

namespace maria2 {

QueueFinishedWatch::QueueFinishedWatch(Session* session, QObject* parent)
    : QObject(parent)
    , m_session(session) {
    if (session == nullptr) {
        m_stopped = true;
        return;
    }
    connect(session, &Session::downloadStateChanged, this, &QueueFinishedWatch::onState);
    connect(session, &Session::idle, this, &QueueFinishedWatch::onIdle);
}

void QueueFinishedWatch::stop() {
    m_stopped = true;
    if (m_session != nullptr) {
        disconnect(m_session, nullptr, this, nullptr);
    }
}

void QueueFinishedWatch::onState(const DownloadSnapshot& snapshot) {
    if (!isBusy(snapshot.state)) {
        return;
    }
    m_ran = true;
    if (m_announced) {
        m_announced = false;
        emit queueBusyAgain();
    }
}

void QueueFinishedWatch::onIdle() {
    if (m_stopped || m_session == nullptr || !m_ran) {
        return;
    }
    const std::optional<PowerKind> kind =
        powerKindFromConfig(m_session->config().ui.whenQueueFinishes);
    if (!kind) {
        m_ran = false;
        return;
    }
    for (const DownloadSnapshot& s : m_session->downloads()) {
        if (s.state == DownloadState::Paused) {
            return; // stopped, not finished: it will go on (or the person decides)
        }
    }
    m_ran = false;
    m_announced = true;
    spdlog::info("The queue has finished; Interface.WhenQueueFinishes asks to {}", toString(*kind));
    emit queueFinished(*kind);
}

} // namespace maria2
