#pragma once
// TrayIcon: MAria2 in the system tray. Its tooltip shows the total speed and the counts (active,
// queued, finished); its menu has Show/Hide, Add from Clipboard, Pause All, Resume All, the
// speed-limit presets (Unlimited + Interface.SpeedLimitPresets) and Quit. A left click toggles
// the window. It shows the notifications (finished, failed, links on the clipboard) and knows
// whether closing the window should keep MAria2 running in the tray.
// Without a tray (no panel, the offscreen platform) it can still be built: nothing shows and
// the window closes as usual.
#include "DownloadsModel.h"
#include "core/monitor/Metrics.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

class QAction;
class QMenu;
class QSystemTrayIcon;
class QWidget;

namespace maria2 {
class Session;
}

namespace maria2::gui {

class SpeedLimitMenu;

class TrayIcon final : public QObject {
    Q_OBJECT
public:
    // window: what Show/Hide toggles.
    TrayIcon(maria2::Session* session, QWidget* window, QObject* parent = nullptr);
    ~TrayIcon() override;

    // Whether the desktop has a tray (QSystemTrayIcon::isSystemTrayAvailable()); tests may
    // pretend it has one.
    static bool available();
    static void assumeAvailableForTesting(bool available);
    // Closing the window keeps MAria2 running (hidden in the tray) when a tray shows the icon and
    // Interface.CloseToTray is on; otherwise closing quits.
    static bool closeKeepsRunning(bool trayShown, bool closeToTray);
    static QString toolTipText(const DownloadsModel::Totals& totals,
                               const QString& throttledMessage = {});

    QSystemTrayIcon* icon() const { return m_icon; }
    QMenu* menu() const { return m_menu; }
    SpeedLimitMenu* speedLimitMenu() const { return m_speedMenu; }
    QAction* showHideAction() const { return m_showHide; }
    QAction* addFromClipboardAction() const { return m_addFromClipboard; }
    QAction* pauseAllAction() const { return m_pauseAll; }
    QAction* resumeAllAction() const { return m_resumeAll; }
    QAction* quitAction() const { return m_quit; }

    void show();
    // Shown in a tray that exists.
    bool isShown() const;
    // The last message shown (or that would have been, without a tray), for tests.
    QString lastMessageTitle() const { return m_lastTitle; }
    QString lastMessageText() const { return m_lastText; }

public slots:
    void showWindow();
    void toggleWindow();
    void showTotals(const maria2::gui::DownloadsModel::Totals& totals);
    void showMetrics(const maria2::MetricsSnapshot& metrics);
    void showMessage(const QString& title, const QString& text, bool warning = false);
    // "Links copied: click to add them"; a click on the message asks to add them.
    void offerUrls(const QStringList& urls);

signals:
    void addFromClipboardRequested();
    void addUrlsRequested(const QStringList& urls);
    void quitRequested();
    void messageShown(const QString& title, const QString& text);

private:
    void updateShowHideText();

    QPointer<QWidget> m_window;
    QMenu* m_menu;
    SpeedLimitMenu* m_speedMenu;
    QSystemTrayIcon* m_icon;
    QAction* m_showHide = nullptr;
    QAction* m_addFromClipboard = nullptr;
    QAction* m_pauseAll = nullptr;
    QAction* m_resumeAll = nullptr;
    QAction* m_quit = nullptr;
    DownloadsModel::Totals m_totals;
    QString m_throttled;
    QString m_lastTitle;
    QString m_lastText;
    QStringList m_offeredUrls; // what a click on the last message adds; empty: it shows the window
};

} // namespace maria2::gui
