#include "TrayIcon.h"

#include "DownloadsModel.h"
#include "Icons.h"
#include "SpeedLimitMenu.h"
#include "session/Session.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QSystemTrayIcon>
#include <QWidget>

namespace maria2::gui {

TrayIcon::TrayIcon(Session* session, QWidget* window, QAction* pauseAll, QAction* resumeAll,
                   QAction* quit, QObject* parent)
    : QObject(parent)
    , m_window(window)
    , m_menu(new QMenu)
    , m_speedMenu(new SpeedLimitMenu(session, window, m_menu))
    , m_icon(new QSystemTrayIcon(this)) {
    QIcon icon = resourceIcon("maria2");
    if (icon.isNull())
        icon = QApplication::windowIcon();
    m_icon->setIcon(icon);
    m_icon->setToolTip(tr("MAria2"));

    QAction* showAction = m_menu->addAction(tr("&Show MAria2"));
    showAction->setObjectName(QStringLiteral("trayShow"));
    connect(showAction, &QAction::triggered, this, &TrayIcon::showWindow);
    m_menu->addSeparator();
    m_menu->addMenu(m_speedMenu);
    m_menu->addSeparator();
    m_menu->addAction(resumeAll);
    m_menu->addAction(pauseAll);
    m_menu->addSeparator();
    m_menu->addAction(quit);
    m_icon->setContextMenu(m_menu);

    connect(m_icon, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                    showWindow();
            });
    if (session)
        connect(session, &Session::metricsUpdated, this, &TrayIcon::showMetrics);
}

TrayIcon::~TrayIcon() {
    delete m_menu; // a context menu has no parent: the tray icon does not own it
}

void TrayIcon::show() {
    m_icon->show();
}

void TrayIcon::showWindow() {
    if (!m_window)
        return;
    if (m_window->isMinimized())
        m_window->showNormal();
    else
        m_window->show();
    m_window->raise();
    m_window->activateWindow();
}

void TrayIcon::showMetrics(const MetricsSnapshot& m) {
    QString tip = tr("MAria2 \u2014 \u2193 %1, %2 active, %3 queued")
                      .arg(DownloadsModel::formatSpeed(m.totalSpeedBytesPerSec))
                      .arg(m.active)
                      .arg(m.queued);
    if (m.throttled)
        tip += QLatin1Char('\n') + QString::fromStdString(m.governorMessage);
    m_icon->setToolTip(tip);
}

} // namespace maria2::gui
