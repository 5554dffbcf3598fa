#pragma once
// StatusFilterList: the side list of the main window that picks the table's status group
// ("All (12)", "Active (3)", "Queued (5)", "Completed (4)", "Failed (0)"), as in a torrent
// client's sidebar. The counts come from the model's totals, updated with every batch.
#include "DownloadsFilter.h"

#include <QListWidget>

namespace maria2::gui {

class StatusFilterList final : public QListWidget {
    Q_OBJECT
public:
    explicit StatusFilterList(QWidget* parent = nullptr);

    DownloadsFilter::Group currentGroup() const;
    void setCurrentGroup(DownloadsFilter::Group group);
    // The text of a group's entry, e.g. "Active (3)".
    QString entryText(DownloadsFilter::Group group) const;
    QSize sizeHint() const override;

public slots:
    void showCounts(const maria2::gui::DownloadsModel::Totals& totals);

signals:
    void groupChosen(maria2::gui::DownloadsFilter::Group group);
};

} // namespace maria2::gui
