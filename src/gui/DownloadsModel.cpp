#include "DownloadsModel.h"

#include "session/Session.h"

#include <QDateTime>
#include <QHash>
#include <QLocale>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <limits>

namespace maria2::gui {

namespace {

constexpr unsigned columnBit(int column) {
    return 1u << column;
}
constexpr unsigned allColumns = (1u << DownloadsModel::ColumnCount) - 1;

// Columns a progress tick can touch: a state change repaints the whole row anyway.
// A stalled transfer is still live: its (low) speed and open-ended ETA stay visible.
bool speedShown(DownloadState state) {
    return state == DownloadState::Downloading || state == DownloadState::Stalled;
}

// Connections only mean something while a transfer is open.
bool connectionsShown(DownloadState state) {
    return isActive(state);
}

} // namespace

DownloadsModel::DownloadsModel(QObject* parent)
    : QAbstractTableModel(parent) {
    m_clock.start();
    // The retry countdown is the only text that changes without a snapshot: one coarse
    // tick per second, running only while some row is waiting to retry.
    m_retryTicker.setInterval(1000);
    m_retryTicker.setTimerType(Qt::CoarseTimer);
    connect(&m_retryTicker, &QTimer::timeout, this, &DownloadsModel::tickRetryCountdown);
}

void DownloadsModel::attach(maria2::Session* session) {
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_session = session;

    beginResetModel();
    m_rows.clear();
    m_counts = Totals{};
    m_retrying.clear();
    if (session) {
        QList<DownloadSnapshot> all = session->downloads();
        // In queue order; downloads the queue does not list keep their place after those.
        const QList<DownloadId> order = session->queueOrder();
        QHash<DownloadId, qsizetype> rankOf;
        rankOf.reserve(order.size());
        for (qsizetype i = 0; i < order.size(); ++i)
            rankOf.insert(order.at(i), i);
        const auto rank = [&rankOf, &order](DownloadId id) {
            return rankOf.value(id, order.size());
        };
        std::stable_sort(all.begin(), all.end(),
                         [&rank](const auto& a, const auto& b) { return rank(a.id) < rank(b.id); });
        m_rows.reserve(all.size());
        for (const DownloadSnapshot& s : all) {
            if (s.state == DownloadState::Removed)
                continue;
            m_rows.append(Row{});
            store(m_rows.last(), s);
        }
    }
    rebuildRowIndex(0);
    endResetModel();

    if (session) {
        connect(session, &Session::downloadAdded, this, &DownloadsModel::addDownload);
        connect(session, &Session::downloadStateChanged, this, &DownloadsModel::updateDownload);
        connect(session, &Session::progress, this, &DownloadsModel::applyProgress);
        connect(session, &Session::downloadRemoved, this, &DownloadsModel::removeDownload);
        connect(session, &Session::queueOrderChanged, this, [this] {
            if (m_session)
                applyOrder(m_session->queueOrder());
        });
    }
    m_counts.stateGeneration = m_totals.stateGeneration + 1;
    publishTotals();
}

int DownloadsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int DownloadsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DownloadsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows.at(index.row());
    const DownloadSnapshot& s = r.snap;
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole:
        return displayData(r, column);
    case RawValueRole:
        return rawData(s, column);
    case IdRole:
        return QVariant::fromValue<qulonglong>(s.id);
    case StateRole:
        return int(s.state);
    case FilePathRole:
        return QString::fromStdString(s.filePath);
    case DirectoryRole:
        return QString::fromStdString(s.directory);
    case UrlRole:
        return QString::fromStdString(s.url);
    case Qt::DecorationRole:
        if (column == Name)
            return iconFor(s);
        if (column == Status) {
            const QIcon icon = statusIcon(s.state);
            return icon.isNull() ? QVariant() : QVariant(icon);
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column == Size || column == Speed || column == Eta || column == Connections)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        if (column == Progress)
            return int(Qt::AlignCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == Name) {
            QString tip = QString::fromStdString(s.url);
            if (!s.filePath.empty())
                tip += QLatin1Char('\n') + QString::fromStdString(s.filePath);
            return tip;
        }
        // The status may be elided in the column: the tooltip has all of it.
        if (column == Status && !s.errorMessage.empty()) {
            const QString status = statusText(s, r.retryAtMs);
            const QString message = QString::fromStdString(s.errorMessage);
            return status.contains(message) ? status : status + QStringLiteral("\n\n") + message;
        }
        if (column == Status && !isFinal(s.state)) {
            const QString why = bottleneckExplanation(s.bottleneck);
            if (!why.isEmpty())
                return statusText(s, r.retryAtMs) + QStringLiteral("\n\n") + why;
        }
        if (column == Speed && s.maxSpeed > 0)
            return tr("Limited to %1").arg(formatSpeed(double(s.maxSpeed)));
        if (column == Connections && connectionsShown(s.state))
            return tr("%n open connection(s)", nullptr, s.connections);
        // The router's decision with every engine's score.
        if (column == Engine && !s.route.empty())
            return tr("Routed: %1").arg(QString::fromStdString(s.route));
        if (column == Added && s.addedAtMs > 0)
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(s.addedAtMs),
                                      QLocale::LongFormat);
        return {};
    default:
        return {};
    }
}

QVariant DownloadsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::TextAlignmentRole) {
        if (section == Size || section == Speed || section == Eta || section == Connections)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole && section == Connections)
        return tr("Open connections of a running download");
    if (role == Qt::ToolTipRole && section == Engine)
        return tr("The engine of the pool that runs the download (hover a row for the scores)");
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Name:
        return tr("Name");
    case Size:
        return tr("Size");
    case Progress:
        return tr("Progress");
    case Speed:
        return tr("Speed");
    case Eta:
        return tr("ETA");
    case Connections:
        return tr("Connections");
    case Engine:
        return tr("Engine");
    case Status:
        return tr("Status");
    case Added:
        return tr("Added");
    case ColumnCount:
        break;
    }
    return {};
}

QVariant DownloadsModel::displayData(const Row& r, int column) const {
    const DownloadSnapshot& s = r.snap;
    switch (Column(column)) {
    case Name:
        return displayName(s);
    case Size:
        return s.totalBytes >= 0 ? formatSize(double(s.totalBytes)) : tr("Unknown");
    case Progress: {
        const int pm = permille(s);
        if (pm < 0)
            return formatSize(double(s.doneBytes));
        return QStringLiteral("%1%").arg(pm / 10.0, 0, 'f', 1);
    }
    case Speed:
        return speedShown(s.state) ? formatSpeed(s.speedBytesPerSec) : QString();
    case Eta:
        if (!speedShown(s.state))
            return QString();
        return s.etaSeconds >= 0 ? formatEta(s.etaSeconds) : QStringLiteral("\u221e");
    case Connections:
        // "0" while the first one is still being opened would look broken: blank instead.
        return connectionsShown(s.state) && s.connections > 0 ? QString::number(s.connections)
                                                              : QString();
    case Engine:
        return QString::fromStdString(s.engine);
    case Status:
        return statusText(s, r.retryAtMs);
    case Added:
        return formatAdded(s.addedAtMs);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant DownloadsModel::rawData(const DownloadSnapshot& s, int column) const {
    switch (Column(column)) {
    case Name:
        return displayName(s);
    case Size:
        return qlonglong(s.totalBytes);
    case Progress:
        return permille(s);
    case Speed:
        return speedShown(s.state) ? s.speedBytesPerSec : 0.0;
    case Eta:
        // Unknown (or not running) sorts after every real estimate.
        if (!speedShown(s.state) || s.etaSeconds < 0)
            return std::numeric_limits<double>::infinity();
        return s.etaSeconds;
    case Connections:
        return connectionsShown(s.state) ? s.connections : 0;
    case Engine:
        return QString::fromStdString(s.engine);
    case Status:
        return int(s.state);
    case Added:
        return qlonglong(s.addedAtMs);
    case ColumnCount:
        break;
    }
    return {};
}

int DownloadsModel::permille(const DownloadSnapshot& s) {
    // Verifying: every byte is here, only the checksum is being read.
    if (s.state == DownloadState::Completed || s.state == DownloadState::Verifying)
        return 1000;
    if (s.totalBytes < 0)
        return -1;
    if (s.totalBytes == 0)
        return 0;
    const double f =
        double(std::clamp<std::int64_t>(s.doneBytes, 0, s.totalBytes)) / double(s.totalBytes);
    return int(f * 1000.0); // floor: never show 100% before the last byte
}

unsigned DownloadsModel::changedColumns(const DownloadSnapshot& a, const DownloadSnapshot& b) {
    if (a.state != b.state)
        return allColumns;
    unsigned mask = 0;
    if (a.fileName != b.fileName || a.url != b.url)
        mask |= columnBit(Name);
    if (a.totalBytes != b.totalBytes)
        mask |= columnBit(Size) | columnBit(Progress);
    if (permille(a) != permille(b) || (b.totalBytes < 0 && a.doneBytes != b.doneBytes))
        mask |= columnBit(Progress);
    if (speedShown(b.state) && a.speedBytesPerSec != b.speedBytesPerSec)
        mask |= columnBit(Speed);
    if (speedShown(b.state) && a.etaSeconds != b.etaSeconds)
        mask |= columnBit(Eta);
    if (connectionsShown(b.state) && a.connections != b.connections)
        mask |= columnBit(Connections);
    if (a.engine != b.engine || a.route != b.route)
        mask |= columnBit(Engine);
    if (a.maxSpeed != b.maxSpeed)
        mask |= columnBit(Speed); // its tooltip
    if (a.addedAtMs != b.addedAtMs)
        mask |= columnBit(Added);
    if (a.errorMessage != b.errorMessage || a.error != b.error || a.attempt != b.attempt ||
        a.bottleneck != b.bottleneck ||
        (b.state == DownloadState::Retrying && a.nextRetryInMs != b.nextRetryInMs))
        mask |= columnBit(Status);
    return mask;
}

void DownloadsModel::store(Row& row, const DownloadSnapshot& s) {
    if (row.counted) {
        if (row.snap.state != s.state)
            ++m_counts.stateGeneration;
        count(row, -1);
    }
    row.snap = s;
    row.retryAtMs = (s.state == DownloadState::Retrying && s.nextRetryInMs >= 0)
                        ? m_clock.elapsed() + s.nextRetryInMs
                        : -1;
    count(row, +1);
}

void DownloadsModel::addDownload(const maria2::DownloadSnapshot& snapshot) {
    if (snapshot.state == DownloadState::Removed)
        return;
    if (m_rowOf.contains(snapshot.id)) { // a late duplicate: treat it as an update
        updateDownload(snapshot);
        return;
    }
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(Row{});
    store(m_rows.last(), snapshot);
    m_rowOf.insert(snapshot.id, row);
    endInsertRows();
    ++m_counts.stateGeneration;
    publishTotals();
}

void DownloadsModel::updateDownload(const maria2::DownloadSnapshot& snapshot) {
    if (snapshot.state == DownloadState::Removed) {
        removeDownload(snapshot.id);
        return;
    }
    const int row = rowOf(snapshot.id);
    if (row < 0) {
        addDownload(snapshot);
        return;
    }
    store(m_rows[row], snapshot);
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    publishTotals();
}

void DownloadsModel::applyProgress(const QList<maria2::DownloadSnapshot>& snapshots) {
    QList<QPair<int, unsigned>> changes;
    QHash<int, const DownloadSnapshot*> pending; // stored when their span is announced
    changes.reserve(snapshots.size());
    for (const DownloadSnapshot& s : snapshots) {
        const int row = rowOf(s.id);
        if (row < 0 || s.state == DownloadState::Removed)
            continue; // removed meanwhile: a stale batch must not resurrect the row
        Row& r = m_rows[row];
        const unsigned mask = changedColumns(r.snap, s);
        if (mask == 0) {
            store(r, s); // nothing shown or sorted changes
            continue;
        }
        changes.append({row, mask});
        pending.insert(row, &s);
    }
    // A sorting proxy places each announced row among the others by binary search: rows
    // changed but not yet announced would break its order, so each span's rows change just
    // before their dataChanged.
    emitRowSpans(std::move(changes), [this, &pending](int first, int last) {
        for (int row = first; row <= last; ++row) {
            if (const DownloadSnapshot* s = pending.value(row))
                store(m_rows[row], *s);
        }
    });
    publishTotals();
}

void DownloadsModel::emitRowSpans(QList<QPair<int, unsigned>> changes,
                                  const std::function<void(int, int)>& beforeSpan) {
    if (changes.isEmpty())
        return;
    std::sort(changes.begin(), changes.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    const auto emitSpan = [this, &beforeSpan](int first, int last, unsigned mask) {
        if (beforeSpan)
            beforeSpan(first, last);
        int firstCol = 0;
        while (!(mask & columnBit(firstCol)))
            ++firstCol;
        int lastCol = ColumnCount - 1;
        while (!(mask & columnBit(lastCol)))
            --lastCol;
        emit dataChanged(index(first, firstCol), index(last, lastCol));
    };

    // Most rows changed: one signal over the whole range is cheaper than many spans.
    if (changes.size() * 2 > m_rows.size()) {
        unsigned mask = 0;
        for (const auto& c : changes)
            mask |= c.second;
        emitSpan(changes.first().first, changes.last().first, mask);
        return;
    }
    int first = changes.first().first;
    int last = first;
    unsigned mask = changes.first().second;
    for (qsizetype i = 1; i < changes.size(); ++i) {
        const auto& [row, rowMask] = changes.at(i);
        if (row <= last + 1) {
            last = std::max(last, row);
            mask |= rowMask;
            continue;
        }
        emitSpan(first, last, mask);
        first = last = row;
        mask = rowMask;
    }
    emitSpan(first, last, mask);
}

void DownloadsModel::removeDownload(maria2::DownloadId id) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    count(m_rows[row], -1);
    ++m_counts.stateGeneration;
    m_rows.removeAt(row);
    m_rowOf.remove(id);
    rebuildRowIndex(row);
    endRemoveRows();
    publishTotals();
}

void DownloadsModel::clear() {
    beginResetModel();
    m_rows.clear();
    m_rowOf.clear();
    m_counts = Totals{};
    m_counts.stateGeneration = m_totals.stateGeneration + 1;
    m_retrying.clear();
    endResetModel();
    publishTotals();
}

void DownloadsModel::applyOrder(const QList<maria2::DownloadId>& order) {
    // The places the listed rows hold now, ascending; they are refilled in the given order.
    QList<int> places;
    QList<DownloadId> ids;
    places.reserve(order.size());
    ids.reserve(order.size());
    QSet<DownloadId> seen;
    for (DownloadId id : order) {
        const int row = rowOf(id);
        if (row < 0 || seen.contains(id))
            continue;
        seen.insert(id);
        places.append(row);
        ids.append(id);
    }
    std::sort(places.begin(), places.end());
    QList<DownloadId> desired;
    desired.reserve(m_rows.size());
    for (const Row& r : m_rows)
        desired.append(r.snap.id);
    int misplaced = 0;
    for (qsizetype k = 0; k < places.size(); ++k) {
        misplaced += desired[places[k]] != ids[k] ? 1 : 0;
        desired[places[k]] = ids[k];
    }
    if (misplaced == 0)
        return;
    // A person's move (up, down, top, bottom) displaces one or two rows: move those, so views
    // keep selection and scroll position. A big shuffle is one layout change instead.
    if (misplaced > 16) {
        reorderAsLayoutChange(desired);
        return;
    }
    for (int target = 0; target < int(desired.size()); ++target) {
        const int from = rowOf(desired[target]);
        if (from == target)
            continue;
        // Rows before target are settled, so the one that belongs here is further down.
        beginMoveRows({}, from, from, {}, target);
        m_rows.move(from, target);
        rebuildRowIndex(target);
        endMoveRows();
    }
}

void DownloadsModel::reorderAsLayoutChange(const QList<DownloadId>& desired) {
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    QList<DownloadId> idsBefore;
    idsBefore.reserve(before.size());
    for (const QModelIndex& index : before)
        idsBefore.append(m_rows.at(index.row()).snap.id);
    QList<Row> rows;
    rows.reserve(m_rows.size());
    for (DownloadId id : desired)
        rows.append(m_rows.at(rowOf(id)));
    m_rows = std::move(rows);
    rebuildRowIndex(0);
    QModelIndexList after;
    after.reserve(before.size());
    for (qsizetype i = 0; i < before.size(); ++i)
        after.append(index(rowOf(idsBefore[i]), before[i].column()));
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void DownloadsModel::rebuildRowIndex(int fromRow) {
    if (fromRow == 0)
        m_rowOf.clear();
    for (int row = fromRow; row < int(m_rows.size()); ++row)
        m_rowOf.insert(m_rows.at(row).snap.id, row);
}

void DownloadsModel::tickRetryCountdown() {
    QList<QPair<int, unsigned>> changes;
    changes.reserve(m_retrying.size());
    for (const DownloadId id : std::as_const(m_retrying)) {
        const int row = rowOf(id);
        if (row >= 0)
            changes.append({row, columnBit(Status)});
    }
    if (changes.isEmpty())
        m_retryTicker.stop();
    emitRowSpans(std::move(changes));
}

} // namespace maria2::gui
