#pragma once
// Notifier: decides what to announce when downloads finish or fail (Interface.Notifications).
// It follows the session's state changes, collects the ones that finished or failed within a
// moment and announces them as one message ("5 downloads finished"), so a batch that ends
// together does not flood the desktop. The tray shows the message (QSystemTrayIcon::showMessage);
// without a tray nothing is shown, and the decision is the same (tests read it here).
#include "core/types/DownloadTypes.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

namespace maria2 {
class Session;
}

namespace maria2::gui {

class Notifier final : public QObject {
    Q_OBJECT
public:
    struct Message {
        QString title;
        QString text;
        bool failure = false; // a warning icon
    };

    explicit Notifier(maria2::Session* session, QObject* parent = nullptr);

    // The message for downloads that finished and failed at about the same time; an empty
    // title when there is nothing to say.
    static Message compose(const QList<maria2::DownloadSnapshot>& finished,
                           const QList<maria2::DownloadSnapshot>& failed);

    // How long to wait for more endings before announcing (default 1.5 s).
    void setBatchDelay(int ms) { m_timer.setInterval(ms); }
    bool hasPending() const { return !m_finished.isEmpty() || !m_failed.isEmpty(); }

public slots:
    void onStateChanged(const maria2::DownloadSnapshot& snapshot);
    // Announces what was collected now (the timer calls it).
    void flush();

signals:
    void notify(const QString& title, const QString& text, bool failure);

private:
    bool enabled() const;

    QPointer<maria2::Session> m_session;
    QHash<DownloadId, DownloadState> m_last; // what each download was, to see transitions
    QList<maria2::DownloadSnapshot> m_finished;
    QList<maria2::DownloadSnapshot> m_failed;
    QTimer m_timer;
};

} // namespace maria2::gui
