#pragma once
// QueueFinishedWatch: tells when "the queue has finished" in the sense of
// Interface.WhenQueueFinishes: downloads ran, and now every one has ended (completed, failed,
// or waiting for a new link) - not merely stopped: a paused download (by the person, by the
// governor for lack of space, by quitting) means it is not over. The GUI answers queueFinished
// with a countdown (QueueFinishedPrompt) before anything is put to sleep.
#include "core/types/DownloadTypes.h"
#include "session/PowerAction.h"

#include <QObject>
#include <QPointer>

namespace maria2 {

class Session;

class QueueFinishedWatch : public QObject {
    Q_OBJECT
public:
    explicit QueueFinishedWatch(Session* session, QObject* parent = nullptr);

    // No more announcements (the app is quitting).
    void stop();

signals:
    // Every download that ran has ended and the config asks for kind. Once per run of the queue.
    void queueFinished(maria2::PowerKind kind);
    // A download runs again after queueFinished: whatever was about to happen should not.
    void queueBusyAgain();

private:
    void onState(const DownloadSnapshot& snapshot);
    void onIdle();

    QPointer<Session> m_session;
    bool m_ran = false;       // some download was busy since the last announcement
    bool m_announced = false; // queueFinished was emitted and nothing has run since
    bool m_stopped = false;
};

} // namespace maria2
