#include "DownloadsFilter.h"

#include <QCollator>

namespace maria2::gui {

DownloadsFilter::DownloadsFilter(DownloadsModel* model, QObject* parent)
    : QSortFilterProxyModel(parent)
    , m_model(model) {
    setSourceModel(model);
    setSortRole(DownloadsModel::RawValueRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(true);
    // Rows follow their changes: a finished download leaves "Active" by itself, a sorted
    // column keeps its order. Qt re-sorts only the rows of a dataChanged whose span includes
    // the sort column, and the model's spans cover only the columns that changed.
    setDynamicSortFilter(true);
}

DownloadsFilter::Group DownloadsFilter::groupOf(DownloadState state) {
    switch (state) {
    case DownloadState::Connecting:
    case DownloadState::Downloading:
    case DownloadState::Stalled:
    case DownloadState::Verifying:
        return Active;
    case DownloadState::Queued:
    case DownloadState::Retrying:
    case DownloadState::Paused:
        return Queued;
    case DownloadState::Completed:
        return Completed;
    case DownloadState::Failed:
    case DownloadState::LinkExpired:
    case DownloadState::FileChanged:
        return Failed;
    case DownloadState::Removed:
        break;
    }
    return All;
}

QString DownloadsFilter::groupName(Group group) {
    switch (group) {
    case All:
        return tr("All");
    case Active:
        return tr("Active");
    case Queued:
        return tr("Queued");
    case Completed:
        return tr("Completed");
    case Failed:
        return tr("Failed");
    case GroupCount:
        break;
    }
    return {};
}

int DownloadsFilter::count(const DownloadsModel::Totals& t, Group group) {
    switch (group) {
    case All:
        return t.active + t.queued + t.paused + t.completed + t.failed + t.attention;
    case Active:
        return t.active;
    case Queued:
        return t.queued + t.paused;
    case Completed:
        return t.completed;
    case Failed:
        return t.failed + t.attention;
    case GroupCount:
        break;
    }
    return 0;
}

void DownloadsFilter::setGroup(Group group) {
    if (group == m_group || group < All || group >= GroupCount)
        return;
    m_group = group;
    invalidateRowsFilter();
    emit filterChanged();
}

void DownloadsFilter::setSearchText(const QString& text) {
    const QString trimmed = text.trimmed();
    if (trimmed == m_search)
        return;
    m_search = trimmed;
    invalidateRowsFilter();
    emit filterChanged();
}

bool DownloadsFilter::matchesSearch(const DownloadSnapshot& s) const {
    if (m_search.isEmpty())
        return true;
    if (DownloadsModel::displayName(s).contains(m_search, Qt::CaseInsensitive))
        return true;
    return QString::fromStdString(s.url).contains(m_search, Qt::CaseInsensitive);
}

bool DownloadsFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (sourceParent.isValid() || sourceRow < 0 || sourceRow >= m_model->rowCount())
        return false;
    const DownloadSnapshot& s = m_model->snapshotAt(sourceRow);
    if (m_group != All && groupOf(s.state) != m_group)
        return false;
    return matchesSearch(s);
}

bool DownloadsFilter::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    // Names compare as people read them ("file2" before "file10"); the rest by raw value.
    if (left.column() == DownloadsModel::Name || left.column() == DownloadsModel::Engine) {
        static thread_local QCollator collator = [] {
            QCollator c;
            c.setNumericMode(true);
            c.setCaseSensitivity(Qt::CaseInsensitive);
            return c;
        }();
        const QString a = left.data(sortRole()).toString();
        const QString b = right.data(sortRole()).toString();
        return collator.compare(a, b) < 0;
    }
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace maria2::gui
