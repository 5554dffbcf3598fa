#pragma once
// ProgressDelegate: paints the Progress column as a native progress bar. It reads only the
// index's own data (RawValueRole permille and StateRole), so it works through any proxy.
#include <QStyledItemDelegate>

namespace maria2::gui {

class ProgressDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace maria2::gui
