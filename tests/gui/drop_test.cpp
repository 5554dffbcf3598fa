// Links coming in: a drop on the main window (URLs, text with links, a .txt list) or on the drop
// target opens the add dialog filled with them, without blocking; Ctrl+V takes the clipboard's
// links; clipboard watching offers new links once, and never what MAria2 copied itself.
#include "AddUrlsDialog.h"
#include "ClipboardWatcher.h"
#include "DownloadsModel.h"
#include "DropTarget.h"
#include "DroppedUrls.h"
#include "MainWindow.h"
#include "session/Session.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QItemSelectionModel>
#include <QMenu>
#include <QMimeData>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QUrl>
#include <gtest/gtest.h>
#include <memory>

using maria2::gui::AddUrlsDialog;
using maria2::gui::ClipboardWatcher;
using maria2::gui::DropTarget;
using maria2::gui::MainWindow;

namespace {

// What a drag-and-drop delivers: the enter event (must be accepted), then the drop.
bool dragAndDrop(QWidget* target, const QMimeData& mime) {
    const QPoint at = target->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted())
        return false;
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

class DropTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        QGuiApplication::clipboard()->clear();
        makeWindow(false);
    }
    void TearDown() override {
        m_window.reset();
        if (m_session)
            m_session->shutdown();
        QGuiApplication::clipboard()->clear();
    }
    void makeWindow(bool watchClipboard) {
        m_window.reset();
        if (m_session)
            m_session->shutdown();
        maria2::Config config = maria2::ConfigLoader::defaults();
        config.download.directory = m_dir.path().toStdString();
        config.logging.toFile = false;
        config.logging.level = "off";
        config.ui.watchClipboard = watchClipboard;
        m_session = std::make_unique<maria2::Session>(config);
        m_window = std::make_unique<MainWindow>(m_session.get());
    }
    AddUrlsDialog* dialog() const { return m_window->openAddDialog(); }
    QStringList dialogUrls() const { return dialog() ? dialog()->urls() : QStringList(); }
    void closeDialog() {
        if (AddUrlsDialog* d = dialog())
            d->reject();
        ASSERT_EQ(dialog(), nullptr);
    }
    QString writeFile(const QString& name, const QByteArray& content) const {
        const QString path = m_dir.path() + QLatin1Char('/') + name;
        QFile file(path);
        EXPECT_TRUE(file.open(QIODevice::WriteOnly));
        file.write(content);
        return path;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<maria2::Session> m_session;
    std::unique_ptr<MainWindow> m_window;
};

} // namespace

TEST_F(DropTest, DroppedUrlsOpenTheAddDialogWithThem) {
    QMimeData mime;
    mime.setUrls({QUrl(QStringLiteral("https://example.com/a.iso")),
                  QUrl(QStringLiteral("ftp://files.example/b.tar.gz")),
                  QUrl(QStringLiteral("mailto:someone@example.com"))}); // not a download
    // The drop returns at once (no exec()): the dialog is on screen, waiting.
    ASSERT_TRUE(dragAndDrop(m_window.get(), mime));
    ASSERT_NE(dialog(), nullptr);
    EXPECT_TRUE(dialog()->isVisible());
    EXPECT_EQ(dialogUrls(), (QStringList{QStringLiteral("https://example.com/a.iso"),
                                         QStringLiteral("ftp://files.example/b.tar.gz")}));
    EXPECT_TRUE(dialog()->isInputValid());

    // A second drop while it is open joins the links there (no second dialog).
    QMimeData more;
    more.setUrls({QUrl(QStringLiteral("https://example.com/c.zip")),
                  QUrl(QStringLiteral("https://example.com/a.iso"))});
    ASSERT_TRUE(dragAndDrop(m_window.get(), more));
    EXPECT_EQ(m_window->findChildren<AddUrlsDialog*>().size(), 1);
    EXPECT_EQ(dialogUrls(), (QStringList{QStringLiteral("https://example.com/a.iso"),
                                         QStringLiteral("ftp://files.example/b.tar.gz"),
                                         QStringLiteral("https://example.com/c.zip")}));

    // Accepting adds them to the session.
    dialog()->accept();
    EXPECT_EQ(m_session->downloads().size(), 3);
}

TEST_F(DropTest, DroppedTextWithLinksOpensTheAddDialog) {
    QMimeData mime;
    mime.setText(QStringLiteral("Get it from <https://example.com/tool.deb> or "
                                "(http://mirror.example/tool.deb). Thanks!"));
    ASSERT_TRUE(dragAndDrop(m_window.get(), mime));
    EXPECT_EQ(dialogUrls(), (QStringList{QStringLiteral("https://example.com/tool.deb"),
                                         QStringLiteral("http://mirror.example/tool.deb")}));

    // Text without links is refused at the door: no dialog, nothing changes.
    closeDialog();
    QMimeData plain;
    plain.setText(QStringLiteral("just words, no links"));
    EXPECT_FALSE(dragAndDrop(m_window.get(), plain));
    EXPECT_EQ(dialog(), nullptr);
}

TEST_F(DropTest, DroppedTextListIsReadUpToOneMebibyte) {
    const QString list = writeFile(
        QStringLiteral("links.TXT"),
        "http://a.example/1.bin\n# my list\n\nsee https://b.example/2.iso.\nnot-a-link\n");
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(list)});
    ASSERT_TRUE(dragAndDrop(m_window.get(), mime));
    EXPECT_EQ(dialogUrls(), (QStringList{QStringLiteral("http://a.example/1.bin"),
                                         QStringLiteral("https://b.example/2.iso")}));
    closeDialog();

    // A huge file: what comes after the first MiB is not read.
    QByteArray big = "https://first.example/early.bin\n";
    big += QByteArray(int(maria2::gui::dropped::kMaxListBytes), 'x');
    big += "\nhttps://late.example/after-the-limit.bin\n";
    const QString bigList = writeFile(QStringLiteral("big.txt"), big);
    EXPECT_EQ(maria2::gui::dropped::urlsInTextFile(bigList),
              QStringList{QStringLiteral("https://first.example/early.bin")});

    // Other local files are not lists.
    const QString image = writeFile(QStringLiteral("photo.png"), "http://x.example/y");
    QMimeData notAList;
    notAList.setUrls({QUrl::fromLocalFile(image)});
    EXPECT_FALSE(dragAndDrop(m_window.get(), notAList));
    EXPECT_EQ(dialog(), nullptr);
}

TEST_F(DropTest, TheDropTargetTakesDropsAndShowsTheSpeed) {
    EXPECT_EQ(m_window->dropTarget(), nullptr); // off by default
    QAction* toggle = m_window->findChild<QAction*>(QStringLiteral("actionDropTarget"));
    ASSERT_NE(toggle, nullptr);
    EXPECT_TRUE(m_window->viewMenu()->actions().contains(toggle));
    QSignalSpy toggled(m_window.get(), &MainWindow::dropTargetToggled);
    toggle->trigger();
    EXPECT_EQ(toggled.size(), 1);
    DropTarget* target = m_window->dropTarget();
    ASSERT_NE(target, nullptr);
    EXPECT_TRUE(target->isVisible());
    EXPECT_TRUE(target->windowFlags() & Qt::WindowStaysOnTopHint);
    EXPECT_TRUE(target->windowFlags() & Qt::FramelessWindowHint);
    EXPECT_EQ(target->windowType(), Qt::Tool);
    EXPECT_FALSE(target->testAttribute(Qt::WA_QuitOnClose));

    QMimeData mime;
    mime.setUrls({QUrl(QStringLiteral("https://example.com/dropped-on-target.iso"))});
    ASSERT_TRUE(dragAndDrop(target, mime));
    EXPECT_EQ(dialogUrls(),
              QStringList{QStringLiteral("https://example.com/dropped-on-target.iso")});

    // It shows the total speed of the table.
    maria2::DownloadSnapshot s;
    s.id = 77;
    s.state = maria2::DownloadState::Downloading;
    s.url = "http://example.com/x.bin";
    s.speedBytesPerSec = 3 * 1024 * 1024;
    m_window->model()->updateDownload(s);
    EXPECT_EQ(target->speedText(), QStringLiteral("3.0 MiB/s"));

    toggle->trigger();
    EXPECT_FALSE(target->isVisible());
}

TEST_F(DropTest, PasteAddsTheClipboardsLinks) {
    QAction* paste = m_window->findChild<QAction*>(QStringLiteral("actionAddFromClipboard"));
    ASSERT_NE(paste, nullptr);
    EXPECT_EQ(paste->shortcut(), QKeySequence(QKeySequence::Paste));

    QGuiApplication::clipboard()->setText(QStringLiteral("nothing to download here"));
    paste->trigger();
    EXPECT_EQ(dialog(), nullptr);

    QGuiApplication::clipboard()->setText(
        QStringLiteral("https://example.com/one.iso https://example.com/two.iso"));
    paste->trigger();
    EXPECT_EQ(dialogUrls(), (QStringList{QStringLiteral("https://example.com/one.iso"),
                                         QStringLiteral("https://example.com/two.iso")}));
}

TEST_F(DropTest, ClipboardWatcherOffersNewLinksOnceAndNeverItsOwn) {
    QClipboard* clipboard = QGuiApplication::clipboard();
    // Off by default: copying a link does nothing.
    ASSERT_FALSE(m_window->clipboardWatcher()->isEnabled());
    clipboard->setText(QStringLiteral("https://example.com/ignored.bin"));
    EXPECT_EQ(dialog(), nullptr);

    // On (as Interface.WatchClipboard = true does): what is already there is not new.
    makeWindow(true);
    ClipboardWatcher* watcher = m_window->clipboardWatcher();
    ASSERT_TRUE(watcher->isEnabled());
    QSignalSpy found(watcher, &ClipboardWatcher::urlsFound);
    watcher->check();
    EXPECT_EQ(found.size(), 0);

    const QString copied = QStringLiteral("Look: https://example.com/new.iso");
    clipboard->setText(copied);
    watcher->check(); // as dataChanged does (a second call must not offer it twice)
    ASSERT_EQ(found.size(), 1);
    EXPECT_EQ(found.first().first().toStringList(),
              QStringList{QStringLiteral("https://example.com/new.iso")});
    EXPECT_EQ(dialogUrls(), QStringList{QStringLiteral("https://example.com/new.iso")});
    closeDialog();

    // The same text again, even after something else: not offered twice.
    clipboard->setText(QStringLiteral("plain words"));
    clipboard->setText(copied);
    EXPECT_EQ(found.size(), 1);
    EXPECT_EQ(dialog(), nullptr);

    // MAria2's own Copy URL is never offered back.
    maria2::DownloadRequest request;
    request.url = "http://127.0.0.1:9/mine.bin";
    request.startPaused = true;
    m_session->add(request);
    request.url = "http://127.0.0.1:9/other.bin";
    m_session->add(request);
    m_window->view()->selectAll();
    QAction* copy = m_window->findChild<QAction*>(QStringLiteral("actionCopyUrl"));
    ASSERT_TRUE(copy->isEnabled());
    copy->trigger();
    EXPECT_EQ(clipboard->text(),
              QStringLiteral("http://127.0.0.1:9/mine.bin\nhttp://127.0.0.1:9/other.bin"));
    EXPECT_EQ(found.size(), 1);
    EXPECT_EQ(dialog(), nullptr);

    // Turned off from the Tools menu: nothing more is offered.
    QAction* toggle = m_window->findChild<QAction*>(QStringLiteral("actionWatchClipboard"));
    ASSERT_NE(toggle, nullptr);
    EXPECT_TRUE(toggle->isChecked());
    toggle->trigger();
    EXPECT_FALSE(watcher->isEnabled());
    clipboard->setText(QStringLiteral("https://example.com/after-off.iso"));
    EXPECT_EQ(found.size(), 1);
}
