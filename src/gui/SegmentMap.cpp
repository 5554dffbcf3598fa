#include "SegmentMap.h"

#include "DownloadsModel.h"

#include <QEvent>
#include <QHelpEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QStringList>
#include <QToolTip>

#include <algorithm>
#include <iterator>

namespace maria2::gui {

namespace {

// A colour between a and b (t = 0 gives a), for tints that suit light and dark palettes alike.
QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                            float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

std::int64_t endOf(const ConnectionDetail& c, std::int64_t total) {
    const std::int64_t end = c.rangeEnd < 0 ? total : c.rangeEnd;
    return total >= 0 ? std::min(end, total) : end;
}

} // namespace

SegmentMap::SegmentMap(QWidget* parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("segmentMap"));
    setAttribute(Qt::WA_OpaquePaintEvent, false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setAccessibleName(tr("Segment map"));
}

void SegmentMap::setDetails(const DownloadDetails& details) {
    m_total = details.totalBytes;
    m_doneRanges = details.doneRanges;
    std::sort(m_doneRanges.begin(), m_doneRanges.end());
    m_connections = details.connections;
    m_done = 0;
    for (const auto& [begin, end] : m_doneRanges) {
        const std::int64_t e = m_total >= 0 ? std::min(end, m_total) : end;
        m_done += std::max<std::int64_t>(0, e - begin);
    }
    update();
}

void SegmentMap::clear() {
    m_total = -1;
    m_done = 0;
    m_doneRanges.clear();
    m_connections.clear();
    update();
}

double SegmentMap::doneFraction() const {
    if (m_total < 0)
        return -1;
    if (m_total == 0)
        return 1;
    return std::clamp(double(m_done) / double(m_total), 0.0, 1.0);
}

QColor SegmentMap::doneColor() const {
    return palette().color(QPalette::Active, QPalette::Highlight);
}

QColor SegmentMap::missingColor() const {
    return palette().color(QPalette::Active, QPalette::Base);
}

QColor SegmentMap::headColor(bool paused) const {
    // The text colour contrasts with both the done fill and the empty track in any theme.
    const QColor text = palette().color(QPalette::Active, QPalette::Text);
    return paused ? mix(text, missingColor(), 0.55) : text;
}

QRectF SegmentMap::barRect() const {
    return QRectF(rect()).adjusted(1, 1, -1, -1);
}

QSize SegmentMap::sizeHint() const {
    return {400, fontMetrics().height() + 10};
}

QSize SegmentMap::minimumSizeHint() const {
    return {60, fontMetrics().height() + 6};
}

double SegmentMap::xOf(std::int64_t byte, const QRectF& bar) const {
    if (m_total <= 0)
        return bar.left();
    const double f = std::clamp(double(byte) / double(m_total), 0.0, 1.0);
    return bar.left() + f * bar.width();
}

void SegmentMap::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QRectF bar = barRect();
    painter.fillRect(bar, missingColor());
    // Nothing narrower than one device pixel, so a small done range or a range just started
    // is still seen at any zoom.
    const double hair = 1.0 / std::max(1.0, devicePixelRatioF());

    if (m_total < 0) {
        paintUnknownSize(painter, bar);
    } else if (m_total == 0) {
        painter.fillRect(bar, doneColor());
    } else {
        for (const auto& [begin, end] : m_doneRanges) {
            const double x0 = xOf(begin, bar);
            const double x1 = xOf(end, bar);
            if (x1 <= x0 && end <= begin)
                continue;
            painter.fillRect(QRectF(x0, bar.top(), std::max(x1 - x0, hair), bar.height()),
                             doneColor());
        }

        const QColor text = palette().color(QPalette::Active, QPalette::Text);
        for (const ConnectionDetail& c : m_connections) {
            const std::int64_t end = endOf(c, m_total);
            const double x0 = xOf(c.rangeStart, bar);
            const double x1 = std::max(xOf(end, bar), x0 + hair);
            const QRectF range(x0, bar.top(), x1 - x0, bar.height());
            QColor outline = text;
            outline.setAlphaF(0.6f);
            if (c.racing) {
                // Hatched and dashed: a second connection on bytes another one holds.
                QColor hatch = text;
                hatch.setAlphaF(0.35f);
                painter.fillRect(range, QBrush(hatch, Qt::BDiagPattern));
            }
            painter.setRenderHint(QPainter::Antialiasing, false);
            QPen pen(outline, 1.0, c.racing ? Qt::DashLine : Qt::SolidLine);
            pen.setJoinStyle(Qt::MiterJoin);
            painter.setPen(pen);
            painter.setBrush(Qt::NoBrush);
            painter.drawRect(range.adjusted(0, 0, -hair, -hair));

            // The write head: where this connection writes its next byte.
            const std::int64_t at =
                std::clamp(c.position, c.rangeStart, std::max(c.rangeStart, end));
            const double x = std::clamp(xOf(at, bar), bar.left(), bar.right() - 2.0);
            painter.fillRect(QRectF(x, bar.top(), 2.0, bar.height()), headColor(c.paused));
        }
    }

    painter.setRenderHint(QPainter::Antialiasing, false);
    painter.setPen(QPen(palette().color(QPalette::Active, QPalette::Mid), 1.0));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5));
}

void SegmentMap::paintUnknownSize(QPainter& painter, const QRectF& bar) {
    // Without a size no byte has a place on the bar: an even tint that says "in progress",
    // and the bytes so far in words.
    QColor tint = doneColor();
    tint.setAlphaF(0.3f);
    painter.fillRect(bar, QBrush(tint, Qt::BDiagPattern));
    painter.setPen(palette().color(QPalette::Active, QPalette::Text));
    const QString label =
        m_done > 0 || !m_connections.empty()
            ? tr("Size unknown \u00b7 %1 received").arg(DownloadsModel::formatSize(double(m_done)))
            : tr("Size unknown");
    painter.drawText(bar, Qt::AlignCenter,
                     fontMetrics().elidedText(label, Qt::ElideRight, int(bar.width()) - 4));
}

QString SegmentMap::describeAt(double x) const {
    const QRectF bar = barRect();
    if (x < bar.left() || x > bar.right())
        return {};
    const auto size = [](std::int64_t bytes) {
        return DownloadsModel::formatSize(double(bytes));
    };
    if (m_total < 0)
        return tr("Size unknown: %1 received so far").arg(size(m_done));
    if (m_total == 0)
        return tr("Empty file");

    const auto byte = std::clamp<std::int64_t>(
        std::int64_t((x - bar.left()) / bar.width() * double(m_total)), 0, m_total - 1);
    QStringList lines;
    lines << tr("At %1 of %2").arg(size(byte), size(m_total));

    // The done range around the byte, or the gap between two done ranges.
    const auto next = std::upper_bound(
        m_doneRanges.begin(), m_doneRanges.end(), byte,
        [](std::int64_t b, const std::pair<std::int64_t, std::int64_t>& r) { return b < r.first; });
    if (next != m_doneRanges.begin() && std::prev(next)->second > byte) {
        const auto& r = *std::prev(next);
        lines << tr("Done: %1 \u2013 %2 (%3)")
                     .arg(size(r.first), size(std::min(r.second, m_total)),
                          size(std::min(r.second, m_total) - r.first));
    } else {
        const std::int64_t from = next == m_doneRanges.begin() ? 0 : std::prev(next)->second;
        const std::int64_t to = next == m_doneRanges.end() ? m_total : next->first;
        lines << tr("Missing: %1 \u2013 %2 (%3)").arg(size(from), size(to), size(to - from));
    }

    for (const ConnectionDetail& c : m_connections) {
        const std::int64_t end = endOf(c, m_total);
        if (byte < c.rangeStart || byte >= end)
            continue;
        QString line = tr("Connection %1: %2 \u2013 %3, %4 of %5 written")
                           .arg(c.number)
                           .arg(size(c.rangeStart), size(end),
                                size(std::max<std::int64_t>(0, c.position - c.rangeStart)),
                                size(end - c.rangeStart));
        if (c.racing)
            line += tr(" (racing another connection)");
        if (c.paused)
            line += tr(" (held by the speed limit)");
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

bool SegmentMap::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = describeAt(help->pos().x() + 0.5);
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, this);
        }
        return true;
    }
    return QWidget::event(event);
}

} // namespace maria2::gui
