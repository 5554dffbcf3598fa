// AddUrlsDialog: validation names bad lines and gates OK; valid input becomes requests.
#include "AddUrlsDialog.h"

#include <QClipboard>
#include <QDialogButtonBox>
#include <QDir>
#include <QGuiApplication>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using maria2::gui::AddUrlsDialog;

namespace {

bool okEnabled(const AddUrlsDialog& dialog) {
    const auto* box = dialog.findChild<QDialogButtonBox*>();
    return box && box->button(QDialogButtonBox::Ok)->isEnabled();
}

} // namespace

TEST(AddUrlsDialogTest, InvalidLineIsReportedAndOkDisabled) {
    AddUrlsDialog dialog(QStringLiteral("/tmp"), nullptr, false);
    EXPECT_FALSE(dialog.isInputValid()); // empty
    EXPECT_FALSE(okEnabled(dialog));

    dialog.setUrlsText(QStringLiteral("http://a.example/x.bin\nnot a url\n\nftp://b.example/y\n"
                                      "mailto:someone@example.com"));
    EXPECT_FALSE(dialog.isInputValid());
    EXPECT_FALSE(okEnabled(dialog));
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("Line 2")))
        << dialog.problemText().toStdString();
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("not a url")));
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("Line 5")));
    EXPECT_FALSE(dialog.problemText().contains(QStringLiteral("Line 1 ")));
    EXPECT_TRUE(dialog.requests().isEmpty());

    // Fixing the lines enables OK and clears the message.
    dialog.setUrlsText(QStringLiteral("http://a.example/x.bin\n\nftp://b.example/y\n"));
    EXPECT_TRUE(dialog.isInputValid());
    EXPECT_TRUE(okEnabled(dialog));
    EXPECT_TRUE(dialog.problemText().isEmpty());

    // No folder: not valid either.
    dialog.setTargetFolder(QString());
    EXPECT_FALSE(okEnabled(dialog));
}

TEST(AddUrlsDialogTest, ValidUrlsBecomeRequestsForTheChosenFolder) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    AddUrlsDialog dialog(QStringLiteral("/somewhere/else"), nullptr, false);
    dialog.setTargetFolder(dir.path());
    dialog.setUrlsText(
        QStringLiteral("  https://a.example/one.iso  \nftps://b.example/two.tar.gz\n"));
    ASSERT_TRUE(dialog.isInputValid());

    // Two URLs: the file name box is off and ignored.
    const auto* fileName = dialog.findChild<QLineEdit*>(QStringLiteral("fileNameEdit"));
    ASSERT_NE(fileName, nullptr);
    EXPECT_FALSE(fileName->isEnabled());

    auto requests = dialog.requests();
    ASSERT_EQ(requests.size(), 2);
    EXPECT_EQ(requests.at(0).url, "https://a.example/one.iso");
    EXPECT_EQ(requests.at(1).url, "ftps://b.example/two.tar.gz");
    for (const auto& r : requests) {
        EXPECT_EQ(QString::fromStdString(r.directory), QDir::cleanPath(dir.path()));
        EXPECT_TRUE(r.fileName.empty());
        EXPECT_FALSE(r.startPaused);
    }

    dialog.setStartNow(false);
    EXPECT_TRUE(dialog.requests().at(0).startPaused);

    // One URL: the file name applies.
    dialog.setUrlsText(QStringLiteral("http://a.example/download?id=7"));
    EXPECT_TRUE(fileName->isEnabled());
    dialog.setFileName(QStringLiteral("report.pdf"));
    requests = dialog.requests();
    ASSERT_EQ(requests.size(), 1);
    EXPECT_EQ(requests.at(0).fileName, "report.pdf");

    dialog.setFileName(QStringLiteral("../escape.pdf"));
    EXPECT_FALSE(dialog.isInputValid());
}

TEST(AddUrlsDialogTest, PrefillsFromClipboardUrls) {
    EXPECT_EQ(AddUrlsDialog::urlsInText(QStringLiteral("get https://x.example/a.zip and "
                                                       "ftp://y.example/b, not file:///etc")),
              QStringList({QStringLiteral("https://x.example/a.zip"),
                           QStringLiteral("ftp://y.example/b")}));

    QClipboard* clipboard = QGuiApplication::clipboard();
    clipboard->setText(QStringLiteral("see https://x.example/a.zip\nhttp://y.example/b.bin"));
    AddUrlsDialog dialog(QStringLiteral("/tmp"));
    if (clipboard->text().isEmpty())
        GTEST_SKIP() << "this platform has no clipboard";
    EXPECT_TRUE(dialog.urlsText().contains(QStringLiteral("https://x.example/a.zip")));
    EXPECT_TRUE(dialog.urlsText().contains(QStringLiteral("http://y.example/b.bin")));
    EXPECT_FALSE(dialog.urlsText().contains(QStringLiteral("see")));
    EXPECT_EQ(dialog.urls().size(), 2);
    clipboard->clear();
}
