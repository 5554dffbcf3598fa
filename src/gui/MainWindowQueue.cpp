// MainWindow's queue and per-download speed commands: Move up / down / to top / to bottom and
// "Speed Limit…" for the selected downloads. (The window itself is in MainWindow.cpp.)
#include "DownloadsFilter.h"
#include "DownloadsModel.h"
#include "DownloadsView.h"
#include "Icons.h"
#include "MainWindow.h"
#include "SpeedLimitDialog.h"
#include "session/Session.h"

#include <QAction>
#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <algorithm>

namespace maria2::gui {

void MainWindow::createQueueActions() {
    const auto make = [this](const char* icon, const QString& text, const char* name,
                             const QKeySequence& key, const QString& tip) {
        auto* action = new QAction(resourceIcon(icon), text, this);
        action->setObjectName(QLatin1String(name));
        action->setShortcut(key);
        action->setToolTip(tip);
        return action;
    };
    m_moveUpAction = make("up", tr("Move &Up"), "actionMoveUp", QKeySequence(Qt::CTRL | Qt::Key_Up),
                          tr("Start the selected downloads earlier (Ctrl+Up)"));
    m_moveDownAction =
        make("down", tr("Move Do&wn"), "actionMoveDown", QKeySequence(Qt::CTRL | Qt::Key_Down),
             tr("Start the selected downloads later (Ctrl+Down)"));
    m_moveTopAction =
        make("top", tr("Move to &Top"), "actionMoveTop", QKeySequence(Qt::CTRL | Qt::Key_Home),
             tr("Start the selected downloads next (Ctrl+Home)"));
    m_moveBottomAction = make("bottom", tr("Move to &Bottom"), "actionMoveBottom",
                              QKeySequence(Qt::CTRL | Qt::Key_End),
                              tr("Start the selected downloads last (Ctrl+End)"));
    connect(m_moveUpAction, &QAction::triggered, this, &MainWindow::moveSelectedUp);
    connect(m_moveDownAction, &QAction::triggered, this, &MainWindow::moveSelectedDown);
    connect(m_moveTopAction, &QAction::triggered, this, &MainWindow::moveSelectedToTop);
    connect(m_moveBottomAction, &QAction::triggered, this, &MainWindow::moveSelectedToBottom);

    m_downloadLimitAction = new QAction(resourceIcon("speed"), tr("Speed &Limit…"), this);
    m_downloadLimitAction->setObjectName(QStringLiteral("actionDownloadSpeedLimit"));
    m_downloadLimitAction->setToolTip(tr("A speed limit of their own for the selected downloads"));
    connect(m_downloadLimitAction, &QAction::triggered, this, &MainWindow::limitSelected);
}

QList<DownloadId> MainWindow::selectedInQueueOrder() const {
    const QList<DownloadId> order = m_session->queueOrder();
    QList<QPair<qsizetype, DownloadId>> ranked;
    for (const auto& [id, state] : selectedDownloads()) {
        const qsizetype at = order.indexOf(id);
        if (at >= 0)
            ranked.append({at, id});
    }
    std::sort(ranked.begin(), ranked.end());
    QList<DownloadId> ids;
    for (const auto& [at, id] : ranked)
        ids.append(id);
    return ids;
}

void MainWindow::showQueueOrder() {
    if (m_view->horizontalHeader()->sortIndicatorSection() < 0)
        return;
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_filter->sort(-1);
}

// Several selected rows move as a block and keep their order: up and to-bottom go first to
// last, down and to-top last to first.
void MainWindow::moveSelectedUp() {
    showQueueOrder();
    for (DownloadId id : selectedInQueueOrder())
        m_session->moveUp(id);
}

void MainWindow::moveSelectedDown() {
    showQueueOrder();
    const QList<DownloadId> ids = selectedInQueueOrder();
    for (auto it = ids.crbegin(); it != ids.crend(); ++it)
        m_session->moveDown(*it);
}

void MainWindow::moveSelectedToTop() {
    showQueueOrder();
    const QList<DownloadId> ids = selectedInQueueOrder();
    for (auto it = ids.crbegin(); it != ids.crend(); ++it)
        m_session->moveToTop(*it);
}

void MainWindow::moveSelectedToBottom() {
    showQueueOrder();
    for (DownloadId id : selectedInQueueOrder())
        m_session->moveToBottom(id);
}

void MainWindow::limitSelected() {
    QList<DownloadId> ids;
    qint64 current = -1;
    for (const auto& [id, state] : selectedDownloads()) {
        if (isFinal(state))
            continue;
        ids.append(id);
        if (current < 0)
            current = m_model->snapshotAt(m_model->rowOf(id)).maxSpeed;
    }
    if (ids.isEmpty())
        return;
    auto* dialog = new SpeedLimitDialog(
        tr("Download Speed Limit"),
        tr("Speed limit of its own for %n download(s); 0 = none (the overall limit still "
           "applies):",
           nullptr, int(ids.size())),
        std::max<qint64>(0, current), this);
    dialog->setObjectName(QStringLiteral("downloadSpeedLimitDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, ids] {
        for (DownloadId id : ids) {
            if (m_model->rowOf(id) < 0) // removed while the dialog was open
                continue;
            m_session->setDownloadSpeedLimit(id, dialog->bytesPerSecond());
            // The row shows the new limit now, not at the download's next state change.
            const DownloadSnapshot latest = m_session->download(id);
            if (latest.id == id)
                m_model->updateDownload(latest);
        }
    });
    dialog->open();
}

} // namespace maria2::gui
