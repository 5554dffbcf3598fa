#include "ProgressDelegate.h"

#include "DownloadsModel.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>
#include <QStyleOptionProgressBar>
#include <algorithm>

namespace maria2::gui {

void ProgressDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                             const QModelIndex& index) const {
    const QVariant raw = index.data(DownloadsModel::RawValueRole);
    if (raw.typeId() != QMetaType::Int) { // not a progress cell
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    const int permille = raw.toInt();
    const auto state = DownloadState(index.data(DownloadsModel::StateRole).toInt());
    QStyle* style = option.widget ? option.widget->style() : QApplication::style();

    // The cell background first, so selection and alternating rows still show.
    QStyleOptionViewItem cell = option;
    initStyleOption(&cell, index);
    cell.text.clear();
    cell.icon = {};
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &cell, painter, option.widget);

    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.palette = option.palette;
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    // Qt 6 draws a vertical bar unless told otherwise.
    bar.state = (option.state & ~QStyle::State_Selected) | QStyle::State_Horizontal;
    if (permille < 0) {
        // Unknown size: an empty bar labelled with the bytes so far.
        bar.progress = 0;
        bar.text = index.data(Qt::DisplayRole).toString();
    } else {
        bar.progress = permille;
        bar.text = QStringLiteral("%1%").arg(permille / 10.0, 0, 'f', 1);
    }
    // Stopped downloads look stopped, including those waiting for a fresh link or a restart.
    // (Verifying is not stopped: its permille is already 1000, a full bar.)
    if (state == DownloadState::Paused || state == DownloadState::Failed || needsAttention(state)) {
        bar.state &= ~QStyle::State_Enabled;
        bar.palette.setCurrentColorGroup(QPalette::Disabled);
        // The style's disabled colours put pale text on a grey fill: keep the label legible
        // (muted text, a lighter fill) while the bar still reads as stopped.
        const QColor text = option.palette.color(QPalette::Active, QPalette::Text);
        const QColor base = option.palette.color(QPalette::Active, QPalette::Base);
        const QColor muted = QColor::fromRgbF(0.6f * text.redF() + 0.4f * base.redF(),
                                              0.6f * text.greenF() + 0.4f * base.greenF(),
                                              0.6f * text.blueF() + 0.4f * base.blueF());
        bar.palette.setColor(QPalette::Disabled, QPalette::Text, muted);
        bar.palette.setColor(QPalette::Disabled, QPalette::HighlightedText, muted);
        bar.palette.setColor(QPalette::Disabled, QPalette::Highlight,
                             option.palette.color(QPalette::Active, QPalette::Midlight));
    }

    painter->save();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
    painter->restore();
}

QSize ProgressDelegate::sizeHint(const QStyleOptionViewItem& option,
                                 const QModelIndex& index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(std::max(size.width(), 120));
    return size;
}

} // namespace maria2::gui
