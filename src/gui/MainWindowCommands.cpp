// MainWindow's commands on the selected downloads: start, pause, restart, remove (with or
// without their files), open the file or its folder, copy the URLs, change the URL. The questions
// they ask are open() dialogs: the table keeps moving while they are on screen.
#include "ChangeUrlDialog.h"
#include "ClipboardWatcher.h"
#include "DownloadsModel.h"
#include "DownloadsView.h"
#include "MainWindow.h"
#include "StateRules.h"
#include "core/io/ControlFile.h"
#include "session/Session.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QItemSelectionModel>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QTableView>
#include <QUrl>

#include <filesystem>

namespace maria2::gui {

namespace {

// The file of a download on disk now: the finished file, or the part file of an unfinished one.
bool hasFileOnDisk(const DownloadSnapshot& s) {
    if (s.filePath.empty())
        return false;
    if (s.state == DownloadState::Completed)
        return QFileInfo::exists(QString::fromStdString(s.filePath));
    const auto part = io::partPathFor(std::filesystem::path(s.filePath));
    return QFileInfo::exists(QString::fromStdString(part.string()));
}

} // namespace

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

void MainWindow::restartSelected() {
    QList<DownloadId> ids;
    int finished = 0;
    for (const auto& [id, state] : selectedDownloads()) {
        ids.append(id);
        finished += state == DownloadState::Completed ? 1 : 0;
    }
    if (ids.isEmpty())
        return;
    auto* box = new QMessageBox(
        QMessageBox::Question, tr("Restart Downloads"),
        tr("Download %n download(s) again from the start?", nullptr, int(ids.size())),
        QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("restartQuestion"));
    QString info = tr("What was downloaded so far is discarded.");
    if (finished > 0) {
        info += QLatin1Char(' ') +
                tr("%n finished file(s) will be replaced by the new copy.", nullptr, finished);
    }
    box->setInformativeText(info);
    QPushButton* restart = box->addButton(tr("&Restart"), QMessageBox::AcceptRole);
    restart->setObjectName(QStringLiteral("restartButton"));
    box->setDefaultButton(restart);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, restart, ids] {
        if (box->clickedButton() != restart)
            return;
        for (DownloadId id : ids) {
            if (m_model->rowOf(id) >= 0) // not removed while the question was open
                m_session->restart(id);
        }
    });
    box->open();
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

    auto* box =
        new QMessageBox(QMessageBox::Question, tr("Remove Downloads"),
                        tr("Remove %n unfinished download(s)?", nullptr, int(unfinished.size())),
                        QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("removeQuestion"));
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

void MainWindow::removeSelectedWithFiles() {
    const auto selected = selectedDownloads();
    if (selected.isEmpty())
        return;
    QList<DownloadId> ids;
    int files = 0;
    for (const auto& [id, state] : selected) {
        ids.append(id);
        const int row = m_model->rowOf(id);
        files += row >= 0 && hasFileOnDisk(m_model->snapshotAt(row)) ? 1 : 0;
    }
    auto* box = new QMessageBox(
        QMessageBox::Warning, tr("Remove Downloads and Files"),
        tr("Remove %n download(s) and delete their files?", nullptr, int(ids.size())),
        QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("removeWithFilesQuestion"));
    box->setInformativeText(
        files > 0
            ? tr("%n file(s) will be deleted from the disk. This cannot be undone.", nullptr, files)
            : tr("None of their files is on the disk yet."));
    QPushButton* erase =
        box->addButton(tr("Remove and &Delete Files"), QMessageBox::DestructiveRole);
    erase->setObjectName(QStringLiteral("deleteFilesButton"));
    box->setDefaultButton(QMessageBox::Cancel); // deleting is never the default
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, erase, ids] {
        if (box->clickedButton() != erase)
            return;
        for (DownloadId id : ids)
            m_session->remove(id, true);
    });
    box->open();
}

void MainWindow::openSelectedFile() {
    QModelIndex index = m_view->currentIndex();
    const QModelIndexList rows = m_view->selectionModel()->selectedRows(DownloadsModel::Name);
    if (!index.isValid() || !m_view->selectionModel()->isRowSelected(index.row(), {}))
        index = rows.isEmpty() ? QModelIndex() : rows.first();
    openRow(index);
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

void MainWindow::copySelectedUrls() {
    QStringList urls;
    for (const QModelIndex& index : m_view->selectionModel()->selectedRows(DownloadsModel::Name))
        urls.append(index.data(DownloadsModel::UrlRole).toString());
    if (urls.isEmpty())
        return;
    const QString text = urls.join(QLatin1Char('\n'));
    m_clipboardWatcher->ignoreText(text); // ours: never offered back as new links
    QGuiApplication::clipboard()->setText(text);
    statusBar()->showMessage(tr("Copied %n link(s).", nullptr, int(urls.size())), 3000);
}

void MainWindow::changeUrlOfSelected() {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows(DownloadsModel::Name);
    if (rows.size() != 1)
        return;
    const QModelIndex index = rows.first();
    const DownloadId id = index.data(DownloadsModel::IdRole).toULongLong();
    if (!canChangeUrl(DownloadState(index.data(DownloadsModel::StateRole).toInt())))
        return;

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
