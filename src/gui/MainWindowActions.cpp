// MainWindow's actions: their texts, icons, shortcuts (shown in the menus) and what they call.
// (The queue moves are in MainWindowQueue.cpp.)
#include "DownloadsFilter.h"
#include "DownloadsView.h"
#include "Icons.h"
#include "MainWindow.h"
#include "StatusFilterList.h"
#include "session/Session.h"

#include <QAction>
#include <QApplication>
#include <QLineEdit>
#include <QMessageBox>
#include <QTableView>

namespace maria2::gui {

namespace {

QAction* makeAction(QObject* parent, const char* icon, const QString& text, const char* name,
                    const QList<QKeySequence>& keys, const QString& tip) {
    auto* action = icon ? new QAction(resourceIcon(icon), text, parent) : new QAction(text, parent);
    action->setObjectName(QLatin1String(name));
    action->setShortcuts(keys);
    if (!tip.isEmpty())
        action->setToolTip(tip);
    return action;
}

} // namespace

void MainWindow::createActions() {
    m_addAction =
        makeAction(this, "add", tr("&Add URLs\u2026"), "actionAdd",
                   {QKeySequence(QStringLiteral("Ctrl+N"))}, tr("Add downloads (Ctrl+N)"));
    connect(m_addAction, &QAction::triggered, this, [this] { showAddDialog(); });

    m_pasteAction =
        makeAction(this, "paste", tr("Add from &Clipboard"), "actionAddFromClipboard",
                   {QKeySequence::Paste}, tr("Add the links on the clipboard (Ctrl+V)"));
    connect(m_pasteAction, &QAction::triggered, this, &MainWindow::addFromClipboard);

    createCommandActions();
    createViewActions();

    m_pauseAllAction = makeAction(this, "pause", tr("Pause A&ll"), "actionPauseAll", {}, {});
    connect(m_pauseAllAction, &QAction::triggered, this, [this] { m_session->pauseAll(); });
    m_resumeAllAction = makeAction(this, "start", tr("Resume All"), "actionResumeAll", {}, {});
    connect(m_resumeAllAction, &QAction::triggered, this, [this] { m_session->resumeAll(); });

    m_quitAction = makeAction(this, nullptr, tr("&Quit"), "actionQuit",
                              {QKeySequence(QStringLiteral("Ctrl+Q"))},
                              tr("Quit MAria2; unfinished downloads resume at the next start"));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &MainWindow::quit);

    m_aboutAction = makeAction(this, nullptr, tr("&About MAria2"), "actionAbout", {}, {});
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About MAria2"),
                           tr("<b>MAria2</b> %1<br>A fast, dependable download manager.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::createCommandActions() {
    m_startAction =
        makeAction(this, "start", tr("&Start / Resume"), "actionStart",
                   {QKeySequence(QStringLiteral("Ctrl+R")), QKeySequence(Qt::Key_Space)},
                   tr("Start or resume the selected downloads (Ctrl+R, Space)"));
    connect(m_startAction, &QAction::triggered, this, &MainWindow::startSelected);

    m_pauseAction = makeAction(this, "pause", tr("&Pause"), "actionPause",
                               {QKeySequence(QStringLiteral("Ctrl+P"))},
                               tr("Pause the selected downloads (Ctrl+P)"));
    connect(m_pauseAction, &QAction::triggered, this, &MainWindow::pauseSelected);

    m_restartAction = makeAction(this, "restart", tr("Res&tart\u2026"), "actionRestart",
                                 {QKeySequence(QStringLiteral("Ctrl+Shift+R"))},
                                 tr("Download the selected ones again from the start"));
    connect(m_restartAction, &QAction::triggered, this, &MainWindow::restartSelected);

    m_removeAction =
        makeAction(this, "remove", tr("&Remove"), "actionRemove", {QKeySequence::Delete},
                   tr("Remove the selected downloads from the list (Delete)"));
    connect(m_removeAction, &QAction::triggered, this, &MainWindow::removeSelected);

    m_removeWithFilesAction =
        makeAction(this, nullptr, tr("Remove with &Files\u2026"), "actionRemoveWithFiles",
                   {QKeySequence(Qt::SHIFT | Qt::Key_Delete)},
                   tr("Remove the selected downloads and delete their files (Shift+Delete)"));
    connect(m_removeWithFilesAction, &QAction::triggered, this,
            &MainWindow::removeSelectedWithFiles);

    // Enter opens the file only from the table: the search box keeps its own Enter.
    m_openFileAction = makeAction(this, "open", tr("&Open File"), "actionOpenFile",
                                  {QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)},
                                  tr("Open the finished file (Enter)"));
    m_openFileAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_openFileAction, &QAction::triggered, this, &MainWindow::openSelectedFile);

    m_openFolderAction = makeAction(this, "folder", tr("Open &Folder"), "actionOpenFolder",
                                    {QKeySequence(QStringLiteral("Ctrl+O"))},
                                    tr("Open the folder of the selected download (Ctrl+O)"));
    connect(m_openFolderAction, &QAction::triggered, this, &MainWindow::openSelectedFolder);

    m_copyUrlAction =
        makeAction(this, "copy", tr("&Copy URL"), "actionCopyUrl", {QKeySequence::Copy},
                   tr("Copy the links of the selected downloads (Ctrl+C)"));
    connect(m_copyUrlAction, &QAction::triggered, this, &MainWindow::copySelectedUrls);

    m_selectAllAction = makeAction(this, nullptr, tr("Select &All"), "actionSelectAll",
                                   {QKeySequence::SelectAll}, {});
    connect(m_selectAllAction, &QAction::triggered, this, [this] {
        m_view->setFocus();
        m_view->selectAll();
    });

    m_findAction = makeAction(this, "search", tr("&Find\u2026"), "actionFind", {QKeySequence::Find},
                              tr("Search the downloads by name or URL (Ctrl+F)"));
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_searchEdit->setFocus(Qt::ShortcutFocusReason);
        m_searchEdit->selectAll();
    });

    m_changeUrlAction =
        makeAction(this, nullptr, tr("Change &URL\u2026"), "actionChangeUrl",
                   {QKeySequence(QStringLiteral("Ctrl+U"))},
                   tr("Give the selected download a fresh link, e.g. after it expired (Ctrl+U)"));
    connect(m_changeUrlAction, &QAction::triggered, this, &MainWindow::changeUrlOfSelected);
}

void MainWindow::createViewActions() {
    m_sidebarAction = makeAction(this, nullptr, tr("Status &Sidebar"), "actionSidebar", {}, {});
    m_sidebarAction->setCheckable(true);
    m_sidebarAction->setChecked(true);
    connect(m_sidebarAction, &QAction::toggled, this, [this](bool on) {
        m_statusList->setVisible(on);
        if (!on) // hidden, it must not keep filtering
            m_statusList->setCurrentGroup(DownloadsFilter::All);
    });

    m_dropTargetAction =
        makeAction(this, nullptr, tr("&Drop Target"), "actionDropTarget", {},
                   tr("A small box that stays on top: drop links on it to download them"));
    m_dropTargetAction->setCheckable(true);
    connect(m_dropTargetAction, &QAction::triggered, this, [this](bool on) {
        setDropTargetVisible(on);
        emit dropTargetToggled(on);
    });

    m_watchClipboardAction =
        makeAction(this, nullptr, tr("&Watch Clipboard"), "actionWatchClipboard", {},
                   tr("Offer to download links copied in other programs"));
    m_watchClipboardAction->setCheckable(true);
    connect(m_watchClipboardAction, &QAction::triggered, this, [this](bool on) {
        setClipboardWatching(on);
        emit clipboardWatchingToggled(on);
    });

    m_settingsAction = makeAction(this, "settings", tr("&Settings\u2026"), "actionSettings",
                                  {QKeySequence(QStringLiteral("Ctrl+,"))},
                                  tr("Change how MAria2 works (Ctrl+,)"));
    m_settingsAction->setMenuRole(QAction::PreferencesRole);
    connect(m_settingsAction, &QAction::triggered, this, &MainWindow::settingsRequested);
}

} // namespace maria2::gui
