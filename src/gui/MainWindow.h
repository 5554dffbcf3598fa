#pragma once
// MainWindow: the downloads table with its status sidebar, search box, toolbar, menus and status
// bar. Every command goes to maria2::Session and returns at once; the table follows the
// session's signals. The table sits in a vertical splitter (splitter()) so a details pane can go
// beneath it. Links dropped on the window (or the drop target), pasted, or copied anywhere while
// clipboard watching is on open the add dialog. With a system tray, closing the window keeps
// MAria2 running there (Interface.CloseToTray), and finished or failed downloads are announced.
// The window's parts live in MainWindow*.cpp: Actions, Commands, Add, Tray, Queue.
#include "core/types/DownloadTypes.h"

#include <QList>
#include <QMainWindow>
#include <QPointer>
#include <QStringList>

class QAction;
class QLineEdit;
class QMenu;
class QMimeData;
class QSortFilterProxyModel;
class QSplitter;
class QTabWidget;
class QTableView;

namespace maria2 {
class Session;
}

namespace maria2::gui {

class AddUrlsDialog;
class ClipboardWatcher;
class DownloadsFilter;
class DownloadsModel;
class DownloadsView;
class DropTarget;
class Notifier;
class SpeedLimitMenu;
class StatusFilterList;
class StatusPanel;
class TrayIcon;
class DetailsPane;
class ActivityChart;
class SettingsDialog;

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(maria2::Session* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    DownloadsModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const;
    DownloadsFilter* filter() const { return m_filter; }
    QTableView* view() const;
    // The vertical splitter holding the table (index 0); a details pane may be added below.
    QSplitter* splitter() const { return m_splitter; }
    QMenu* viewMenu() const { return m_viewMenu; }
    QMenu* toolsMenu() const { return m_toolsMenu; }
    // Tools > Settings… (Ctrl+,): emits settingsRequested(); the dialog is wired by the app.
    QAction* settingsAction() const { return m_settingsAction; }
    QLineEdit* searchEdit() const { return m_searchEdit; }
    StatusFilterList* statusFilterList() const { return m_statusList; }
    SpeedLimitMenu* speedLimitMenu() const { return m_speedMenu; }
    StatusPanel* statusPanel() const { return m_status; }
    TrayIcon* trayIcon() const { return m_tray; } // null without a system tray
    Notifier* notifier() const { return m_notifier; }
    ClipboardWatcher* clipboardWatcher() const { return m_clipboardWatcher; }
    DropTarget* dropTarget() const; // null until first shown
    // Below the table: the selected download's details and the activity chart (tabs).
    DetailsPane* detailsPane() const { return m_details; }
    ActivityChart* activityChart() const { return m_chart; }
    QTabWidget* lowerPanes() const { return m_panes; }
    SettingsDialog* settingsDialog() const; // the open one, or null
    // The add dialog on screen (the last opened), or null.
    AddUrlsDialog* openAddDialog() const;

    // Adds downloads, filling what the request leaves open from the session's config.
    void addRequests(const QList<maria2::DownloadRequest>& requests);
    // URLs another `maria2` process handed over (SingleInstance): the add dialog, filled with
    // them, for the person to confirm (Interface.ConfirmUrlsFromOtherProcesses), or added at
    // once when they opted out.
    void addUrlsFromOtherProcess(const QStringList& urls);
    // The links a drop would add (URLs, text with links, .txt lists), for the window and tests.
    static QStringList droppedUrls(const QMimeData* mime);

public slots:
    // Opens the add dialog, pre-filled with urls (or the clipboard's URLs when empty). An add
    // dialog already open gets the new links instead.
    void showAddDialog(const QStringList& urls = {});
    // Ctrl+V: the clipboard's links into the add dialog (a message when there are none).
    void addFromClipboard();
    void startSelected();
    void pauseSelected();
    void removeSelected();
    // Asks first (naming how many files go), then removes the downloads and deletes their files.
    void removeSelectedWithFiles();
    // Asks first, then starts the selected downloads over from zero (Session::restart).
    void restartSelected();
    void openSelectedFile(); // Enter: the current row's finished file
    void openSelectedFolder();
    // The selected downloads' URLs, one a line, to the clipboard (not offered back by the
    // clipboard watcher).
    void copySelectedUrls();
    // Asks for a fresh link for the one selected unfinished download, then resumes it.
    void changeUrlOfSelected();
    // Queue order (= start order) of the selected downloads, as a block.
    void moveSelectedUp();
    void moveSelectedDown();
    void moveSelectedToTop();
    void moveSelectedToBottom();
    // Asks for a speed limit of their own for the selected downloads (0 = none).
    void limitSelected();
    void setDropTargetVisible(bool visible);
    void setClipboardWatching(bool on);
    // Quits for real (Quit in the menu or the tray), whatever close-to-tray says.
    void quit();
    void showAndRaise();
    // Tools > Settings…: the settings dialog, non-modal (raised when already open).
    void showSettings();

signals:
    void settingsRequested();
    // The person toggled these in the View / Tools menu (the app may save them to the config).
    void dropTargetToggled(bool visible);
    void clipboardWatchingToggled(bool on);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createCommandActions();
    void createViewActions();
    void createMenusAndToolBar();
    void createCentralArea();
    void createPanes(); // MainWindowPanes.cpp
    void setUpView();
    void createQueueActions();
    void createTrayAndNotifier();
    void applyUiConfig(bool initial);
    void updateActions();
    void updateEmptyText();
    void showColumnMenu(const QPoint& at);
    void openRow(const QModelIndex& proxyIndex);
    void offerClipboardUrls(const QStringList& urls);
    // (id, state) of the selected rows, in view order.
    QList<QPair<maria2::DownloadId, maria2::DownloadState>> selectedDownloads() const;
    // The selected ids in queue order (ids the queue does not list are left out).
    QList<maria2::DownloadId> selectedInQueueOrder() const;
    // A move is only visible in queue order: a column sort is dropped first.
    void showQueueOrder();

    maria2::Session* m_session;
    DownloadsModel* m_model;
    DownloadsFilter* m_filter;
    DownloadsView* m_view;
    QSplitter* m_splitter = nullptr;
    QSplitter* m_sideSplitter = nullptr;
    StatusFilterList* m_statusList = nullptr;
    quint64 m_shownStateGeneration = 0; // DownloadsModel::Totals::stateGeneration last shown
    QLineEdit* m_searchEdit = nullptr;
    StatusPanel* m_status = nullptr;
    SpeedLimitMenu* m_speedMenu = nullptr;
    TrayIcon* m_tray = nullptr;
    Notifier* m_notifier = nullptr;
    ClipboardWatcher* m_clipboardWatcher = nullptr;
    QPointer<DropTarget> m_dropTarget;
    QPointer<AddUrlsDialog> m_addDialog;
    QPointer<SettingsDialog> m_settings;
    QTabWidget* m_panes = nullptr;
    DetailsPane* m_details = nullptr;
    ActivityChart* m_chart = nullptr;
    QAction* m_panesAction = nullptr;
    QString m_lastFolder; // the add dialog remembers where the last batch went
    bool m_quitting = false;
    bool m_trayHintShown = false; // "still running in the tray", once
    bool m_appliedDropTarget = false;
    bool m_appliedWatchClipboard = false;

    QMenu* m_viewMenu = nullptr;
    QMenu* m_toolsMenu = nullptr;
    QAction* m_addAction = nullptr;
    QAction* m_pasteAction = nullptr;
    QAction* m_startAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_restartAction = nullptr;
    QAction* m_removeAction = nullptr;
    QAction* m_removeWithFilesAction = nullptr;
    QAction* m_openFileAction = nullptr;
    QAction* m_openFolderAction = nullptr;
    QAction* m_copyUrlAction = nullptr;
    QAction* m_selectAllAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_changeUrlAction = nullptr;
    QAction* m_pauseAllAction = nullptr;
    QAction* m_resumeAllAction = nullptr;
    QAction* m_moveUpAction = nullptr;
    QAction* m_moveDownAction = nullptr;
    QAction* m_moveTopAction = nullptr;
    QAction* m_moveBottomAction = nullptr;
    QAction* m_downloadLimitAction = nullptr;
    QAction* m_sidebarAction = nullptr;
    QAction* m_dropTargetAction = nullptr;
    QAction* m_watchClipboardAction = nullptr;
    QAction* m_settingsAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
};

} // namespace maria2::gui
