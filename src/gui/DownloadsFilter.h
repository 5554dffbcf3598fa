#pragma once
// DownloadsFilter: what the downloads table shows of the model. One status group (All, Active,
// Queued, Completed, Failed) and a search text (case-insensitive, in the name or the URL), and
// the column sort by the model's raw values. It reads the model's snapshots directly (no
// QVariant per row), and follows progress without resorting everything: a progress batch only
// re-sorts the changed rows, and only when the sorted column is among the changed ones.
#include "DownloadsModel.h"

#include <QSortFilterProxyModel>
#include <QString>

namespace maria2::gui {

class DownloadsFilter final : public QSortFilterProxyModel {
    Q_OBJECT
public:
    // The groups, in the order the side list shows them. Active: something moves now
    // (connecting, downloading, stalled, verifying). Queued: waiting to start or to retry, or
    // paused. Failed: failed, or waiting for a person (link expired, file changed).
    enum Group { All, Active, Queued, Completed, Failed, GroupCount };
    Q_ENUM(Group)

    explicit DownloadsFilter(DownloadsModel* model, QObject* parent = nullptr);

    static Group groupOf(DownloadState state);
    static QString groupName(Group group); // translated: "All", "Active" ...
    // How many downloads each group has, from the model's totals (no pass over the rows).
    static int count(const DownloadsModel::Totals& totals, Group group);

    Group group() const { return m_group; }
    QString searchText() const { return m_search; }
    DownloadsModel* downloads() const { return m_model; }

public slots:
    void setGroup(maria2::gui::DownloadsFilter::Group group);
    // Whitespace around it is ignored; empty shows all (of the group).
    void setSearchText(const QString& text);

signals:
    void filterChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    bool matchesSearch(const DownloadSnapshot& s) const;

    DownloadsModel* m_model;
    Group m_group = All;
    QString m_search;
};

} // namespace maria2::gui
