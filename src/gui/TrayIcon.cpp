#include "TrayIcon.h"

#include "Icons.h"
#include "SpeedLimitMenu.h"
#include "session/Session.h"

#include <QAction>
#include <QApplication>
#include <QMenu>
#include <QSystemTrayIcon>
#include <QWidget>
#include <utility>

namespace maria2::gui {

namespace {

bool g_assumeAvailable = false;

} // namespace

TrayIcon::TrayIcon(Session* session, QWidget* window, QObject* parent)
    : QObject(parent)
    , m_window(window)
    , m_menu(new QMenu)
    , m_speedMenu(new SpeedLimitMenu(session, window, m_menu))
    , m_icon(new QSystemTrayIcon(this)) {
    QIcon icon = resourceIcon("maria2");
    if (icon.isNull())
        icon = QApplication::windowIcon();
    m_icon->setIcon(icon);
    m_icon->setToolTip(toolTipText({}));

    m_showHide = m_menu->addAction(tr("&Show MAria2"));
    m_showHide->setObjectName(QStringLiteral("trayShow"));
    connect(m_showHide, &QAction::triggered, this, &TrayIcon::toggleWindow);
    m_addFromClipboard = m_menu->addAction(resourceIcon("paste"), tr("&Add from Clipboard"));
    m_addFromClipboard->setObjectName(QStringLiteral("trayAddFromClipboard"));
    connect(m_addFromClipboard, &QAction::triggered, this, &TrayIcon::addFromClipboardRequested);
    m_menu->addSeparator();
    m_resumeAll = m_menu->addAction(resourceIcon("start"), tr("&Resume All"));
    m_resumeAll->setObjectName(QStringLiteral("trayResumeAll"));
    m_pauseAll = m_menu->addAction(resourceIcon("pause"), tr("&Pause All"));
    m_pauseAll->setObjectName(QStringLiteral("trayPauseAll"));
    if (session) {
        connect(m_resumeAll, &QAction::triggered, session, &Session::resumeAll);
        connect(m_pauseAll, &QAction::triggered, session, &Session::pauseAll);
    }
    m_menu->addMenu(m_speedMenu);
    m_menu->addSeparator();
    m_quit = m_menu->addAction(tr("&Quit MAria2"));
    m_quit->setObjectName(QStringLiteral("trayQuit"));
    m_quit->setMenuRole(QAction::NoRole); // the tray's own, not the application menu's
    connect(m_quit, &QAction::triggered, this, &TrayIcon::quitRequested);
    m_icon->setContextMenu(m_menu);
    connect(m_menu, &QMenu::aboutToShow, this, &TrayIcon::updateShowHideText);

    connect(m_icon, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger)
                    toggleWindow();
                else if (reason == QSystemTrayIcon::DoubleClick)
                    showWindow();
            });
    connect(m_icon, &QSystemTrayIcon::messageClicked, this, [this] {
        const QStringList urls = std::exchange(m_offeredUrls, {});
        if (urls.isEmpty())
            showWindow();
        else
            emit addUrlsRequested(urls);
    });
    if (session)
        connect(session, &Session::metricsUpdated, this, &TrayIcon::showMetrics);
    updateShowHideText();
    showTotals({});
}

TrayIcon::~TrayIcon() {
    delete m_menu; // a context menu has no parent: the tray icon does not own it
}

bool TrayIcon::available() {
    return g_assumeAvailable || QSystemTrayIcon::isSystemTrayAvailable();
}

void TrayIcon::assumeAvailableForTesting(bool available) {
    g_assumeAvailable = available;
}

bool TrayIcon::closeKeepsRunning(bool trayShown, bool closeToTray) {
    return trayShown && closeToTray;
}

QString TrayIcon::toolTipText(const DownloadsModel::Totals& t, const QString& throttledMessage) {
    QString tip = tr("MAria2 \u2014 \u2193 %1\n%2 active, %3 queued, %4 finished")
                      .arg(DownloadsModel::formatSpeed(t.speedBytesPerSec))
                      .arg(t.active)
                      .arg(t.queued + t.paused)
                      .arg(t.completed);
    if (t.failed + t.attention > 0)
        tip += tr(", %1 failed").arg(t.failed + t.attention);
    if (!throttledMessage.isEmpty())
        tip += QLatin1Char('\n') + throttledMessage;
    return tip;
}

void TrayIcon::show() {
    m_icon->show();
}

bool TrayIcon::isShown() const {
    return available() && m_icon->isVisible();
}

void TrayIcon::updateShowHideText() {
    const bool shown = m_window && m_window->isVisible() && !m_window->isMinimized();
    m_showHide->setText(shown ? tr("&Hide MAria2") : tr("&Show MAria2"));
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
    updateShowHideText();
}

void TrayIcon::toggleWindow() {
    if (m_window && m_window->isVisible() && !m_window->isMinimized()) {
        m_window->hide();
        updateShowHideText();
        return;
    }
    showWindow();
}

void TrayIcon::showTotals(const DownloadsModel::Totals& t) {
    m_totals = t;
    const QString tip = toolTipText(t, m_throttled);
    if (tip != m_icon->toolTip()) // several batches a second: only real changes
        m_icon->setToolTip(tip);
    m_pauseAll->setEnabled(t.active + t.queued > 0);
    m_resumeAll->setEnabled(t.paused + t.failed > 0);
}

void TrayIcon::showMetrics(const MetricsSnapshot& m) {
    m_throttled = m.throttled ? QString::fromStdString(m.governorMessage) : QString();
    // Between model updates (nothing running), the metrics' speed is the one to show.
    if (m_totals.active == 0)
        m_totals.speedBytesPerSec = m.totalSpeedBytesPerSec;
    m_icon->setToolTip(toolTipText(m_totals, m_throttled));
}

void TrayIcon::showMessage(const QString& title, const QString& text, bool warning) {
    m_lastTitle = title;
    m_lastText = text;
    m_offeredUrls.clear();
    if (isShown() && QSystemTrayIcon::supportsMessages()) {
        m_icon->showMessage(
            title, text, warning ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 8000);
    }
    emit messageShown(title, text);
}

void TrayIcon::offerUrls(const QStringList& urls) {
    if (urls.isEmpty())
        return;
    if (urls.size() == 1) {
        showMessage(tr("A link was copied"), tr("Click here to download %1").arg(urls.first()));
    } else {
        showMessage(tr("%n links copied", nullptr, int(urls.size())),
                    tr("Click here to download them with MAria2"));
    }
    m_offeredUrls = urls; // after showMessage, which forgets the last offer
}

} // namespace maria2::gui
