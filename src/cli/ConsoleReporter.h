#pragma once
// What maria2c prints: a live progress line on a terminal (with what limits the download when
// it is not the network), notices for finished and failed downloads, the governor's actions
// on stderr, and aria2's "Download Results" table at the end.
#include "core/types/DownloadTypes.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <cstdio>

namespace maria2 {
class Session;
}

namespace maria2::cli {

class ConsoleReporter final : public QObject {
    Q_OBJECT
public:
    // out: where the progress line, notices and summary go (stdout, or stderr when stdout
    // carries --stats-json=-); errors and governor actions always go to stderr.
    ConsoleReporter(Session& session, bool quiet, bool interactive, std::FILE* out = stdout,
                    QObject* parent = nullptr);

    // aria2's exit code for the whole run: 0 when everything completed, 7 when something is
    // unfinished after an interruption, else the code of the last failure.
    int exitCode(bool interrupted) const;
    void printSummary();
    void clearLine();

private:
    void onState(const maria2::DownloadSnapshot& s);
    void onProgress(const QList<maria2::DownloadSnapshot>& batch);
    void onGovernorAction(const QString& message, bool throttled);
    void drawLine();

    struct Timing {
        qint64 startedMs = -1;
        qint64 endedMs = -1;
        qint64 startBytes = 0;
    };

    Session& m_session;
    bool m_quiet;
    bool m_interactive;
    std::FILE* m_out;
    QElapsedTimer m_clock;
    QHash<DownloadId, Timing> m_timing;
    ErrorCode m_lastError = ErrorCode::Ok;
    int m_lineWidth = 0;
};

} // namespace maria2::cli
