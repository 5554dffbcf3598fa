#include "MainWindow.h"

#include "DownloadsFilter.h"
#include "DownloadsModel.h"
#include "DownloadsView.h"
#include "DropTarget.h"
#include "Icons.h"
#include "ProgressDelegate.h"
#include "SpeedLimitMenu.h"
#include "StateRules.h"
#include "StatusFilterList.h"
#include "StatusPanel.h"
#include "session/Session.h"

#include <QAction>
#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>

namespace maria2::gui {

MainWindow::MainWindow(maria2::Session* session, QWidget* parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_model(new DownloadsModel(this))
    , m_filter(new DownloadsFilter(m_model, this))
    , m_view(new DownloadsView(this)) {
    setWindowTitle(tr("MAria2"));
    setWindowIcon(resourceIcon("maria2"));
    setAcceptDrops(true);
    m_lastFolder = QString::fromStdString(session->config().download.directory);

    m_status = new StatusPanel(statusBar(), session, this);
    m_speedMenu = new SpeedLimitMenu(session, this, this);
    createActions();
    createQueueActions();
    createCentralArea();
    createMenusAndToolBar();
    setUpView();
    createPanes();

    connect(m_model, &DownloadsModel::totalsChanged, this, [this] {
        const DownloadsModel::Totals totals = m_model->totals();
        m_status->showTotals(totals);
        if (totals.stateGeneration == m_shownStateGeneration)
            return; // only the speed moved: the counts and the actions stand
        m_shownStateGeneration = totals.stateGeneration;
        m_statusList->showCounts(totals);
        updateActions(); // a selected row may have changed state
        updateEmptyText();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &MainWindow::updateActions);
    connect(m_filter, &DownloadsFilter::filterChanged, this, [this] {
        updateEmptyText();
        updateActions(); // rows filtered away are no longer selected
    });
    connect(m_view, &QTableView::doubleClicked, this, &MainWindow::openRow);

    m_model->attach(session);
    m_status->showTotals(m_model->totals());
    m_statusList->showCounts(m_model->totals());
    updateActions();
    updateEmptyText();
    createTrayAndNotifier();
    applyUiConfig(true);
    connect(session, &Session::configChanged, this, [this] { applyUiConfig(false); });
    resize(1180, 640);
}

MainWindow::~MainWindow() {
    delete m_dropTarget; // a window of its own, not a child
}

QSortFilterProxyModel* MainWindow::proxy() const {
    return m_filter;
}

QTableView* MainWindow::view() const {
    return m_view;
}

void MainWindow::createCentralArea() {
    m_statusList = new StatusFilterList(this);
    connect(m_statusList, &StatusFilterList::groupChosen, m_filter, &DownloadsFilter::setGroup);

    // Table above, room for a details pane below (splitter()).
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(m_view);
    m_splitter->setStretchFactor(0, 3);

    m_sideSplitter = new QSplitter(Qt::Horizontal, this);
    m_sideSplitter->setObjectName(QStringLiteral("sideSplitter"));
    m_sideSplitter->addWidget(m_statusList);
    m_sideSplitter->addWidget(m_splitter);
    m_sideSplitter->setStretchFactor(0, 0);
    m_sideSplitter->setStretchFactor(1, 1);
    m_sideSplitter->setCollapsible(1, false);
    m_sideSplitter->setSizes({m_statusList->sizeHint().width(), 1000});
    setCentralWidget(m_sideSplitter);

    m_searchEdit = new QLineEdit(this);
    m_searchEdit->setObjectName(QStringLiteral("searchEdit"));
    m_searchEdit->setPlaceholderText(tr("Search name or URL (Ctrl+F)"));
    m_searchEdit->setClearButtonEnabled(true);
    m_searchEdit->setAccessibleName(tr("Search downloads"));
    m_searchEdit->setMaximumWidth(fontMetrics().horizontalAdvance(QLatin1Char('M')) * 22);
    m_searchEdit->addAction(resourceIcon("search"), QLineEdit::LeadingPosition);
    connect(m_searchEdit, &QLineEdit::textChanged, m_filter, &DownloadsFilter::setSearchText);
    // Escape in the box clears the search and goes back to the table.
    auto* clear = new QShortcut(QKeySequence(Qt::Key_Escape), m_searchEdit);
    clear->setContext(Qt::WidgetShortcut);
    connect(clear, &QShortcut::activated, this, [this] {
        m_searchEdit->clear();
        m_view->setFocus();
    });
}

void MainWindow::createMenusAndToolBar() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_addAction);
    file->addAction(m_pasteAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_copyUrlAction);
    edit->addAction(m_selectAllAction);
    edit->addSeparator();
    edit->addAction(m_findAction);

    QMenu* downloads = menuBar()->addMenu(tr("&Downloads"));
    downloads->addAction(m_openFileAction);
    downloads->addAction(m_openFolderAction);
    downloads->addSeparator();
    downloads->addAction(m_startAction);
    downloads->addAction(m_pauseAction);
    downloads->addAction(m_restartAction);
    downloads->addSeparator();
    downloads->addAction(m_changeUrlAction);
    downloads->addAction(m_downloadLimitAction);
    downloads->addSeparator();
    downloads->addAction(m_moveUpAction);
    downloads->addAction(m_moveDownAction);
    downloads->addAction(m_moveTopAction);
    downloads->addAction(m_moveBottomAction);
    downloads->addSeparator();
    downloads->addAction(m_resumeAllAction);
    downloads->addAction(m_pauseAllAction);
    downloads->addSeparator();
    downloads->addAction(m_removeAction);
    downloads->addAction(m_removeWithFilesAction);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->setObjectName(QStringLiteral("viewMenu"));
    m_viewMenu->addAction(m_sidebarAction);

    menuBar()->addMenu(m_speedMenu);

    m_toolsMenu = menuBar()->addMenu(tr("&Tools"));
    m_toolsMenu->setObjectName(QStringLiteral("toolsMenu"));
    m_toolsMenu->addAction(m_watchClipboardAction);
    m_toolsMenu->addSeparator();
    m_toolsMenu->addAction(m_settingsAction);

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

    // The search box at the right end, as in a file manager.
    auto* spacer = new QWidget(toolBar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolBar->addWidget(spacer);
    toolBar->addWidget(m_searchEdit);

    QAction* toolbarToggle = toolBar->toggleViewAction();
    toolbarToggle->setText(tr("&Toolbar"));
    m_viewMenu->addAction(toolbarToggle);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_dropTargetAction);
}

void MainWindow::setUpView() {
    m_view->setModel(m_filter);
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
    m_view->setFrameShape(QFrame::NoFrame);

    // Start in the order downloads were added; a header click sorts by the raw values.
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_view->setSortingEnabled(true);

    // Added is last and takes the room left; the numbers stay compact.
    QHeaderView* header = m_view->horizontalHeader();
    header->setHighlightSections(false);
    header->setStretchLastSection(true);
    header->setMinimumSectionSize(50);
    header->setSectionsMovable(true);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    header->resizeSection(DownloadsModel::Name, 28 * em);
    header->resizeSection(DownloadsModel::Size, 7 * em);
    header->resizeSection(DownloadsModel::Progress, 12 * em);
    header->resizeSection(DownloadsModel::Speed, 7 * em);
    header->resizeSection(DownloadsModel::Eta, 6 * em);
    header->resizeSection(
        DownloadsModel::Connections,
        fontMetrics().horizontalAdvance(
            m_model->headerData(DownloadsModel::Connections, Qt::Horizontal).toString()) +
            3 * em); // room for the sort indicator
    header->resizeSection(DownloadsModel::Engine, 7 * em);
    header->resizeSection(DownloadsModel::Status, 22 * em);
    // Right-click on the header: which columns to show.
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this, &MainWindow::showColumnMenu);

    // The context menu: the same actions as the Downloads menu, so shortcuts show there too.
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    const auto separator = [this] {
        auto* s = new QAction(m_view);
        s->setSeparator(true);
        return s;
    };
    m_view->addActions({m_openFileAction, m_openFolderAction, m_copyUrlAction, separator(),
                        m_startAction, m_pauseAction, m_restartAction, separator(),
                        m_changeUrlAction, m_downloadLimitAction, separator(), m_moveUpAction,
                        m_moveDownAction, m_moveTopAction, m_moveBottomAction, separator(),
                        m_removeAction, m_removeWithFilesAction});
}

void MainWindow::showColumnMenu(const QPoint& at) {
    QHeaderView* header = m_view->horizontalHeader();
    auto* menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    for (int column = 0; column < DownloadsModel::ColumnCount; ++column) {
        QAction* toggle = menu->addAction(m_model->headerData(column, Qt::Horizontal).toString());
        toggle->setCheckable(true);
        toggle->setChecked(!header->isSectionHidden(column));
        toggle->setEnabled(column != DownloadsModel::Name); // the name always shows
        connect(toggle, &QAction::toggled, header,
                [header, column](bool on) { header->setSectionHidden(column, !on); });
    }
    menu->popup(header->viewport()->mapToGlobal(at));
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
    bool anyUnfinished = false;
    bool anyRestart = false;
    const auto selected = selectedDownloads();
    for (const auto& [id, state] : selected) {
        anyStart = anyStart || canStart(state);
        anyPause = anyPause || canPause(state);
        anyUnfinished = anyUnfinished || !isFinal(state);
        anyRestart = anyRestart || state != DownloadState::Removed;
    }
    const bool one = selected.size() == 1;
    m_startAction->setEnabled(anyStart);
    m_pauseAction->setEnabled(anyPause);
    m_restartAction->setEnabled(anyRestart);
    m_removeAction->setEnabled(!selected.isEmpty());
    m_removeWithFilesAction->setEnabled(!selected.isEmpty());
    m_copyUrlAction->setEnabled(!selected.isEmpty());
    m_openFolderAction->setEnabled(one);
    m_openFileAction->setEnabled(one && selected.first().second == DownloadState::Completed);
    m_changeUrlAction->setEnabled(one && canChangeUrl(selected.first().second));
    m_downloadLimitAction->setEnabled(anyUnfinished);
    for (QAction* move : {m_moveUpAction, m_moveDownAction, m_moveTopAction, m_moveBottomAction})
        move->setEnabled(!selected.isEmpty());
    const DownloadsModel::Totals t = m_model->totals();
    m_pauseAllAction->setEnabled(t.active + t.queued > 0);
    m_resumeAllAction->setEnabled(t.paused + t.failed > 0);
    m_selectAllAction->setEnabled(m_filter->rowCount() > 0);
}

void MainWindow::updateEmptyText() {
    if (m_model->rowCount() == 0) {
        m_view->setEmptyText(tr("No downloads yet.\nPress Ctrl+N, paste a link with Ctrl+V, or "
                                "drop links here."));
    } else if (!m_filter->searchText().isEmpty()) {
        m_view->setEmptyText(tr("No download matches \u201c%1\u201d.").arg(m_filter->searchText()));
    } else {
        m_view->setEmptyText(tr("No downloads here: %1 has none.")
                                 .arg(DownloadsFilter::groupName(m_filter->group())));
    }
}

} // namespace maria2::gui
