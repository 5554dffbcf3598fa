#include "DownloadsView.h"

#include <QPainter>

namespace maria2::gui {

DownloadsView::DownloadsView(QWidget* parent)
    : QTableView(parent) {
    setObjectName(QStringLiteral("downloadsView"));
}

void DownloadsView::setEmptyText(const QString& text) {
    if (text == m_emptyText)
        return;
    m_emptyText = text;
    viewport()->update();
}

void DownloadsView::paintEvent(QPaintEvent* event) {
    QTableView::paintEvent(event);
    if (!model() || model()->rowCount() > 0 || m_emptyText.isEmpty())
        return;
    QPainter painter(viewport());
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(viewport()->rect().adjusted(12, 12, -12, -12),
                     Qt::AlignCenter | Qt::TextWordWrap, m_emptyText);
}

} // namespace maria2::gui
