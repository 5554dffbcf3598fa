#pragma once
// DropTarget: the small always-on-top box links can be dropped on while the main window is
// hidden or covered (Interface.DropTarget, View > Drop Target). Frameless, a tool window that
// stays on top; drag it anywhere with the mouse. It shows the MAria2 icon and the total speed.
// A drop works as on the main window (URLs, text with links, .txt lists); a double click shows
// the main window; its context menu hides it.
#include <QPoint>
#include <QStringList>
#include <QWidget>

namespace maria2::gui {

class DropTarget final : public QWidget {
    Q_OBJECT
public:
    explicit DropTarget(QWidget* parent = nullptr);

    QString speedText() const { return m_speed; }
    QSize sizeHint() const override;

public slots:
    void showSpeed(double bytesPerSecond);

signals:
    void urlsDropped(const QStringList& urls);
    void showWindowRequested();
    void hideRequested();

protected:
    void paintEvent(QPaintEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    void placeInitially();

    QString m_speed;
    bool m_hovered = false; // a drag with links is over it
    QPoint m_grabOffset;    // where in the box the mouse took hold
    bool m_dragging = false;
};

} // namespace maria2::gui
