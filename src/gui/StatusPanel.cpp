#include "StatusPanel.h"

#include "Palette.h"
#include "SpeedLimitEdit.h"
#include "session/Session.h"

#include <QLabel>
#include <QStatusBar>
#include <QStringList>

namespace maria2::gui {

StatusPanel::StatusPanel(QStatusBar* bar, Session* session, QObject* parent)
    : QObject(parent)
    , m_session(session)
    , m_counts(new QLabel(bar))
    , m_governor(new QLabel(bar))
    , m_limit(new QLabel(bar))
    , m_speed(new QLabel(bar)) {
    m_counts->setObjectName(QStringLiteral("statusCounts"));
    m_governor->setObjectName(QStringLiteral("statusGovernor"));
    m_limit->setObjectName(QStringLiteral("statusSpeedLimit"));
    m_speed->setObjectName(QStringLiteral("statusSpeed"));
    // A warning colour: the person should see at a glance that MAria2 holds itself back.
    QPalette warning = m_governor->palette();
    warning.setColor(QPalette::WindowText, warningColor(warning));
    m_governor->setPalette(warning);
    m_governor->hide();
    for (QLabel* label : {m_governor, m_limit, m_speed})
        label->setContentsMargins(10, 0, 0, 0); // apart, without separators to draw

    bar->addWidget(m_counts, 1);
    bar->addPermanentWidget(m_governor);
    bar->addPermanentWidget(m_limit);
    bar->addPermanentWidget(m_speed);

    if (session) {
        connect(session, &Session::metricsUpdated, this, &StatusPanel::showMetrics);
        connect(session, &Session::speedLimitChanged, this, &StatusPanel::showSpeedLimit);
        connect(session, &Session::governorAction, this, &StatusPanel::showGovernorAction);
        showSpeedLimit(session->effectiveSpeedLimit());
    } else {
        showSpeedLimit(0);
    }
    showTotals({});
}

QString StatusPanel::text() const {
    QStringList parts{m_counts->text()};
    if (m_governor->isVisibleTo(m_governor->parentWidget()))
        parts << m_governor->text();
    parts << m_limit->text() << m_speed->text();
    return parts.join(QStringLiteral("  "));
}

void StatusPanel::showTotals(const DownloadsModel::Totals& t) {
    QStringList parts;
    parts << tr("%n active", nullptr, t.active) << tr("%n queued", nullptr, t.queued);
    if (t.paused > 0)
        parts << tr("%n paused", nullptr, t.paused);
    parts << tr("%n completed", nullptr, t.completed);
    if (t.failed > 0)
        parts << tr("%n failed", nullptr, t.failed);
    if (t.attention > 0)
        parts << tr("%n awaiting action", nullptr, t.attention);
    m_counts->setText(parts.join(QStringLiteral("  \u00b7  ")));
    m_speed->setText(tr("\u2193 %1").arg(DownloadsModel::formatSpeed(t.speedBytesPerSec)));
}

void StatusPanel::showMetrics(const MetricsSnapshot& m) {
    QStringList resources;
    if (m.systemCpuPercent)
        resources << tr("CPU %1%").arg(*m.systemCpuPercent, 0, 'f', 0);
    resources << tr("memory %1%").arg(m.memoryUsedPercent, 0, 'f', 0);
    resources << tr("disk writes %1").arg(DownloadsModel::formatSpeed(m.diskWriteBytesPerSec));
    resources << tr("network efficiency %1%").arg(m.networkEfficiency * 100.0, 0, 'f', 1);
    m_resources = resources.join(QStringLiteral(", "));
    m_speed->setToolTip(
        tr("%1 active, %2 queued\n%3").arg(m.active).arg(m.queued).arg(m_resources));
    showSpeedLimit(m.speedLimit);
    showThrottled(m.throttled, QString::fromStdString(m.governorMessage));
}

void StatusPanel::showSpeedLimit(qint64 inForce) {
    const qint64 own = m_session ? qint64(m_session->speedLimit()) : inForce;
    m_limit->setText(inForce > 0 ? tr("Limit: %1").arg(SpeedLimitEdit::text(inForce))
                                 : tr("No speed limit"));
    if (inForce > 0 && (own <= 0 || inForce < own)) {
        m_limit->setToolTip(tr("Your limit: %1. Lowered now by a time window or because "
                               "MAria2 is throttling itself.")
                                .arg(SpeedLimitEdit::text(own)));
    } else {
        m_limit->setToolTip(tr("The overall download speed limit; change it under Speed Limit."));
    }
}

void StatusPanel::showGovernorAction(const QString& message, bool throttled) {
    showThrottled(throttled, message);
}

void StatusPanel::showThrottled(bool throttled, const QString& message) {
    if (!throttled) {
        m_governor->hide();
        m_governor->clear();
        return;
    }
    // Only a cut names the cause; a partial restore ("restored: ...") keeps the cause shown.
    if (message.trimmed().startsWith(QStringLiteral("throttled"), Qt::CaseInsensitive) ||
        m_governor->text().isEmpty())
        m_governor->setText(throttledText(message));
    QString tip = message;
    if (!m_resources.isEmpty())
        tip += QStringLiteral("\n") + m_resources;
    m_governor->setToolTip(tip);
    m_governor->show(); // after the text, so the bar sizes it for the text
}

QString StatusPanel::throttledText(const QString& governorMessage) {
    QString reason = governorMessage.trimmed();
    // The core's message is for logs ("throttled: CPU 86% > 70%; now 2 downloads, ..."): keep
    // the cause, say the rest in the tooltip.
    static const QString prefix = QStringLiteral("throttled:");
    if (!reason.startsWith(prefix, Qt::CaseInsensitive))
        return tr("Throttled");
    reason = reason.mid(prefix.size()).trimmed();
    for (const QString& cut :
         {QStringLiteral(";"), QStringLiteral(" - "), QStringLiteral(" \u2014 ")}) {
        const qsizetype at = reason.indexOf(cut);
        if (at > 0)
            reason = reason.left(at).trimmed();
    }
    return reason.isEmpty() ? tr("Throttled") : tr("Throttled: %1").arg(reason);
}

} // namespace maria2::gui
