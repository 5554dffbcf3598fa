#pragma once
// MainWindow: the downloads table with its toolbar, menus and status bar. Every command goes
// to maria2::Session and returns at once; the table follows the session's signals. The speed
// limit menu, the queue moves and a small tray icon (when the desktop has a tray) live here too.
#include "core/engine/DownloadTypes.h"

#include <QList>
#include <QMainWindow>
#include <QStringList>

class QAction;
class QMimeData;
class QSortFilterProxyModel;
class QTableView;

namespace maria2 {
class Session;
}

namespace maria2::gui {

class DownloadsModel;
class SpeedLimitMenu;
class StatusPanel;
class TrayIcon;

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(maria2::Session* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    DownloadsModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    SpeedLimitMenu* speedLimitMenu() const { return m_speedMenu; }
    StatusPanel* statusPanel() const { return m_status; }
    TrayIcon* trayIcon() const { return m_tray; } // null without a system tray

    // Adds downloads, filling what the request leaves open from the session's config.
    void addRequests(const QList<maria2::DownloadRequest>& requests);

public slots:
    // Opens the add dialog, pre-filled with urls (or the clipboard's URLs when empty).
    void showAddDialog(const QStringList& urls = {});
    void startSelected();
    void pauseSelected();
    void removeSelected();
    void openSelectedFolder();
    // Asks for a fresh link for the one selected unfinished download, then resumes it.
    void changeUrlOfSelected();
    // Queue order (= start order) of the selected downloads, as a block.
    void moveSelectedUp();
    void moveSelectedDown();
    void moveSelectedToTop();
    void moveSelectedToBottom();
    // Asks for a speed limit of their own for the selected downloads (0 = none).
    void limitSelected();

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    static QStringList droppedUrls(const QMimeData* mime);
    void createActions();
    void createMenusAndToolBar();
    void setUpView();
    void createQueueActions();
    void createTray();
    void updateActions();
    void openRow(const QModelIndex& proxyIndex);
    // (id, state) of the selected rows, in view order.
    QList<QPair<maria2::DownloadId, maria2::DownloadState>> selectedDownloads() const;
    // The selected ids in queue order (ids the queue does not list are left out).
    QList<maria2::DownloadId> selectedInQueueOrder() const;
    // A move is only visible in queue order: a column sort is dropped first.
    void showQueueOrder();

    maria2::Session* m_session;
    DownloadsModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
    StatusPanel* m_status = nullptr;
    SpeedLimitMenu* m_speedMenu = nullptr;
    TrayIcon* m_tray = nullptr;
    QString m_lastFolder; // the add dialog remembers where the last batch went

    QAction* m_addAction = nullptr;
    QAction* m_startAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_removeAction = nullptr;
    QAction* m_openFolderAction = nullptr;
    QAction* m_changeUrlAction = nullptr;
    QAction* m_pauseAllAction = nullptr;
    QAction* m_resumeAllAction = nullptr;
    QAction* m_moveUpAction = nullptr;
    QAction* m_moveDownAction = nullptr;
    QAction* m_moveTopAction = nullptr;
    QAction* m_moveBottomAction = nullptr;
    QAction* m_downloadLimitAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
};

} // namespace maria2::gui
