#pragma once
// ActivityChart: the last five minutes at a glance. Total download speed (filled, left axis,
// auto-scaled in KiB/s, MiB/s ...) with the machine's CPU and memory use (lines, right axis,
// 0..100 %), and the speed limit in force as a dashed line. One sample per
// Session::metricsUpdated (about one a second). Painted with QPainter in logical coordinates
// (crisp at any device pixel ratio), coloured from the palette (light and dark themes).
// Hovering shows the values at that moment.
#include "core/monitor/Metrics.h"

#include <QColor>
#include <QPointer>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <deque>

namespace maria2 {
class Session;
}

namespace maria2::gui {

class ActivityChart final : public QWidget {
    Q_OBJECT
public:
    struct Sample {
        qint64 atMs = 0;          // unix epoch ms
        double speed = 0;         // B/s, all downloads together
        double cpuPercent = -1;   // the whole machine; -1 = not known yet
        double memoryPercent = 0; // the whole machine
        qint64 speedLimit = 0;    // in force, B/s; 0 = none
    };

    // The left axis: 0..max in steps of step (max = 4 steps), labelled in unit (1024^k B/s).
    struct SpeedAxis {
        double max = 0;
        double step = 0;
        double unit = 1024;
    };

    static constexpr qint64 WindowMs = 5 * 60 * 1000;
    // A bound on memory even if samples came faster than the session's one a second.
    static constexpr int MaxSamples = 1200;

    explicit ActivityChart(QWidget* parent = nullptr);

    // Follows session's metricsUpdated (and starts from its latest metrics, if any).
    void attach(maria2::Session* session);

    // Oldest first, all within WindowMs of the newest.
    const std::deque<Sample>& samples() const { return m_samples; }
    int sampleCount() const { return int(m_samples.size()); }
    SpeedAxis speedAxis() const { return m_axis; }
    // "2.5 MiB/s": a value in the left axis's unit, as its labels show it.
    QString speedAxisLabel(double bytesPerSec) const;
    // The legend as shown: "Speed 1.2 MiB/s", "CPU 12%", "Memory 41%", "Limit 1.0 MiB/s".
    QStringList legendEntries() const;
    // The tooltip at x (widget coordinates): the time and values of the nearest sample.
    QString describeAt(double x) const;
    QRectF plotRect() const;
    QColor speedColor() const;
    QColor cpuColor() const;
    QColor memoryColor() const;

    // A round step: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten, the smallest not below
    // raw (> 0). Four of them label well (6, 12, 18, 24).
    static double niceStep(double raw);
    // The axis that shows peak (B/s) with four round steps.
    static SpeedAxis axisFor(double peak);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public slots:
    void addSample(const maria2::MetricsSnapshot& metrics);
    void clear();

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void updateAxis();
    double xOf(qint64 atMs, const QRectF& plot) const;
    double ySpeed(double bytesPerSec, const QRectF& plot) const;
    static double yPercent(double percent, const QRectF& plot);
    int nearestSample(double x) const; // index, -1 when none
    QColor derivedColor(int hueShift) const;
    qint64 newestMs() const;
    void paintGrid(QPainter& painter, const QRectF& plot);
    void paintSeries(QPainter& painter, const QRectF& plot);
    void paintLegend(QPainter& painter, const QRectF& plot);
    void paintHover(QPainter& painter, const QRectF& plot);

    QPointer<maria2::Session> m_session;
    std::deque<Sample> m_samples;
    SpeedAxis m_axis;
    double m_hoverX = -1;
};

} // namespace maria2::gui
