#include "Notifier.h"

#include "DownloadsModel.h"
#include "session/Session.h"

#include <QStringList>

namespace maria2::gui {

namespace {

constexpr int kNamesListed = 3; // "a.iso, b.zip, c.pdf and 2 more"

QString nameList(const QList<DownloadSnapshot>& downloads) {
    QStringList names;
    for (qsizetype i = 0; i < downloads.size() && i < kNamesListed; ++i)
        names << DownloadsModel::displayName(downloads.at(i));
    QString text = names.join(QStringLiteral(", "));
    if (downloads.size() > kNamesListed) {
        text =
            Notifier::tr("%1 and %n more", nullptr, int(downloads.size() - kNamesListed)).arg(text);
    }
    return text;
}

// "1 download finished" / "5 downloads finished" (the English plural without a translation file).
QString finishedCount(int n) {
    return n == 1 ? Notifier::tr("1 download finished")
                  : Notifier::tr("%n downloads finished", nullptr, n);
}

QString whyFailed(const DownloadSnapshot& s) {
    if (!s.errorMessage.empty())
        return QString::fromStdString(s.errorMessage);
    return QString::fromUtf8(describe(s.error));
}

} // namespace

Notifier::Notifier(Session* session, QObject* parent)
    : QObject(parent)
    , m_session(session) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(1500);
    connect(&m_timer, &QTimer::timeout, this, &Notifier::flush);
    if (!session)
        return;
    // Known endings (restored from the database) are not news.
    for (const DownloadSnapshot& s : session->downloads())
        m_last.insert(s.id, s.state);
    connect(session, &Session::downloadAdded, this,
            [this](const DownloadSnapshot& s) { m_last.insert(s.id, s.state); });
    connect(session, &Session::downloadStateChanged, this, &Notifier::onStateChanged);
    connect(session, &Session::downloadRemoved, this, [this](DownloadId id) { m_last.remove(id); });
}

bool Notifier::enabled() const {
    return !m_session || m_session->config().ui.notifications;
}

void Notifier::onStateChanged(const DownloadSnapshot& s) {
    const auto before = m_last.value(s.id, DownloadState::Queued);
    m_last.insert(s.id, s.state);
    if (before == s.state)
        return; // a repeated snapshot: said already
    const bool finished = s.state == DownloadState::Completed;
    // Waiting for a person (link expired, file changed) is a failure they must act on.
    const bool failed = s.state == DownloadState::Failed || needsAttention(s.state);
    if ((!finished && !failed) || !enabled())
        return;
    (finished ? m_finished : m_failed).append(s);
    if (!m_timer.isActive())
        m_timer.start();
}

void Notifier::flush() {
    m_timer.stop();
    const Message message = compose(m_finished, m_failed);
    m_finished.clear();
    m_failed.clear();
    if (!message.title.isEmpty() && enabled())
        emit notify(message.title, message.text, message.failure);
}

Notifier::Message Notifier::compose(const QList<DownloadSnapshot>& finished,
                                    const QList<DownloadSnapshot>& failed) {
    Message m;
    const int nFinished = int(finished.size());
    const int nFailed = int(failed.size());
    if (nFinished == 0 && nFailed == 0)
        return m;
    m.failure = nFailed > 0;
    if (nFailed == 0) {
        m.title = nFinished == 1 ? tr("Download finished") : finishedCount(nFinished);
        m.text = nameList(finished);
        return m;
    }
    if (nFinished == 0 && nFailed == 1) {
        m.title = tr("Download failed");
        m.text = tr("%1: %2").arg(DownloadsModel::displayName(failed.first()),
                                  whyFailed(failed.first()));
        return m;
    }
    if (nFinished == 0) {
        m.title = tr("%n downloads failed", nullptr, nFailed); // more than one here
        m.text = nameList(failed);
        return m;
    }
    m.title = tr("%1, %2").arg(finishedCount(nFinished), tr("%n failed", nullptr, nFailed));
    QStringList lines;
    lines << tr("Finished: %1").arg(nameList(finished));
    if (nFailed == 1) {
        lines << tr("Failed: %1 (%2)")
                     .arg(DownloadsModel::displayName(failed.first()), whyFailed(failed.first()));
    } else {
        lines << tr("Failed: %1").arg(nameList(failed));
    }
    m.text = lines.join(QLatin1Char('\n'));
    return m;
}

} // namespace maria2::gui
