#pragma once
// SegmentMap: one bar for the whole file. The ranges already on disk are filled, every open
// connection's range is outlined with a tick where it writes next, and an endgame duplicate
// ("racing") is hatched so it stands out from the connection that holds the same bytes.
// Colours come from the palette (light and dark themes); drawing is in logical coordinates,
// so it stays crisp at any device pixel ratio. Hovering shows the bytes under the cursor.
#include "core/types/DownloadTypes.h"

#include <QColor>
#include <QRectF>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <utility>
#include <vector>

namespace maria2::gui {

class SegmentMap final : public QWidget {
    Q_OBJECT
public:
    explicit SegmentMap(QWidget* parent = nullptr);

    // Takes the size, done ranges and connections of one download; repaints.
    void setDetails(const maria2::DownloadDetails& details);
    void clear();

    std::int64_t totalBytes() const { return m_total; }
    std::int64_t doneBytes() const { return m_done; }
    // doneBytes / totalBytes in 0..1; -1 when the size is unknown. An empty file is done.
    double doneFraction() const;
    int connectionCount() const { return int(m_connections.size()); }

    // What the tooltip says at x (widget coordinates): the byte there, the done or missing
    // range around it and the connection writing it, if any. Empty off the bar.
    QString describeAt(double x) const;
    // The colours a person sees, for tests: done ranges, missing ones, a connection's head.
    QColor doneColor() const;
    QColor missingColor() const;
    QColor headColor(bool paused) const;
    // The bar's rectangle inside the widget (logical pixels).
    QRectF barRect() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    double xOf(std::int64_t byte, const QRectF& bar) const;
    void paintUnknownSize(QPainter& painter, const QRectF& bar);

    std::int64_t m_total = -1;
    std::int64_t m_done = 0;
    std::vector<std::pair<std::int64_t, std::int64_t>> m_doneRanges;
    std::vector<ConnectionDetail> m_connections;
};

} // namespace maria2::gui
