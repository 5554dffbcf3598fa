#pragma once
// MainWindow: the downloads table with its toolbar, menus and status bar. Every command goes
// to maria2::Session and returns at once; the table follows the session's signals.
#include "core/engine/DownloadTypes.h"

#include <QList>
#include <QMainWindow>
#include <QStringList>

class QAction;
class QMimeData;
class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace maria2 {
class Session;
}

namespace maria2::gui {

class DownloadsModel;

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(maria2::Session* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    DownloadsModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }

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

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    static QStringList droppedUrls(const QMimeData* mime);
    void createActions();
    void createMenusAndToolBar();
    void setUpView();
    void updateActions();
    void updateStatusBar();
    void openRow(const QModelIndex& proxyIndex);
    // (id, state) of the selected rows, in view order.
    QList<QPair<maria2::DownloadId, maria2::DownloadState>> selectedDownloads() const;

    maria2::Session* m_session;
    DownloadsModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_view;
    QLabel* m_speedLabel;
    QLabel* m_countsLabel;
    QString m_lastFolder; // the add dialog remembers where the last batch went

    QAction* m_addAction = nullptr;
    QAction* m_startAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_removeAction = nullptr;
    QAction* m_openFolderAction = nullptr;
    QAction* m_changeUrlAction = nullptr;
    QAction* m_pauseAllAction = nullptr;
    QAction* m_resumeAllAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
};

} // namespace maria2::gui
