#pragma once
// TrayIcon: MAria2 in the system tray, small for now: the speed limit menu, Pause all,
// Resume all, Show and Quit, and the total speed as a tooltip. (The full tray, with
// notifications and close-to-tray, comes with issue #6 and grows here.)
// Create it only when QSystemTrayIcon::isSystemTrayAvailable().
#include "core/monitor/Metrics.h"

#include <QObject>

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
    // window: what Show brings back. The actions are the window's own (same state, same text).
    TrayIcon(maria2::Session* session, QWidget* window, QAction* pauseAll, QAction* resumeAll,
             QAction* quit, QObject* parent = nullptr);
    ~TrayIcon() override;

    QSystemTrayIcon* icon() const { return m_icon; }
    QMenu* menu() const { return m_menu; }
    SpeedLimitMenu* speedLimitMenu() const { return m_speedMenu; }

    void show();

public slots:
    void showWindow();
    void showMetrics(const maria2::MetricsSnapshot& metrics);

private:
    QWidget* m_window;
    QMenu* m_menu;
    SpeedLimitMenu* m_speedMenu;
    QSystemTrayIcon* m_icon;
};

} // namespace maria2::gui
