#include "cli/ConsoleReporter.h"
#include "core/text/Text.h"

#include "core/net/Url.h"
#include "core/text/TerminalText.h"
#include "session/Session.h"

#include <QString>

namespace maria2::cli {
namespace {

// Everything printed here may come from a server (names, ETags and messages quoting them) or
// from a URL: never hand a terminal its escape sequences.
std::string shown(const std::string& text) {
    return text::escapeForTerminal(text);
}

QString humanDuration(double seconds) {
    if (seconds < 0) {
        return QStringLiteral("-");
    }
    const qint64 s = static_cast<qint64>(seconds + 0.5);
    if (s >= 3600) {
        return QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60);
    }
    if (s >= 60) {
        return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60);
    }
    return QStringLiteral("%1s").arg(s);
}

} // namespace

ConsoleReporter::ConsoleReporter(Session& session, bool quiet, bool interactive, std::FILE* out,
                                 QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_quiet(quiet)
    , m_interactive(interactive && !quiet)
    , m_out(out) {
    m_clock.start();
    connect(&session, &Session::downloadStateChanged, this, &ConsoleReporter::onState);
    connect(&session, &Session::progress, this, &ConsoleReporter::onProgress);
    connect(&session, &Session::governorAction, this, &ConsoleReporter::onGovernorAction);
}

void ConsoleReporter::onGovernorAction(const QString& message, bool throttled) {
    if (m_quiet) {
        return;
    }
    clearLine();
    std::fprintf(stderr, "[%s] %s\n", throttled ? "WARN" : "NOTICE",
                 shown(message.toStdString()).c_str());
    std::fflush(stderr);
    drawLine();
}

void ConsoleReporter::onState(const DownloadSnapshot& s) {
    Timing& t = m_timing[s.id];
    if (isActive(s.state) && t.startedMs < 0) {
        t.startedMs = m_clock.elapsed();
        t.startBytes = s.doneBytes;
    }
    if (isFinal(s.state) || s.state == DownloadState::Paused) {
        t.endedMs = m_clock.elapsed();
    }
    // Paused for want of space (the volume is below the free-space floor): in a script that is
    // a full disk, exit code 9, not a download still in progress.
    const bool spacePaused =
        s.state == DownloadState::Paused && s.bottleneck == Bottleneck::DiskFull;
    if (s.state == DownloadState::Failed || needsAttention(s.state)) {
        m_lastError = s.error;
    } else if (spacePaused) {
        m_lastError = ErrorCode::DiskFull;
    }
    if (m_quiet) {
        return;
    }
    if (spacePaused) {
        clearLine();
        std::fprintf(stderr, "[ERROR] #%llu %s: disk full: %s\n",
                     static_cast<unsigned long long>(s.id), shown(net::redactUrl(s.url)).c_str(),
                     shown(s.errorMessage).c_str());
    }
    if (s.state == DownloadState::Completed) {
        clearLine();
        std::fprintf(m_out, "[NOTICE] Download complete: %s\n", shown(s.filePath).c_str());
    } else if (s.state == DownloadState::Failed || needsAttention(s.state)) {
        clearLine();
        std::fprintf(stderr, "[ERROR] #%llu %s: %s%s%s\n", static_cast<unsigned long long>(s.id),
                     shown(net::redactUrl(s.url)).c_str(),
                     needsAttention(s.state) ? toString(s.state) : "",
                     needsAttention(s.state) ? ": " : "", shown(s.errorMessage).c_str());
        if (s.state == DownloadState::LinkExpired) {
            std::fprintf(stderr,
                         "        the bytes are kept: run again with -c -o '%s' and a "
                         "fresh URL\n",
                         shown(s.fileName).c_str());
        }
    }
    std::fflush(m_out);
    drawLine();
}

void ConsoleReporter::onProgress(const QList<DownloadSnapshot>&) {
    drawLine();
}

void ConsoleReporter::drawLine() {
    if (!m_interactive) {
        return;
    }
    double speed = 0;
    int active = 0;
    int waiting = 0;
    const DownloadSnapshot* first = nullptr;
    const auto all = m_session.downloads();
    for (const auto& s : all) {
        if (isBusy(s.state)) {
            ++active;
            speed += s.speedBytesPerSec;
            if (first == nullptr) {
                first = &s;
            }
        } else if (s.state == DownloadState::Queued) {
            ++waiting;
        }
    }
    if (first == nullptr) {
        clearLine();
        return;
    }
    QString line = QStringLiteral("[#%1 %2").arg(first->id).arg(QString::fromStdString(
        text::formatBytes(static_cast<double>(first->doneBytes), text::Spacing::Compact)));
    if (first->totalBytes > 0) {
        line += QStringLiteral("/%1(%2%)")
                    .arg(QString::fromStdString(text::formatBytes(
                        static_cast<double>(first->totalBytes), text::Spacing::Compact)))
                    .arg(first->doneBytes * 100 / first->totalBytes);
    }
    if (first->state == DownloadState::Retrying) {
        line += QStringLiteral(" retry in %1").arg(humanDuration(first->nextRetryInMs / 1000.0));
    } else {
        line += QStringLiteral(" CN:%1 DL:%2/s")
                    .arg(first->connections)
                    .arg(QString::fromStdString(text::formatBytes(speed, text::Spacing::Compact)));
        if (first->etaSeconds >= 0) {
            line += QStringLiteral(" ETA:%1").arg(humanDuration(first->etaSeconds));
        }
        // "Why is it slow?" only when something of ours (or the server's cap) holds it back.
        if (first->bottleneck != Bottleneck::None && first->bottleneck != Bottleneck::Network) {
            line += QStringLiteral(" limit: %1").arg(QLatin1String(describe(first->bottleneck)));
        }
    }
    line += QLatin1Char(']');
    if (active > 1 || waiting > 0) {
        line += QStringLiteral(" (+%1 active, %2 waiting)").arg(active - 1).arg(waiting);
    }
    const QByteArray text = line.toLocal8Bit();
    const int pad = std::max(0, m_lineWidth - static_cast<int>(text.size()));
    std::fprintf(m_out, "\r%s%*s", text.constData(), pad, "");
    std::fflush(m_out);
    m_lineWidth = static_cast<int>(text.size());
}

void ConsoleReporter::clearLine() {
    if (m_interactive && m_lineWidth > 0) {
        std::fprintf(m_out, "\r%*s\r", m_lineWidth, "");
        m_lineWidth = 0;
    }
}

int ConsoleReporter::exitCode(bool interrupted) const {
    bool unfinished = false;
    bool failed = false;
    for (const auto& s : m_session.downloads()) {
        if (s.state == DownloadState::Failed || needsAttention(s.state) ||
            (s.state == DownloadState::Paused && s.bottleneck == Bottleneck::DiskFull)) {
            failed = true;
        } else if (s.state != DownloadState::Completed) {
            unfinished = true;
        }
    }
    if (failed) {
        return static_cast<int>(m_lastError == ErrorCode::Ok ? ErrorCode::Unknown : m_lastError);
    }
    if (unfinished || interrupted) {
        return unfinished ? static_cast<int>(ErrorCode::Unfinished) : 0;
    }
    return 0;
}

void ConsoleReporter::printSummary() {
    if (m_quiet) {
        return;
    }
    clearLine();
    std::fprintf(m_out, "\nDownload Results:\n");
    std::fprintf(m_out, "gid   |stat|avg speed  |path/URI\n");
    std::fprintf(
        m_out, "======+====+===========+=======================================================\n");
    bool anyInProgress = false;
    for (const auto& s : m_session.downloads()) {
        const Timing t = m_timing.value(s.id);
        const char* stat = "INPR";
        if (s.state == DownloadState::Completed) {
            stat = "OK";
        } else if (s.state == DownloadState::Failed || needsAttention(s.state)) {
            stat = "ERR";
        } else {
            anyInProgress = true;
        }
        double avg = 0;
        if (t.startedMs >= 0) {
            const qint64 end = t.endedMs >= 0 ? t.endedMs : m_clock.elapsed();
            const double secs = std::max<qint64>(1, end - t.startedMs) / 1000.0;
            avg = static_cast<double>(s.doneBytes - t.startBytes) / secs;
        }
        const std::string where = s.state == DownloadState::Completed || !s.filePath.empty()
                                      ? s.filePath
                                      : net::redactUrl(s.url);
        std::fprintf(m_out, "%6llu|%4s|%9s/s|%s\n", static_cast<unsigned long long>(s.id), stat,
                     text::formatBytes(avg, text::Spacing::Compact).c_str(), shown(where).c_str());
    }
    std::fprintf(m_out, "\nStatus Legend:\n(OK):download completed.(ERR):error occurred.");
    if (anyInProgress) {
        std::fprintf(m_out, "(INPR):download in-progress.");
    }
    std::fprintf(m_out, "\n");
    std::fflush(m_out);
}

} // namespace maria2::cli
