#include "StatusFilterList.h"

#include "Icons.h"

#include <QFontMetrics>
#include <algorithm>

namespace maria2::gui {

namespace {

const char* iconName(DownloadsFilter::Group group) {
    switch (group) {
    case DownloadsFilter::All:
        return "all";
    case DownloadsFilter::Active:
        return "active";
    case DownloadsFilter::Queued:
        return "queued";
    case DownloadsFilter::Completed:
        return "completed";
    case DownloadsFilter::Failed:
        return "failed";
    case DownloadsFilter::GroupCount:
        break;
    }
    return "all";
}

} // namespace

StatusFilterList::StatusFilterList(QWidget* parent)
    : QListWidget(parent) {
    setObjectName(QStringLiteral("statusFilterList"));
    setAccessibleName(tr("Show downloads by status"));
    setSelectionMode(QAbstractItemView::SingleSelection);
    setUniformItemSizes(true);
    setFrameShape(QFrame::NoFrame);
    setIconSize(QSize(16, 16));
    // The window's background, like a sidebar, in light and dark palettes alike.
    setBackgroundRole(QPalette::Window);
    viewport()->setBackgroundRole(QPalette::Window);
    for (int g = 0; g < DownloadsFilter::GroupCount; ++g) {
        const auto group = DownloadsFilter::Group(g);
        auto* item = new QListWidgetItem(resourceIcon(iconName(group)),
                                         DownloadsFilter::groupName(group), this);
        item->setData(Qt::UserRole, g);
    }
    setCurrentRow(0);
    connect(this, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0)
            emit groupChosen(DownloadsFilter::Group(row));
    });
    showCounts({});
}

DownloadsFilter::Group StatusFilterList::currentGroup() const {
    const int row = currentRow();
    return row < 0 ? DownloadsFilter::All : DownloadsFilter::Group(row);
}

void StatusFilterList::setCurrentGroup(DownloadsFilter::Group group) {
    setCurrentRow(int(group));
}

QString StatusFilterList::entryText(DownloadsFilter::Group group) const {
    const QListWidgetItem* it = item(int(group));
    return it ? it->text() : QString();
}

void StatusFilterList::showCounts(const DownloadsModel::Totals& totals) {
    for (int g = 0; g < DownloadsFilter::GroupCount; ++g) {
        const auto group = DownloadsFilter::Group(g);
        const QString text = tr("%1 (%2)")
                                 .arg(DownloadsFilter::groupName(group))
                                 .arg(DownloadsFilter::count(totals, group));
        QListWidgetItem* it = item(g);
        if (it->text() != text) // ten batches a second: repaint only what changed
            it->setText(text);
    }
}

QSize StatusFilterList::sizeHint() const {
    const QFontMetrics fm(font());
    int width = 0;
    for (int g = 0; g < DownloadsFilter::GroupCount; ++g) {
        width = std::max(
            width, fm.horizontalAdvance(DownloadsFilter::groupName(DownloadsFilter::Group(g)) +
                                        QStringLiteral(" (00000)")));
    }
    return {width + iconSize().width() + 32, QListWidget::sizeHint().height()};
}

} // namespace maria2::gui
