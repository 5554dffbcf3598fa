// The activity chart: its five-minute window, its speed axis, what it paints (at a device pixel
// ratio of 2, light and dark) and, with a real Session, that it follows metricsUpdated.
#include "ActivityChart.h"
#include "DownloadsModel.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QColor>
#include <QImage>
#include <QPalette>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using maria2::MetricsSnapshot;
using maria2::gui::ActivityChart;
using maria2::gui::DownloadsModel;

namespace {

constexpr double KiB = 1024;
constexpr double MiB = 1024 * 1024;
constexpr qint64 T0 = 1'700'000'000'000; // unix ms

MetricsSnapshot metrics(qint64 atMs, double speed, double cpu = 20, double memory = 40,
                        qint64 limit = 0) {
    MetricsSnapshot m;
    m.atUnixMs = atMs;
    m.totalSpeedBytesPerSec = speed;
    m.systemCpuPercent = cpu;
    m.memoryUsedPercent = memory;
    m.speedLimit = limit;
    return m;
}

QImage render(QWidget& widget, qreal dpr) {
    QImage image((QSizeF(widget.size()) * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::magenta);
    widget.render(&image);
    return image;
}

int count(const QImage& image, const QColor& color) {
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            n += image.pixel(x, y) == color.rgb() ? 1 : 0;
    return n;
}

} // namespace

TEST(ActivityChartTest, KeepsOnlyTheLastFiveMinutes) {
    ActivityChart chart;
    EXPECT_EQ(chart.sampleCount(), 0);
    for (int i = 0; i < 400; ++i)
        chart.addSample(metrics(T0 + i * 1000, 1000.0 * i));
    EXPECT_EQ(chart.sampleCount(), 300);
    EXPECT_EQ(chart.samples().back().atMs, T0 + 399 * 1000);
    EXPECT_GT(chart.samples().front().atMs, chart.samples().back().atMs - ActivityChart::WindowMs);
    EXPECT_DOUBLE_EQ(chart.samples().back().speed, 399000.0);

    // The same moment twice: the later word replaces the earlier one.
    chart.addSample(metrics(T0 + 399 * 1000, 5));
    EXPECT_EQ(chart.sampleCount(), 300);
    EXPECT_DOUBLE_EQ(chart.samples().back().speed, 5.0);

    // The clock went back an hour: the old samples cannot be placed any more.
    chart.addSample(metrics(T0 - 3600 * 1000, 7));
    EXPECT_EQ(chart.sampleCount(), 1);

    // An unknown CPU figure (the first sample) is kept as unknown, not as 0 %.
    MetricsSnapshot first = metrics(T0, 0);
    first.systemCpuPercent.reset();
    chart.clear();
    chart.addSample(first);
    EXPECT_LT(chart.samples().back().cpuPercent, 0);
    EXPECT_TRUE(chart.legendEntries().at(1).contains(QStringLiteral("\u2013")));
}

TEST(ActivityChartTest, SpeedAxisHasRoundStepsInTheRightUnit) {
    EXPECT_DOUBLE_EQ(ActivityChart::niceStep(0.75), 0.8);
    EXPECT_DOUBLE_EQ(ActivityChart::niceStep(1.0), 1.0);
    EXPECT_DOUBLE_EQ(ActivityChart::niceStep(125), 150);
    EXPECT_DOUBLE_EQ(ActivityChart::niceStep(2.2), 2.5);
    EXPECT_DOUBLE_EQ(ActivityChart::niceStep(0.0031), 0.004);

    ActivityChart chart;
    chart.addSample(metrics(T0, 3 * MiB));
    ActivityChart::SpeedAxis axis = chart.speedAxis();
    EXPECT_DOUBLE_EQ(axis.unit, MiB);
    EXPECT_DOUBLE_EQ(axis.max, 3.2 * MiB);
    EXPECT_GE(axis.max, 3 * MiB);
    EXPECT_DOUBLE_EQ(axis.max, 4 * axis.step);
    EXPECT_EQ(chart.speedAxisLabel(axis.max), QStringLiteral("3.2 MiB/s"));

    chart.clear();
    chart.addSample(metrics(T0, 500 * KiB));
    axis = chart.speedAxis();
    EXPECT_DOUBLE_EQ(axis.unit, KiB);
    EXPECT_DOUBLE_EQ(axis.max, 600 * KiB);
    EXPECT_EQ(chart.speedAxisLabel(axis.step), QStringLiteral("150 KiB/s"));

    // The peak leaves the window: the axis comes down with it.
    chart.clear();
    chart.addSample(metrics(T0, 50 * MiB));
    EXPECT_GE(chart.speedAxis().max, 50 * MiB);
    for (int i = 1; i <= 301; ++i)
        chart.addSample(metrics(T0 + i * 1000, 100 * KiB));
    EXPECT_LT(chart.speedAxis().max, 1 * MiB);
    EXPECT_GE(chart.speedAxis().max, 100 * KiB);

    // Idle: a small floor, not a scale of bytes.
    chart.clear();
    chart.addSample(metrics(T0, 0));
    EXPECT_GE(chart.speedAxis().max, 4 * KiB);
}

TEST(ActivityChartTest, TheSpeedLimitIsScaledInWhenNearAndNamedAlways) {
    ActivityChart chart;
    chart.addSample(metrics(T0, 900 * KiB, 20, 40, qint64(1 * MiB)));
    EXPECT_GE(chart.speedAxis().max, 1 * MiB);
    EXPECT_TRUE(chart.legendEntries().contains(
        QStringLiteral("Limit %1").arg(DownloadsModel::formatSpeed(1 * MiB))));

    // A limit far above the traffic would flatten it: off the scale, but in the legend.
    chart.clear();
    chart.addSample(metrics(T0, 100 * KiB, 20, 40, qint64(100 * MiB)));
    EXPECT_LT(chart.speedAxis().max, 1 * MiB);
    EXPECT_TRUE(chart.legendEntries().last().contains(QStringLiteral("100.0 MiB/s")));

    chart.addSample(metrics(T0 + 1000, 100 * KiB, 20, 40, 0));
    EXPECT_FALSE(chart.legendEntries().last().startsWith(QStringLiteral("Limit")));
}

TEST(ActivityChartTest, TooltipNamesTheValuesAtThatMoment) {
    ActivityChart chart;
    chart.resize(600, 220);
    for (int i = 0; i < 120; ++i)
        chart.addSample(metrics(T0 + i * 1000, i < 60 ? 1 * MiB : 2 * MiB, i < 60 ? 10 : 80, 55));
    const QRectF plot = chart.plotRect();
    ASSERT_FALSE(plot.isEmpty());

    const QString now = chart.describeAt(plot.right());
    EXPECT_TRUE(now.contains(QStringLiteral("Speed: %1").arg(DownloadsModel::formatSpeed(2 * MiB))))
        << now.toStdString();
    EXPECT_TRUE(now.contains(QStringLiteral("CPU: 80%")));
    EXPECT_TRUE(now.contains(QStringLiteral("Memory: 55%")));

    // 90 s before the newest sample: the first minute's values.
    const double x = plot.right() - plot.width() * 90000.0 / double(ActivityChart::WindowMs);
    const QString earlier = chart.describeAt(x);
    EXPECT_TRUE(earlier.contains(QStringLiteral("CPU: 10%"))) << earlier.toStdString();
    EXPECT_TRUE(earlier.contains(QStringLiteral("ago")));
    // Before the first sample, still on the chart: the nearest (oldest) sample.
    EXPECT_FALSE(chart.describeAt(plot.left() + 1).isEmpty());
    EXPECT_TRUE(chart.describeAt(-10).isEmpty());
}

TEST(ActivityChartTest, PaintsAtDevicePixelRatioTwoInLightAndDarkPalettes) {
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(45, 45, 45));
    dark.setColor(QPalette::WindowText, QColor(220, 220, 220));
    dark.setColor(QPalette::Base, QColor(30, 30, 30));
    dark.setColor(QPalette::Text, QColor(230, 230, 230));
    dark.setColor(QPalette::Highlight, QColor(42, 130, 218));
    dark.setColor(QPalette::Mid, QColor(80, 80, 80));

    for (const bool useDark : {false, true}) {
        SCOPED_TRACE(useDark ? "dark" : "light");
        ActivityChart chart;
        if (useDark)
            chart.setPalette(dark);
        chart.resize(600, 240);
        // Flat lines: speed at half its axis (the limit at the top), CPU at 30 %, memory 75 %.
        for (int i = 0; i < 200; ++i)
            chart.addSample(metrics(T0 + i * 1000, 0.6 * MiB, 30, 75, qint64(1.2 * MiB)));
        ASSERT_DOUBLE_EQ(chart.speedAxis().max, 1.2 * MiB);

        const QImage image = render(chart, 2);
        const QString shots = qEnvironmentVariable("MARIA2_SCREENSHOT_DIR");
        if (!shots.isEmpty()) // for a person to look at
            image.save(QStringLiteral("%1/activity-chart-%2.png")
                           .arg(shots, useDark ? QStringLiteral("dark") : QStringLiteral("light")));
        ASSERT_EQ(image.width(), 1200);
        ASSERT_EQ(image.height(), 480);
        EXPECT_GT(count(image, chart.speedColor()), 100) << "no speed line";
        EXPECT_GT(count(image, chart.cpuColor()), 100) << "no CPU line";
        EXPECT_GT(count(image, chart.memoryColor()), 100) << "no memory line";
        EXPECT_NE(chart.cpuColor().rgb(), chart.memoryColor().rgb());
        EXPECT_NE(chart.cpuColor().rgb(), chart.speedColor().rgb());

        // Between the lines the plot shows the palette's base colour.
        const QRectF plot = chart.plotRect();
        const QPointF empty(plot.center().x() + 7, plot.top() + plot.height() * 0.375);
        const QColor base = chart.palette().color(QPalette::Base);
        EXPECT_EQ(QColor(image.pixel((empty * 2).toPoint())).name(), base.name());
        if (useDark) {
            EXPECT_LT(base.lightness(), 60);
        }
        // The speed area is filled beneath its line, above the floor.
        const QPointF filled(plot.center().x() + 7, plot.bottom() - plot.height() * 0.1);
        EXPECT_NE(QColor(image.pixel((filled * 2).toPoint())).name(), base.name());
    }

    ActivityChart empty; // no samples yet: a message, no crash
    empty.resize(300, 150);
    EXPECT_FALSE(render(empty, 2).isNull());
}

TEST(ActivityChartSession, FollowsTheSessionsMetrics) {
    QTemporaryDir target;
    ASSERT_TRUE(target.isValid());
    maria2::Config config = maria2::ConfigLoader::defaults();
    config.download.directory = target.path().toStdString();
    config.logging.toFile = false;
    config.logging.level = "off";
    maria2::Session session(config);

    ActivityChart chart;
    chart.attach(&session);
    const int before = chart.sampleCount();
    ASSERT_TRUE(maria2::test::waitFor([&] { return chart.sampleCount() >= before + 2; }, 15000))
        << chart.sampleCount();
    EXPECT_GT(chart.samples().back().atMs, chart.samples().front().atMs);
    EXPECT_GT(chart.samples().back().memoryPercent, 0);
    session.shutdown();
}
