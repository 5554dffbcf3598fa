// MainWindow and the desktop around it: the tray icon, the notifications, close-to-tray, Quit,
// and the Interface settings that change how the window behaves (drop target, clipboard watching).
#include "ClipboardWatcher.h"
#include "DownloadsModel.h"
#include "DropTarget.h"
#include "MainWindow.h"
#include "Notifier.h"
#include "TrayIcon.h"
#include "session/Session.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>

namespace maria2::gui {

void MainWindow::createTrayAndNotifier() {
    m_clipboardWatcher = new ClipboardWatcher(QGuiApplication::clipboard(), this);
    connect(m_clipboardWatcher, &ClipboardWatcher::urlsFound, this,
            &MainWindow::offerClipboardUrls);

    // Decided here, shown by the tray (if there is one).
    m_notifier = new Notifier(m_session, this);

    if (!TrayIcon::available())
        return; // no panel: the window closes and quits as usual
    m_tray = new TrayIcon(m_session, this, this);
    connect(m_tray, &TrayIcon::addFromClipboardRequested, this, &MainWindow::addFromClipboard);
    connect(m_tray, &TrayIcon::addUrlsRequested, this,
            [this](const QStringList& urls) { showAddDialog(urls); });
    connect(m_tray, &TrayIcon::quitRequested, this, &MainWindow::quit);
    connect(m_model, &DownloadsModel::totalsChanged, m_tray,
            [this] { m_tray->showTotals(m_model->totals()); });
    connect(m_notifier, &Notifier::notify, m_tray, &TrayIcon::showMessage);
    m_tray->showTotals(m_model->totals());
    m_tray->show();
}

void MainWindow::applyUiConfig(bool initial) {
    const InterfaceSettings& ui = m_session->config().ui;
    // Only what changed: a toggle in the View menu stays until the config itself says otherwise.
    if (initial || ui.dropTarget != m_appliedDropTarget)
        setDropTargetVisible(ui.dropTarget);
    if (initial || ui.watchClipboard != m_appliedWatchClipboard)
        setClipboardWatching(ui.watchClipboard);
    m_appliedDropTarget = ui.dropTarget;
    m_appliedWatchClipboard = ui.watchClipboard;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    const bool trayShown = m_tray && m_tray->isShown();
    if (!m_quitting && TrayIcon::closeKeepsRunning(trayShown, m_session->config().ui.closeToTray)) {
        event->ignore();
        hide();
        if (!m_trayHintShown) {
            m_trayHintShown = true;
            m_tray->showMessage(tr("MAria2 is still running"),
                                tr("Downloads go on in the background. Click the tray icon to "
                                   "show the window; quit from its menu."));
        }
        return;
    }
    event->accept();
    if (m_dropTarget)
        m_dropTarget->close();
    // The last window is gone: quit even if a drop target or a dialog is still around.
    QCoreApplication::quit();
}

void MainWindow::quit() {
    m_quitting = true;
    close();
    QCoreApplication::quit(); // also when the window was hidden in the tray
}

} // namespace maria2::gui
