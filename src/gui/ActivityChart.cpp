#include "ActivityChart.h"

#include "DownloadsModel.h"
#include "session/Session.h"

#include <QDateTime>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <vector>

namespace maria2::gui {

namespace {

// Consecutive samples further apart than this are not joined: the app was asleep or busy.
constexpr qint64 GapMs = 5000;
constexpr double Pad = 6;

QColor withAlpha(QColor c, double alpha) {
    c.setAlphaF(float(alpha));
    return c;
}

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                            float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

} // namespace

ActivityChart::ActivityChart(QWidget* parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("activityChart"));
    setMouseTracking(true);
    setAccessibleName(tr("Activity chart"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    updateAxis();
}

void ActivityChart::attach(Session* session) {
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (!session)
        return;
    connect(session, &Session::metricsUpdated, this, &ActivityChart::addSample);
    const MetricsSnapshot latest = session->metrics();
    if (latest.atUnixMs > 0)
        addSample(latest);
}

void ActivityChart::addSample(const MetricsSnapshot& m) {
    Sample s;
    s.atMs = m.atUnixMs > 0 ? m.atUnixMs : QDateTime::currentMSecsSinceEpoch();
    s.speed = std::max(0.0, m.totalSpeedBytesPerSec);
    s.cpuPercent = m.systemCpuPercent ? std::clamp(*m.systemCpuPercent, 0.0, 100.0) : -1.0;
    s.memoryPercent = std::clamp(m.memoryUsedPercent, 0.0, 100.0);
    s.speedLimit = std::max<qint64>(0, m.speedLimit);

    if (!m_samples.empty()) {
        const qint64 last = m_samples.back().atMs;
        if (s.atMs < last - 1000) // the clock went back: the old times mean nothing now
            m_samples.clear();
        else if (s.atMs <= last) // same moment (or a hair earlier): the newer word wins
            m_samples.pop_back();
    }
    m_samples.push_back(s);
    while (!m_samples.empty() &&
           (m_samples.front().atMs <= s.atMs - WindowMs || int(m_samples.size()) > MaxSamples))
        m_samples.pop_front();
    updateAxis();
    update();
}

void ActivityChart::clear() {
    m_samples.clear();
    updateAxis();
    update();
}

double ActivityChart::niceStep(double raw) {
    if (!(raw > 0) || !std::isfinite(raw))
        return 1;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / magnitude;
    for (const double n : {1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0}) {
        if (f <= n * (1 + 1e-9))
            return n * magnitude;
    }
    return 10 * magnitude;
}

ActivityChart::SpeedAxis ActivityChart::axisFor(double peak) {
    // Never below 4 KiB/s: an idle chart has a flat line at the bottom, not a magnified jitter.
    const double top = std::max(peak, 4.0 * 1024);
    SpeedAxis axis;
    axis.unit = 1024;
    while (top >= 1024 * axis.unit && axis.unit < std::pow(1024.0, 4))
        axis.unit *= 1024;
    axis.step = niceStep(top / 4 / axis.unit) * axis.unit;
    axis.max = 4 * axis.step;
    return axis;
}

void ActivityChart::updateAxis() {
    double peak = 0;
    for (const Sample& s : m_samples)
        peak = std::max(peak, s.speed);
    // The limit line is shown when it is near the traffic; a far-off limit would flatten the
    // speed into the floor (the legend still names it).
    double scale = peak;
    for (const Sample& s : m_samples) {
        if (s.speedLimit > 0 && (peak <= 0 || double(s.speedLimit) <= 2 * peak))
            scale = std::max(scale, double(s.speedLimit));
    }
    m_axis = axisFor(scale);
}

QString ActivityChart::speedAxisLabel(double bytesPerSec) const {
    const double value = bytesPerSec / m_axis.unit;
    const QString number = locale().toString(value, 'g', 4);
    if (m_axis.unit >= std::pow(1024.0, 4))
        return tr("%1 TiB/s").arg(number);
    if (m_axis.unit >= std::pow(1024.0, 3))
        return tr("%1 GiB/s").arg(number);
    if (m_axis.unit >= std::pow(1024.0, 2))
        return tr("%1 MiB/s").arg(number);
    return tr("%1 KiB/s").arg(number);
}

QStringList ActivityChart::legendEntries() const {
    const Sample last = m_samples.empty() ? Sample{} : m_samples.back();
    QStringList entries;
    entries << tr("Speed %1").arg(DownloadsModel::formatSpeed(last.speed));
    entries << (last.cpuPercent >= 0 ? tr("CPU %1%").arg(last.cpuPercent, 0, 'f', 0)
                                     : tr("CPU \u2013"));
    entries << tr("Memory %1%").arg(last.memoryPercent, 0, 'f', 0);
    if (last.speedLimit > 0)
        entries << tr("Limit %1").arg(DownloadsModel::formatSpeed(double(last.speedLimit)));
    return entries;
}

QColor ActivityChart::speedColor() const {
    return palette().color(QPalette::Active, QPalette::Highlight);
}

QColor ActivityChart::cpuColor() const {
    return derivedColor(150);
}

QColor ActivityChart::memoryColor() const {
    return derivedColor(260);
}

QColor ActivityChart::derivedColor(int hueShift) const {
    // Hues turned away from the theme's highlight, light enough to read on its base colour.
    const QColor highlight = palette().color(QPalette::Active, QPalette::Highlight);
    const bool dark = palette().color(QPalette::Active, QPalette::Base).lightness() < 128;
    const int hue = highlight.hslHue() < 0 ? 210 : highlight.hslHue();
    return QColor::fromHsl((hue + hueShift) % 360, std::max(highlight.hslSaturation(), 160),
                           dark ? 165 : 105)
        .toRgb();
}

QSize ActivityChart::sizeHint() const {
    return {520, 200};
}

QSize ActivityChart::minimumSizeHint() const {
    return {240, 120};
}

QRectF ActivityChart::plotRect() const {
    const QFontMetricsF fm(font());
    const double left = fm.horizontalAdvance(speedAxisLabel(m_axis.max)) + 2 * Pad;
    const double right = fm.horizontalAdvance(QStringLiteral("100%")) + 2 * Pad;
    const double top = fm.height() + 2 * Pad;
    const double bottom = fm.height() + Pad;
    const QRectF r = QRectF(rect()).adjusted(left, top, -right, -bottom);
    return r.isValid() ? r : QRectF();
}

qint64 ActivityChart::newestMs() const {
    return m_samples.empty() ? QDateTime::currentMSecsSinceEpoch() : m_samples.back().atMs;
}

double ActivityChart::xOf(qint64 atMs, const QRectF& plot) const {
    const double age = double(newestMs() - atMs);
    return plot.right() - age / double(WindowMs) * plot.width();
}

double ActivityChart::ySpeed(double bytesPerSec, const QRectF& plot) const {
    const double f = m_axis.max > 0 ? std::clamp(bytesPerSec / m_axis.max, 0.0, 1.0) : 0.0;
    return plot.bottom() - f * plot.height();
}

double ActivityChart::yPercent(double percent, const QRectF& plot) {
    return plot.bottom() - std::clamp(percent / 100.0, 0.0, 1.0) * plot.height();
}

int ActivityChart::nearestSample(double x) const {
    const QRectF plot = plotRect();
    if (m_samples.empty() || plot.isEmpty() || x < plot.left() - Pad || x > plot.right() + Pad)
        return -1;
    const qint64 at =
        newestMs() - qint64((plot.right() - x) / plot.width() * double(WindowMs) + 0.5);
    const auto it = std::lower_bound(m_samples.begin(), m_samples.end(), at,
                                     [](const Sample& s, qint64 t) { return s.atMs < t; });
    int best = int(it - m_samples.begin());
    if (best >= int(m_samples.size()))
        best = int(m_samples.size()) - 1;
    if (best > 0 &&
        at - m_samples[std::size_t(best - 1)].atMs < m_samples[std::size_t(best)].atMs - at)
        --best;
    return best;
}

QString ActivityChart::describeAt(double x) const {
    const int i = nearestSample(x);
    if (i < 0)
        return {};
    const Sample& s = m_samples[std::size_t(i)];
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(s.atMs);
    const qint64 ago = (newestMs() - s.atMs + 500) / 1000;
    QStringList lines;
    lines << (ago > 0 ? tr("%1 (%2 ago)")
                            .arg(when.toString(QStringLiteral("HH:mm:ss")),
                                 DownloadsModel::formatEta(double(ago)))
                      : when.toString(QStringLiteral("HH:mm:ss")));
    lines << tr("Speed: %1").arg(DownloadsModel::formatSpeed(s.speed));
    if (s.speedLimit > 0)
        lines << tr("Limit: %1").arg(DownloadsModel::formatSpeed(double(s.speedLimit)));
    lines << (s.cpuPercent >= 0 ? tr("CPU: %1%").arg(s.cpuPercent, 0, 'f', 0)
                                : tr("CPU: not measured yet"));
    lines << tr("Memory: %1%").arg(s.memoryPercent, 0, 'f', 0);
    return lines.join(QLatin1Char('\n'));
}

void ActivityChart::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QRectF plot = plotRect();
    if (plot.isEmpty())
        return;
    painter.fillRect(plot, palette().color(QPalette::Active, QPalette::Base));
    paintGrid(painter, plot);
    if (m_samples.empty()) {
        painter.setPen(palette().color(QPalette::Active, QPalette::PlaceholderText));
        painter.drawText(plot, Qt::AlignCenter, tr("Waiting for the first measurement\u2026"));
    } else {
        painter.save();
        painter.setClipRect(plot.adjusted(0, -1, 0, 1));
        paintSeries(painter, plot);
        paintHover(painter, plot);
        painter.restore();
    }
    paintLegend(painter, plot);
}

void ActivityChart::paintGrid(QPainter& painter, const QRectF& plot) {
    const QColor text = palette().color(QPalette::Active, QPalette::Text);
    const QColor base = palette().color(QPalette::Active, QPalette::Base);
    const QColor grid = mix(base, text, 0.15);
    const QColor label = palette().color(QPalette::Active, QPalette::WindowText);
    const QFontMetricsF fm(font());

    painter.setRenderHint(QPainter::Antialiasing, false);
    // Quarters: the speed axis's steps on the left, 0..100 % on the right.
    for (int i = 0; i <= 4; ++i) {
        const double y = plot.bottom() - plot.height() * i / 4.0;
        painter.setPen(QPen(grid, 1.0));
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(label);
        const QString left = i == 0 ? QStringLiteral("0") : speedAxisLabel(m_axis.step * i);
        painter.drawText(QRectF(0, y - fm.height() / 2, plot.left() - Pad, fm.height()),
                         Qt::AlignRight | Qt::AlignVCenter, left);
        painter.drawText(QRectF(plot.right() + Pad, y - fm.height() / 2,
                                width() - plot.right() - Pad, fm.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, tr("%1%").arg(25 * i));
    }
    // One line a minute, labelled back from "now".
    const int minutes = int(WindowMs / 60000);
    for (int i = 0; i <= minutes; ++i) {
        const double x = plot.right() - plot.width() * i / double(minutes);
        painter.setPen(QPen(grid, 1.0));
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        painter.setPen(label);
        const QString text = i == 0 ? tr("now") : tr("-%1 min").arg(i);
        const double w = fm.horizontalAdvance(text);
        const double left = std::clamp(x - w / 2, 0.0, width() - w);
        painter.drawText(QRectF(left, plot.bottom() + 2, w + 1, fm.height()), Qt::AlignCenter,
                         text);
    }
    painter.setPen(QPen(palette().color(QPalette::Active, QPalette::Mid), 1.0));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(plot);
}

void ActivityChart::paintSeries(QPainter& painter, const QRectF& plot) {
    painter.setRenderHint(QPainter::Antialiasing, true);
    // Runs of samples without a gap: each is one filled area and one line per series.
    std::vector<std::pair<std::size_t, std::size_t>> runs;
    std::size_t begin = 0;
    for (std::size_t i = 1; i <= m_samples.size(); ++i) {
        if (i == m_samples.size() || m_samples[i].atMs - m_samples[i - 1].atMs > GapMs) {
            runs.emplace_back(begin, i);
            begin = i;
        }
    }

    const QColor speed = speedColor();
    for (const auto& [from, to] : runs) {
        QPainterPath line;
        for (std::size_t i = from; i < to; ++i) {
            const QPointF p(xOf(m_samples[i].atMs, plot), ySpeed(m_samples[i].speed, plot));
            if (i == from)
                line.moveTo(p);
            else
                line.lineTo(p);
        }
        if (to - from == 1) // a lone sample: a short stroke, so it is seen at all
            line.lineTo(line.currentPosition() + QPointF(-2, 0));
        QPainterPath area = line;
        area.lineTo(line.currentPosition().x(), plot.bottom());
        area.lineTo(xOf(m_samples[from].atMs, plot) - (to - from == 1 ? 2 : 0), plot.bottom());
        area.closeSubpath();
        painter.fillPath(area, withAlpha(speed, 0.28));
        painter.strokePath(line, QPen(speed, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    }

    // The limit in force: a dashed step line where one was set.
    QPen limitPen(palette().color(QPalette::Active, QPalette::Text), 1.2, Qt::DashLine);
    for (const auto& [from, to] : runs) {
        QPainterPath path;
        bool open = false;
        for (std::size_t i = from; i < to; ++i) {
            const Sample& s = m_samples[i];
            const double x0 = xOf(s.atMs, plot);
            const double x1 = i + 1 < to ? xOf(m_samples[i + 1].atMs, plot) : x0;
            if (s.speedLimit <= 0 || double(s.speedLimit) > m_axis.max) {
                open = false;
                continue;
            }
            const double y = ySpeed(double(s.speedLimit), plot);
            if (open)
                path.lineTo(x0, y);
            else
                path.moveTo(x0, y);
            path.lineTo(std::max(x1, x0 + 1), y);
            open = true;
        }
        painter.strokePath(path, limitPen);
    }

    // CPU and memory on the right axis; an unknown CPU figure breaks its line.
    const auto percentLine = [&](auto value, const QColor& color) {
        for (const auto& [from, to] : runs) {
            QPainterPath path;
            bool open = false;
            for (std::size_t i = from; i < to; ++i) {
                const double v = value(m_samples[i]);
                if (v < 0) {
                    open = false;
                    continue;
                }
                const QPointF p(xOf(m_samples[i].atMs, plot), yPercent(v, plot));
                if (open)
                    path.lineTo(p);
                else
                    path.moveTo(p);
                open = true;
            }
            painter.strokePath(path, QPen(color, 1.3, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        }
    };
    percentLine([](const Sample& s) { return s.cpuPercent; }, cpuColor());
    percentLine([](const Sample& s) { return s.memoryPercent; }, memoryColor());
}

void ActivityChart::paintHover(QPainter& painter, const QRectF& plot) {
    const int i = nearestSample(m_hoverX);
    if (i < 0)
        return;
    const Sample& s = m_samples[std::size_t(i)];
    const double x = xOf(s.atMs, plot);
    painter.setRenderHint(QPainter::Antialiasing, true);
    painter.setPen(QPen(withAlpha(palette().color(QPalette::Active, QPalette::Text), 0.5), 1.0));
    painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    const auto dot = [&](double y, const QColor& color) {
        painter.setPen(Qt::NoPen);
        painter.setBrush(color);
        painter.drawEllipse(QPointF(x, y), 3, 3);
    };
    dot(ySpeed(s.speed, plot), speedColor());
    if (s.cpuPercent >= 0)
        dot(yPercent(s.cpuPercent, plot), cpuColor());
    dot(yPercent(s.memoryPercent, plot), memoryColor());
}

void ActivityChart::paintLegend(QPainter& painter, const QRectF& plot) {
    const QStringList entries = legendEntries();
    const QColor colors[] = {speedColor(), cpuColor(), memoryColor(),
                             palette().color(QPalette::Active, QPalette::Text)};
    const QFontMetricsF fm(font());
    const double swatch = 14;
    double x = plot.left();
    const double y = Pad / 2;
    painter.setRenderHint(QPainter::Antialiasing, true);
    for (int i = 0; i < entries.size(); ++i) {
        const double midY = y + fm.height() / 2;
        const bool dashed = i == 3;
        painter.setPen(QPen(colors[i], dashed ? 1.2 : 2.5, dashed ? Qt::DashLine : Qt::SolidLine,
                            Qt::FlatCap));
        painter.drawLine(QPointF(x, midY), QPointF(x + swatch, midY));
        x += swatch + 4;
        painter.setPen(palette().color(QPalette::Active, QPalette::WindowText));
        const double w = fm.horizontalAdvance(entries[i]);
        painter.drawText(QRectF(x, y, w + 1, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                         entries[i]);
        x += w + 3 * Pad;
    }
}

bool ActivityChart::event(QEvent* event) {
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

void ActivityChart::mouseMoveEvent(QMouseEvent* event) {
    m_hoverX = event->position().x();
    update();
    QWidget::mouseMoveEvent(event);
}

void ActivityChart::leaveEvent(QEvent* event) {
    m_hoverX = -1;
    update();
    QWidget::leaveEvent(event);
}

} // namespace maria2::gui
