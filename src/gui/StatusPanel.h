#pragma once
// StatusPanel: the main window's status bar. Counts and total speed follow the table (each
// progress batch); the speed limit in force and the governor's state follow the session
// (speedLimitChanged, governorAction, metricsUpdated), e.g. "Throttled: CPU 86% > 70%".
#include "DownloadsModel.h"
#include "core/monitor/Metrics.h"

#include <QObject>
#include <QPointer>
#include <QString>

class QLabel;
class QStatusBar;

namespace maria2 {
class Session;
}

namespace maria2::gui {

class StatusPanel final : public QObject {
    Q_OBJECT
public:
    // Adds its labels to bar and follows the session's signals.
    StatusPanel(QStatusBar* bar, maria2::Session* session, QObject* parent = nullptr);

    // Everything the labels show, joined (for tests and accessibility).
    QString text() const;
    QLabel* limitLabel() const { return m_limit; }
    QLabel* governorLabel() const { return m_governor; }

    // "Throttled: CPU 86% > 70%" from the governor's "throttled: CPU 86% > 70%; now ...".
    static QString throttledText(const QString& governorMessage);

public slots:
    void showTotals(const maria2::gui::DownloadsModel::Totals& totals);
    void showMetrics(const maria2::MetricsSnapshot& metrics);
    void showSpeedLimit(qint64 inForceBytesPerSecond);
    void showGovernorAction(const QString& message, bool throttled);

private:
    void showThrottled(bool throttled, const QString& message);

    QPointer<maria2::Session> m_session;
    QLabel* m_counts;
    QLabel* m_governor;
    QLabel* m_limit;
    QLabel* m_speed;
    QString m_resources; // "CPU 12%, memory 41%" from the last metrics, for tooltips
};

} // namespace maria2::gui
