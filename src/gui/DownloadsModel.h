#pragma once
// DownloadsModel: the downloads table. One row per download, fed with value snapshots from
// maria2::Session. Progress batches become row-span dataChanged signals, never resets; the rows
// follow the session's queue order (Session::queueOrderChanged) with row moves.
#include "core/types/DownloadTypes.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>
#include <QIcon>
#include <QList>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QTimer>
#include <functional>

namespace maria2 {
class Session;
}

namespace maria2::gui {

class DownloadsModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Name,
        Size,
        Progress,
        Speed,
        Eta,
        Connections,
        Engine,
        Status,
        Added, // when it was added (local date and time); sorts by addedAtMs
        ColumnCount
    };

    enum Role {
        // Sortable value of a cell: bytes, permille (0..1000, -1 unknown), bytes/s, seconds
        // (+infinity when unknown, so unknown sorts last), connections, int(DownloadState),
        // epoch ms (Added) ...
        RawValueRole = Qt::UserRole + 1,
        IdRole,        // qulonglong DownloadId, on every column
        StateRole,     // int(DownloadState), on every column
        FilePathRole,  // QString, where the finished file is / will be
        DirectoryRole, // QString, the target folder
        UrlRole,       // QString, the URL as the session shows it (credentials redacted)
    };

    // Aggregates for the status bar, kept up to date row by row: a batch costs O(rows changed).
    struct Totals {
        double speedBytesPerSec = 0;
        int active = 0; // connecting, downloading, retrying
        int queued = 0;
        int paused = 0;
        int completed = 0;
        int failed = 0;
        int attention = 0; // link expired or file changed: waiting for the person
        // Counts a row's state change, add or removal: when it moved, a selected row's actions
        // may have changed even where the counts did not.
        quint64 stateGeneration = 0;
        bool operator==(const Totals&) const = default;
    };

    explicit DownloadsModel(QObject* parent = nullptr);

    // Connects to the session's signals and loads its current downloads (replaces the rows).
    void attach(maria2::Session* session);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    int rowOf(DownloadId id) const { return m_rowOf.value(id, -1); }
    const DownloadSnapshot& snapshotAt(int row) const { return m_rows.at(row).snap; }
    Totals totals() const { return m_totals; }

    // Formatting shared with the status bar; public so tests can pin the formats down.
    static QString formatSize(double bytes);        // "812 B", "12.3 MiB"
    static QString formatSpeed(double bytesPerSec); // "1.2 MiB/s"
    static QString formatEta(double seconds);       // "45s", "1m 05s", "2h 03m", "3d 04h"
    static QString stateName(DownloadState state);  // translated
    static int permille(const DownloadSnapshot& s); // 0..1000, -1 when the size is unknown
    // The Name column: the file name, else the URL's last segment, else the URL.
    static QString displayName(const DownloadSnapshot& s);
    // The Added column: local date and time, short ("27/11/2026 19:05"); empty for 0.
    static QString formatAdded(std::int64_t addedAtMs);
    // The Status column's text: the state, and for stopped ones why and what to do; for running
    // and waiting ones what holds them back ("Downloading — speed limit").
    QString statusText(const DownloadSnapshot& s, qint64 retryAtMs = -1) const;
    // Short and translated ("speed limit", "waiting for a slot"); empty for none and network.
    static QString bottleneckText(Bottleneck bottleneck);
    // A sentence for the tooltip: what holds it back and what would help.
    static QString bottleneckExplanation(Bottleneck bottleneck);

public slots:
    void addDownload(const maria2::DownloadSnapshot& snapshot);
    // A state change: the whole row may differ.
    void updateDownload(const maria2::DownloadSnapshot& snapshot);
    // A batch of progress: only changed cells are announced, per contiguous row span.
    void applyProgress(const QList<maria2::DownloadSnapshot>& snapshots);
    void removeDownload(maria2::DownloadId id);
    void clear();
    // Reorders the rows to the session's queue order: the rows named take the places those rows
    // hold now, in the order given; others stay put. Moves rows (beginMoveRows), never resets.
    void applyOrder(const QList<maria2::DownloadId>& order);

signals:
    // After an add / state change / progress batch / removal that changed the totals.
    void totalsChanged();

private:
    struct Row {
        DownloadSnapshot snap;
        qint64 retryAtMs = -1; // on m_clock; lets the countdown tick between snapshots
        bool counted = false;  // its part is in m_counts (see count())
    };

    // Every change of a row's snapshot goes through here: the totals and the retrying rows
    // follow it (O(1); see count()).
    void store(Row& row, const DownloadSnapshot& s);
    // Adds (sign +1) or takes away (-1) a row's part of the counts (and the speed of a running
    // one) and its place in m_retrying.
    void count(Row& row, int sign);
    // Emits totalsChanged when the counts differ from the last ones published.
    void publishTotals();
    void tickRetryCountdown();
    void updateRetryTicker();
    // (row, column mask) as dataChanged per contiguous span; beforeSpan(first, last) runs just
    // before each span's signal.
    void emitRowSpans(QList<QPair<int, unsigned>> changes,
                      const std::function<void(int, int)>& beforeSpan = {});
    QVariant displayData(const Row& r, int column) const;
    QVariant rawData(const DownloadSnapshot& s, int column) const;
    QIcon iconFor(const DownloadSnapshot& s) const;
    static QIcon statusIcon(DownloadState state);
    // Bit mask of the columns whose shown or raw value differs between two snapshots.
    static unsigned changedColumns(const DownloadSnapshot& before, const DownloadSnapshot& after);
    void rebuildRowIndex(int fromRow);
    void reorderAsLayoutChange(const QList<DownloadId>& desired);

    QPointer<maria2::Session> m_session;
    QList<Row> m_rows;
    QHash<DownloadId, int> m_rowOf;
    Totals m_totals;             // what totals() returns; the last one published
    Totals m_counts;             // the counts (and speed) as the rows stand now
    QSet<DownloadId> m_retrying; // the rows counting down to a retry
    QElapsedTimer m_clock;
    QTimer m_retryTicker;
    mutable QHash<QString, QIcon> m_iconBySuffix; // icon lookups hit the MIME db: cache them
};

} // namespace maria2::gui
