// MainWindow's ways in for new links: the add dialog, Ctrl+V, drops on the window or on the drop
// target, and links copied in other programs while clipboard watching is on.
#include "AddUrlsDialog.h"
#include "ClipboardWatcher.h"
#include "DownloadsModel.h"
#include "DropTarget.h"
#include "DroppedUrls.h"
#include "MainWindow.h"
#include "TrayIcon.h"
#include "core/config/RequestDefaults.h"
#include "session/Session.h"

#include <QAction>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGuiApplication>
#include <QMimeData>
#include <QStatusBar>

#include <optional>

namespace maria2::gui {

QStringList MainWindow::droppedUrls(const QMimeData* mime) {
    return dropped::urls(mime);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (dropped::mayHoldUrls(event->mimeData()))
        event->acceptProposedAction();
}

void MainWindow::dragMoveEvent(QDragMoveEvent* event) {
    if (dropped::mayHoldUrls(event->mimeData()))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QStringList urls = droppedUrls(event->mimeData());
    if (urls.isEmpty()) {
        statusBar()->showMessage(tr("No http, https, ftp or ftps links in what was dropped."),
                                 5000);
        return;
    }
    event->acceptProposedAction();
    showAddDialog(urls);
}

DropTarget* MainWindow::dropTarget() const {
    return m_dropTarget;
}

AddUrlsDialog* MainWindow::openAddDialog() const {
    return m_addDialog && m_addDialog->isVisible() ? m_addDialog.data() : nullptr;
}

void MainWindow::showAddDialog(const QStringList& urls) {
    // One dialog at a time: links dropped or copied while it is open join the ones there.
    if (AddUrlsDialog* open = openAddDialog()) {
        const QStringList there = open->urls();
        QStringList added;
        for (const QString& url : urls) {
            if (!there.contains(url) && !added.contains(url))
                added.append(url);
        }
        if (!added.isEmpty()) {
            QString text = open->urlsText();
            if (!text.isEmpty() && !text.endsWith(QLatin1Char('\n')))
                text += QLatin1Char('\n');
            open->setUrlsText(text + added.join(QLatin1Char('\n')));
        }
        open->raise();
        open->activateWindow();
        return;
    }
    // Non-modal to the event loop: open() returns at once and the table keeps updating.
    auto* dialog = new AddUrlsDialog(m_lastFolder, this, urls.isEmpty());
    dialog->setObjectName(QStringLiteral("addUrlsDialog"));
    dialog->setConnections(0); // Auto: the pool picks per host (Download.Split is its start)
    dialog->setEngines(m_session->engineNames());
    if (!urls.isEmpty())
        dialog->setUrlsText(urls.join(QLatin1Char('\n')));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_lastFolder = dialog->targetFolder();
        addRequests(dialog->requests());
    });
    m_addDialog = dialog;
    dialog->open();
    dialog->raise();
    dialog->activateWindow();
}

void MainWindow::addFromClipboard() {
    const QClipboard* clipboard = QGuiApplication::clipboard();
    const QStringList urls =
        clipboard ? AddUrlsDialog::urlsInText(clipboard->text()) : QStringList();
    if (urls.isEmpty()) {
        const QString message = tr("The clipboard holds no http, https, ftp or ftps links.");
        statusBar()->showMessage(message, 5000);
        if (!isVisible() && m_tray)
            m_tray->showMessage(tr("Nothing to add"), message);
        return;
    }
    showAddDialog(urls);
}

void MainWindow::addRequests(const QList<maria2::DownloadRequest>& requests) {
    const Config& config = m_session->config();
    for (DownloadRequest request : requests) {
        // The dialog's "overwrite" box can only say yes; otherwise the settings decide.
        applyRequestDefaults(
            request, config.download,
            {request.allowOverwrite ? std::optional<bool>(true) : std::nullopt, std::nullopt});
        m_session->add(request);
    }
}

void MainWindow::addUrlsFromOtherProcess(const QStringList& urls) {
    if (urls.isEmpty())
        return;
    // Any program of this user can send URLs: what starts downloading is the person's choice.
    if (m_session->config().ui.confirmUrlsFromOtherProcesses) {
        showAddDialog(urls);
        return;
    }
    QList<DownloadRequest> requests;
    for (const QString& url : urls) {
        DownloadRequest request;
        request.url = url.toStdString();
        requests.append(request);
    }
    addRequests(requests);
}

void MainWindow::offerClipboardUrls(const QStringList& urls) {
    // In the tray: a message that adds them when clicked. On screen: the add dialog at once.
    if (!isVisible() && m_tray && m_tray->isShown()) {
        m_tray->offerUrls(urls);
        return;
    }
    showAddDialog(urls);
}

void MainWindow::setClipboardWatching(bool on) {
    m_clipboardWatcher->setEnabled(on);
    m_watchClipboardAction->setChecked(on);
}

void MainWindow::setDropTargetVisible(bool visible) {
    m_dropTargetAction->setChecked(visible);
    if (!visible) {
        if (m_dropTarget)
            m_dropTarget->hide();
        return;
    }
    if (!m_dropTarget) {
        m_dropTarget = new DropTarget(); // a window of its own (deleted with this one)
        connect(m_dropTarget, &DropTarget::urlsDropped, this,
                [this](const QStringList& urls) { showAddDialog(urls); });
        connect(m_dropTarget, &DropTarget::showWindowRequested, this, &MainWindow::showAndRaise);
        connect(m_dropTarget, &DropTarget::hideRequested, this, [this] {
            setDropTargetVisible(false);
            emit dropTargetToggled(false);
        });
        connect(m_model, &DownloadsModel::totalsChanged, m_dropTarget,
                [this] { m_dropTarget->showSpeed(m_model->totals().speedBytesPerSec); });
        m_dropTarget->showSpeed(m_model->totals().speedBytesPerSec);
    }
    m_dropTarget->show();
    m_dropTarget->raise();
}

void MainWindow::showAndRaise() {
    if (isMinimized())
        showNormal();
    else
        show();
    raise();
    activateWindow();
}

} // namespace maria2::gui
