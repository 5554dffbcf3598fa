#include "MainWindow.h"

#include "AddUrlsDialog.h"
#include "ChangeUrlDialog.h"
#include "DownloadsModel.h"
#include "Icons.h"
#include "ProgressDelegate.h"
#include "SpeedLimitMenu.h"
#include "StatusPanel.h"
#include "TrayIcon.h"
#include "session/Session.h"

#include <QAction>
#include <QApplication>
#include <QDesktopServices>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <algorithm>

namespace maria2::gui {

namespace {

// Link expired and file changed keep their bytes: resuming them is a person's "try again".
bool canStart(DownloadState s) {
    return s == DownloadState::Paused || s == DownloadState::Failed || needsAttention(s);
}

bool canPause(DownloadState s) {
    return s == DownloadState::Queued || s == DownloadState::Connecting ||
           s == DownloadState::Downloading || s == DownloadState::Stalled ||
           s == DownloadState::Retrying;
}

// Anything not finished may get a fresh link; once all bytes are here (verifying) it is moot.
bool canChangeUrl(DownloadState s) {
    return s != DownloadState::Completed && s != DownloadState::Removed &&
           s != DownloadState::Verifying;
}

// The table, plus a hint in the empty viewport so a first start does not look broken.
class DownloadsView final : public QTableView {
public:
    using QTableView::QTableView;

protected:
    void paintEvent(QPaintEvent* event) override {
        QTableView::paintEvent(event);
        if (model() && model()->rowCount() > 0)
            return;
        QPainter painter(viewport());
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(viewport()->rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         MainWindow::tr("No downloads yet.\nPress Ctrl+N, or drop links here."));
    }
};

} // namespace

MainWindow::MainWindow(maria2::Session* session, QWidget* parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_model(new DownloadsModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_view(new DownloadsView(this)) {
    setWindowTitle(tr("MAria2"));
    setWindowIcon(resourceIcon("maria2"));
    setAcceptDrops(true);
    m_lastFolder = QString::fromStdString(session->config().download.directory);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(DownloadsModel::RawValueRole);
    m_proxy->setSortCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setSortLocaleAware(true);
    m_proxy->setDynamicSortFilter(true);

    m_status = new StatusPanel(statusBar(), session, this);
    m_speedMenu = new SpeedLimitMenu(session, this, this);
    createActions();
    createQueueActions();
    createMenusAndToolBar();
    setUpView();
    setCentralWidget(m_view);

    connect(m_model, &DownloadsModel::totalsChanged, this, [this] {
        m_status->showTotals(m_model->totals());
        updateActions(); // a selected row may have changed state
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::updateActions);
    connect(m_view, &QTableView::doubleClicked, this, &MainWindow::openRow);

    m_model->attach(session);
    m_status->showTotals(m_model->totals());
    updateActions();
    createTray();
    resize(1120, 620);
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions() {
    m_addAction = new QAction(resourceIcon("add"), tr("&Add URLs\u2026"), this);
    m_addAction->setObjectName(QStringLiteral("actionAdd"));
    m_addAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+N")));
    m_addAction->setToolTip(tr("Add downloads (Ctrl+N)"));
    connect(m_addAction, &QAction::triggered, this, [this] { showAddDialog(); });

    m_startAction = new QAction(resourceIcon("start"), tr("&Start / Resume"), this);
    m_startAction->setObjectName(QStringLiteral("actionStart"));
    m_startAction->setShortcuts(
        {QKeySequence(QStringLiteral("Ctrl+R")), QKeySequence(Qt::Key_Space)});
    m_startAction->setToolTip(tr("Start or resume the selected downloads (Ctrl+R, Space)"));
    connect(m_startAction, &QAction::triggered, this, &MainWindow::startSelected);

    m_pauseAction = new QAction(resourceIcon("pause"), tr("&Pause"), this);
    m_pauseAction->setObjectName(QStringLiteral("actionPause"));
    m_pauseAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+P")));
    m_pauseAction->setToolTip(tr("Pause the selected downloads (Ctrl+P)"));
    connect(m_pauseAction, &QAction::triggered, this, &MainWindow::pauseSelected);

    m_removeAction = new QAction(resourceIcon("remove"), tr("&Remove"), this);
    m_removeAction->setObjectName(QStringLiteral("actionRemove"));
    m_removeAction->setShortcut(QKeySequence::Delete);
    m_removeAction->setToolTip(tr("Remove the selected downloads from the list (Delete)"));
    connect(m_removeAction, &QAction::triggered, this, &MainWindow::removeSelected);

    m_openFolderAction = new QAction(resourceIcon("folder"), tr("Open &Folder"), this);
    m_openFolderAction->setObjectName(QStringLiteral("actionOpenFolder"));
    m_openFolderAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+O")));
    m_openFolderAction->setToolTip(tr("Open the folder of the selected download (Ctrl+O)"));
    connect(m_openFolderAction, &QAction::triggered, this, &MainWindow::openSelectedFolder);

    m_changeUrlAction = new QAction(tr("Change &URL\u2026"), this);
    m_changeUrlAction->setObjectName(QStringLiteral("actionChangeUrl"));
    m_changeUrlAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+U")));
    m_changeUrlAction->setToolTip(
        tr("Give the selected download a fresh link, e.g. after it expired (Ctrl+U)"));
    connect(m_changeUrlAction, &QAction::triggered, this, &MainWindow::changeUrlOfSelected);

    m_pauseAllAction = new QAction(tr("Pause A&ll"), this);
    m_pauseAllAction->setObjectName(QStringLiteral("actionPauseAll"));
    connect(m_pauseAllAction, &QAction::triggered, this, [this] { m_session->pauseAll(); });
    m_resumeAllAction = new QAction(tr("Resume All"), this);
    m_resumeAllAction->setObjectName(QStringLiteral("actionResumeAll"));
    connect(m_resumeAllAction, &QAction::triggered, this, [this] { m_session->resumeAll(); });

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setObjectName(QStringLiteral("actionQuit"));
    m_quitAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+Q")));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_aboutAction = new QAction(tr("&About MAria2"), this);
    m_aboutAction->setObjectName(QStringLiteral("actionAbout"));
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About MAria2"),
                           tr("<b>MAria2</b> %1<br>A fast, dependable download manager.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::createMenusAndToolBar() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_addAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu* downloads = menuBar()->addMenu(tr("&Downloads"));
    downloads->addAction(m_startAction);
    downloads->addAction(m_pauseAction);
    downloads->addAction(m_removeAction);
    downloads->addSeparator();
    downloads->addAction(m_changeUrlAction);
    downloads->addAction(m_openFolderAction);
    downloads->addAction(m_downloadLimitAction);
    downloads->addSeparator();
    downloads->addAction(m_moveUpAction);
    downloads->addAction(m_moveDownAction);
    downloads->addAction(m_moveTopAction);
    downloads->addAction(m_moveBottomAction);
    downloads->addSeparator();
    downloads->addAction(m_resumeAllAction);
    downloads->addAction(m_pauseAllAction);

    menuBar()->addMenu(m_speedMenu);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_aboutAction);

    QToolBar* toolBar = addToolBar(tr("Main Toolbar"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setMovable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(22, 22));
    toolBar->addAction(m_addAction);
    toolBar->addSeparator();
    toolBar->addAction(m_startAction);
    toolBar->addAction(m_pauseAction);
    toolBar->addAction(m_removeAction);
    toolBar->addSeparator();
    toolBar->addAction(m_openFolderAction);
    toolBar->addSeparator();
    // The queue moves are frequent and self-explanatory with their arrows: icons only.
    for (QAction* move : {m_moveTopAction, m_moveUpAction, m_moveDownAction, m_moveBottomAction}) {
        auto* button = new QToolButton(toolBar);
        button->setDefaultAction(move);
        button->setToolButtonStyle(move->icon().isNull() ? Qt::ToolButtonTextOnly
                                                         : Qt::ToolButtonIconOnly);
        button->setAutoRaise(true);
        toolBar->addWidget(button);
    }
    toolBar->addSeparator();
    auto* speedButton = new QToolButton(toolBar);
    speedButton->setObjectName(QStringLiteral("speedLimitButton"));
    speedButton->setMenu(m_speedMenu);
    speedButton->setPopupMode(QToolButton::InstantPopup);
    speedButton->setIcon(resourceIcon("speed"));
    speedButton->setText(tr("Speed Limit"));
    speedButton->setToolTip(tr("The overall download speed limit"));
    speedButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    speedButton->setAutoRaise(true);
    toolBar->addWidget(speedButton);
}

void MainWindow::createTray() {
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new TrayIcon(m_session, this, m_pauseAllAction, m_resumeAllAction, m_quitAction, this);
    m_tray->show();
}

void MainWindow::setUpView() {
    m_view->setModel(m_proxy);
    m_view->setItemDelegateForColumn(DownloadsModel::Progress, new ProgressDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setIconSize(QSize(16, 16));
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);

    // Start in the order downloads were added; a header click sorts by the raw values.
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_view->setSortingEnabled(true);

    // Status stretches: error messages are the longest texts; the numbers stay compact.
    QHeaderView* header = m_view->horizontalHeader();
    header->setHighlightSections(false);
    header->setStretchLastSection(true);
    header->setMinimumSectionSize(50);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    header->resizeSection(DownloadsModel::Name, 30 * em);
    header->resizeSection(DownloadsModel::Size, 8 * em);
    header->resizeSection(DownloadsModel::Progress, 13 * em);
    header->resizeSection(DownloadsModel::Speed, 8 * em);
    header->resizeSection(DownloadsModel::Eta, 6 * em);
    header->resizeSection(
        DownloadsModel::Connections,
        fontMetrics().horizontalAdvance(
            m_model->headerData(DownloadsModel::Connections, Qt::Horizontal).toString()) +
            3 * em); // room for the sort indicator
    header->resizeSection(DownloadsModel::Engine, 8 * em);

    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->addAction(m_startAction);
    m_view->addAction(m_pauseAction);
    m_view->addAction(m_removeAction);
    auto* separator = new QAction(m_view);
    separator->setSeparator(true);
    m_view->addAction(separator);
    m_view->addAction(m_changeUrlAction);
    m_view->addAction(m_openFolderAction);
    m_view->addAction(m_downloadLimitAction);
    auto* queueSeparator = new QAction(m_view);
    queueSeparator->setSeparator(true);
    m_view->addAction(queueSeparator);
    m_view->addAction(m_moveUpAction);
    m_view->addAction(m_moveDownAction);
    m_view->addAction(m_moveTopAction);
    m_view->addAction(m_moveBottomAction);
}

QList<QPair<DownloadId, DownloadState>> MainWindow::selectedDownloads() const {
    QList<QPair<DownloadId, DownloadState>> out;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows(DownloadsModel::Name);
    out.reserve(rows.size());
    for (const QModelIndex& index : rows) {
        out.append({index.data(DownloadsModel::IdRole).toULongLong(),
                    DownloadState(index.data(DownloadsModel::StateRole).toInt())});
    }
    return out;
}

void MainWindow::updateActions() {
    bool anyStart = false;
    bool anyPause = false;
    const auto selected = selectedDownloads();
    for (const auto& [id, state] : selected) {
        anyStart = anyStart || canStart(state);
        anyPause = anyPause || canPause(state);
    }
    m_startAction->setEnabled(anyStart);
    m_pauseAction->setEnabled(anyPause);
    m_removeAction->setEnabled(!selected.isEmpty());
    m_openFolderAction->setEnabled(selected.size() == 1);
    m_changeUrlAction->setEnabled(selected.size() == 1 && canChangeUrl(selected.first().second));
    bool anyUnfinished = false;
    for (const auto& [id, state] : selected)
        anyUnfinished = anyUnfinished || !isFinal(state);
    m_downloadLimitAction->setEnabled(anyUnfinished);
    for (QAction* move : {m_moveUpAction, m_moveDownAction, m_moveTopAction, m_moveBottomAction})
        move->setEnabled(!selected.isEmpty());
    const DownloadsModel::Totals t = m_model->totals();
    m_pauseAllAction->setEnabled(t.active + t.queued > 0);
    m_resumeAllAction->setEnabled(t.paused > 0);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!droppedUrls(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QStringList urls = droppedUrls(event->mimeData());
    if (urls.isEmpty())
        return;
    event->acceptProposedAction();
    showAddDialog(urls);
}

QStringList MainWindow::droppedUrls(const QMimeData* mime) {
    QStringList urls;
    if (!mime)
        return urls;
    for (const QUrl& url : mime->urls()) {
        const QString text = url.toString(QUrl::FullyEncoded);
        if (AddUrlsDialog::isSupportedUrl(text))
            urls.append(text);
    }
    if (urls.isEmpty() && mime->hasText())
        urls = AddUrlsDialog::urlsInText(mime->text());
    return urls;
}

void MainWindow::showAddDialog(const QStringList& urls) {
    // Non-modal to the event loop: open() returns at once and the table keeps updating.
    auto* dialog = new AddUrlsDialog(m_lastFolder, this, urls.isEmpty());
    dialog->setConnections(0); // Auto: the pool picks per host (Download.Split is its start)
    dialog->setEngines(m_session->engineNames());
    if (!urls.isEmpty())
        dialog->setUrlsText(urls.join(QLatin1Char('\n')));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_lastFolder = dialog->targetFolder();
        addRequests(dialog->requests());
    });
    dialog->open();
}

void MainWindow::addRequests(const QList<maria2::DownloadRequest>& requests) {
    const Config& config = m_session->config();
    for (DownloadRequest request : requests) {
        if (request.directory.empty())
            request.directory = config.download.directory;
        request.allowOverwrite = request.allowOverwrite || config.download.allowOverwrite;
        request.continuePartial = config.download.continueDownloads;
        m_session->add(request);
    }
}

void MainWindow::startSelected() {
    for (const auto& [id, state] : selectedDownloads()) {
        if (canStart(state))
            m_session->resume(id);
    }
}

void MainWindow::pauseSelected() {
    for (const auto& [id, state] : selectedDownloads()) {
        if (canPause(state))
            m_session->pause(id);
    }
}

void MainWindow::removeSelected() {
    const auto selected = selectedDownloads();
    if (selected.isEmpty())
        return;
    QList<DownloadId> finished;
    QList<DownloadId> unfinished;
    for (const auto& [id, state] : selected)
        (state == DownloadState::Completed ? finished : unfinished).append(id);
    for (DownloadId id : finished) // completed files stay on disk; only the row goes
        m_session->remove(id, false);
    if (unfinished.isEmpty())
        return;

    // Asynchronous on purpose: the table keeps moving while the question is open.
    auto* box =
        new QMessageBox(QMessageBox::Question, tr("Remove Downloads"),
                        tr("Remove %n unfinished download(s)?", nullptr, int(unfinished.size())),
                        QMessageBox::Cancel, this);
    box->setInformativeText(tr("Keep the partial files to resume later, or delete them too."));
    QPushButton* keep = box->addButton(tr("&Remove, Keep Partial Files"), QMessageBox::AcceptRole);
    QPushButton* erase =
        box->addButton(tr("Remove and &Delete Partial Files"), QMessageBox::DestructiveRole);
    box->setDefaultButton(keep);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, keep, erase, unfinished] {
        const QAbstractButton* clicked = box->clickedButton();
        if (clicked != keep && clicked != erase)
            return;
        for (DownloadId id : unfinished)
            m_session->remove(id, clicked == erase);
    });
    box->open();
}

void MainWindow::openSelectedFolder() {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows(DownloadsModel::Name);
    if (rows.size() != 1)
        return;
    QString folder = rows.first().data(DownloadsModel::DirectoryRole).toString();
    const QString filePath = rows.first().data(DownloadsModel::FilePathRole).toString();
    if (!filePath.isEmpty())
        folder = QFileInfo(filePath).absolutePath();
    if (folder.isEmpty() || !QDir(folder).exists()) {
        statusBar()->showMessage(tr("The folder does not exist yet."), 4000);
        return;
    }
    QDesktopServices::openUrl(QUrl::fromLocalFile(folder));
}

void MainWindow::changeUrlOfSelected() {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows(DownloadsModel::Name);
    if (rows.size() != 1)
        return;
    const QModelIndex index = rows.first();
    const DownloadId id = index.data(DownloadsModel::IdRole).toULongLong();
    if (!canChangeUrl(DownloadState(index.data(DownloadsModel::StateRole).toInt())))
        return;

    // Asynchronous like the other dialogs: the table keeps updating while it is open.
    auto* dialog = new ChangeUrlDialog(index.data(Qt::DisplayRole).toString(),
                                       index.data(DownloadsModel::UrlRole).toString(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, id] {
        const int row = m_model->rowOf(id);
        if (row < 0 || !canChangeUrl(m_model->snapshotAt(row).state))
            return; // removed or finished while the dialog was open
        // Unchanged: just try again. (The shown URL has its password masked; never send that.)
        if (dialog->isChanged())
            m_session->changeUrl(id, dialog->encodedUrl());
        m_session->resume(id);
    });
    dialog->open();
}

void MainWindow::openRow(const QModelIndex& proxyIndex) {
    if (!proxyIndex.isValid())
        return;
    const auto state = DownloadState(proxyIndex.data(DownloadsModel::StateRole).toInt());
    if (state == DownloadState::LinkExpired) { // the one thing to do with it
        m_view->selectionModel()->select(proxyIndex, QItemSelectionModel::ClearAndSelect |
                                                         QItemSelectionModel::Rows);
        changeUrlOfSelected();
        return;
    }
    if (state != DownloadState::Completed)
        return;
    const QString filePath = proxyIndex.data(DownloadsModel::FilePathRole).toString();
    if (filePath.isEmpty() || !QFileInfo::exists(filePath)) {
        statusBar()->showMessage(tr("The file is no longer there: %1").arg(filePath), 5000);
        return;
    }
    QDesktopServices::openUrl(QUrl::fromLocalFile(filePath));
}

} // namespace maria2::gui
