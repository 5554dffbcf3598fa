#include "DropTarget.h"

#include "DownloadsModel.h"
#include "DroppedUrls.h"
#include "Icons.h"

#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMenu>
#include <QMimeData>
#include <QMouseEvent>
#include <QPainter>
#include <QScreen>
#include <QSettings>
#include <algorithm>

namespace maria2::gui {

namespace {

const char* const kPositionKey = "dropTarget/position";

} // namespace

DropTarget::DropTarget(QWidget* parent)
    : QWidget(parent, Qt::Tool | Qt::FramelessWindowHint | Qt::WindowStaysOnTopHint) {
    setObjectName(QStringLiteral("dropTarget"));
    setWindowTitle(tr("MAria2 Drop Target"));
    setAcceptDrops(true);
    // Not a reason to keep MAria2 running: closing the main window still quits.
    setAttribute(Qt::WA_QuitOnClose, false);
    setToolTip(tr("Drop links or .txt lists here to download them.\nDouble-click to show "
                  "MAria2; right-click to hide this box."));
    setCursor(Qt::OpenHandCursor);
    resize(sizeHint());
    showSpeed(0);
    placeInitially();
}

QSize DropTarget::sizeHint() const {
    const int em = fontMetrics().height();
    return {std::max(6 * em, fontMetrics().horizontalAdvance(QStringLiteral("999.9 MiB/s")) + em),
            5 * em};
}

void DropTarget::placeInitially() {
    const QPoint saved = QSettings().value(QLatin1String(kPositionKey)).toPoint();
    const QScreen* screen = QApplication::screenAt(saved);
    if (screen && !saved.isNull()) {
        move(saved);
        return;
    }
    // Top right of the primary screen, clear of panels.
    if (const QScreen* primary = QApplication::primaryScreen()) {
        const QRect area = primary->availableGeometry();
        move(area.right() - width() - 24, area.top() + 24);
    }
}

void DropTarget::showSpeed(double bytesPerSecond) {
    const QString text =
        bytesPerSecond > 0 ? DownloadsModel::formatSpeed(bytesPerSecond) : tr("Drop links");
    if (text == m_speed)
        return;
    m_speed = text;
    update();
}

void DropTarget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    // The palette's colours: readable in light and dark themes.
    const QPalette& pal = palette();
    const QRectF box = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    painter.setPen(QPen(m_hovered ? pal.color(QPalette::Highlight) : pal.color(QPalette::Mid),
                        m_hovered ? 2.0 : 1.0));
    painter.setBrush(pal.color(QPalette::Window));
    painter.drawRect(box);

    const int em = fontMetrics().height();
    const int iconSize = 2 * em + em / 2;
    const QRect iconRect((width() - iconSize) / 2, em / 2, iconSize, iconSize);
    QIcon icon = resourceIcon("maria2");
    if (icon.isNull())
        icon = QApplication::windowIcon();
    icon.paint(&painter, iconRect);

    painter.setPen(pal.color(QPalette::WindowText));
    const QRect textRect(0, iconRect.bottom() + em / 4, width(), height() - iconRect.bottom());
    painter.drawText(textRect, Qt::AlignHCenter | Qt::AlignTop, m_speed);
}

void DropTarget::dragEnterEvent(QDragEnterEvent* event) {
    if (!dropped::mayHoldUrls(event->mimeData()))
        return;
    event->acceptProposedAction();
    m_hovered = true;
    update();
}

void DropTarget::dragMoveEvent(QDragMoveEvent* event) {
    if (dropped::mayHoldUrls(event->mimeData()))
        event->acceptProposedAction();
}

void DropTarget::dragLeaveEvent(QDragLeaveEvent*) {
    m_hovered = false;
    update();
}

void DropTarget::dropEvent(QDropEvent* event) {
    m_hovered = false;
    update();
    const QStringList urls = dropped::urls(event->mimeData());
    if (urls.isEmpty())
        return;
    event->acceptProposedAction();
    emit urlsDropped(urls);
}

void DropTarget::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_dragging = true;
    m_grabOffset = event->globalPosition().toPoint() - frameGeometry().topLeft();
    setCursor(Qt::ClosedHandCursor);
}

void DropTarget::mouseMoveEvent(QMouseEvent* event) {
    if (m_dragging && (event->buttons() & Qt::LeftButton))
        move(event->globalPosition().toPoint() - m_grabOffset);
}

void DropTarget::mouseReleaseEvent(QMouseEvent* event) {
    if (m_dragging && event->button() == Qt::LeftButton) {
        m_dragging = false;
        setCursor(Qt::OpenHandCursor);
        QSettings().setValue(QLatin1String(kPositionKey), pos()); // where the person put it
    }
}

void DropTarget::mouseDoubleClickEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton)
        emit showWindowRequested();
}

void DropTarget::contextMenuEvent(QContextMenuEvent* event) {
    auto* menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    connect(menu->addAction(tr("&Show MAria2")), &QAction::triggered, this,
            &DropTarget::showWindowRequested);
    connect(menu->addAction(tr("&Hide Drop Target")), &QAction::triggered, this,
            &DropTarget::hideRequested);
    menu->popup(event->globalPos());
}

} // namespace maria2::gui
