// AddUrlsDialog: validation names bad lines and gates OK; valid input becomes requests.
#include "AddUrlsDialog.h"

#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QGuiApplication>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
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

TEST(AddUrlsDialogTest, ChecksumIsValidatedAndGoesIntoTheRequest) {
    AddUrlsDialog dialog(QStringLiteral("/tmp"), nullptr, false);
    dialog.setUrlsText(QStringLiteral("http://a.example/x.iso"));
    ASSERT_TRUE(dialog.isInputValid());
    const auto* checksum = dialog.findChild<QLineEdit*>(QStringLiteral("checksumEdit"));
    ASSERT_NE(checksum, nullptr);
    EXPECT_TRUE(checksum->isEnabled());

    // A sha-256 needs 64 hex digits: the message names the algorithm and both lengths.
    dialog.setChecksum(QStringLiteral("sha-256=") + QString(63, QLatin1Char('a')));
    EXPECT_FALSE(dialog.isInputValid());
    EXPECT_FALSE(okEnabled(dialog));
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("sha-256")))
        << dialog.problemText().toStdString();
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("64")));
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("63")));
    EXPECT_TRUE(dialog.requests().isEmpty());

    // A bare digest whose length names no algorithm.
    dialog.setChecksum(QString(50, QLatin1Char('b')));
    EXPECT_FALSE(dialog.isInputValid());
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("has 50 hex digits")))
        << dialog.problemText().toStdString();

    // Not hexadecimal; an unknown algorithm.
    dialog.setChecksum(QStringLiteral("sha-1=") + QString(40, QLatin1Char('z')));
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("hexadecimal")))
        << dialog.problemText().toStdString();
    dialog.setChecksum(QStringLiteral("crc32=deadbeef"));
    EXPECT_TRUE(dialog.problemText().contains(QStringLiteral("unknown algorithm")))
        << dialog.problemText().toStdString();

    // A valid sha-256 (upper case, as sites often print it) is accepted and normalised.
    const QString digest = QStringLiteral("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B"
                                          "7852B855");
    dialog.setChecksum(QStringLiteral("SHA-256=") + digest);
    ASSERT_TRUE(dialog.isInputValid()) << dialog.problemText().toStdString();
    EXPECT_TRUE(okEnabled(dialog));
    EXPECT_TRUE(dialog.problemText().isEmpty());
    auto requests = dialog.requests();
    ASSERT_EQ(requests.size(), 1);
    EXPECT_EQ(requests.at(0).checksum, "sha-256=" + digest.toLower().toStdString());

    // A bare 64-digit digest means sha-256.
    dialog.setChecksum(QStringLiteral("  ") + digest + QStringLiteral(" "));
    ASSERT_TRUE(dialog.isInputValid()) << dialog.problemText().toStdString();
    EXPECT_EQ(dialog.requests().at(0).checksum, "sha-256=" + digest.toLower().toStdString());

    // Two URLs: the checksum box is off and neither checked nor used.
    dialog.setChecksum(QStringLiteral("nonsense"));
    dialog.setUrlsText(QStringLiteral("http://a.example/x.iso\nhttp://a.example/y.iso"));
    EXPECT_FALSE(checksum->isEnabled());
    EXPECT_TRUE(dialog.isInputValid()) << dialog.problemText().toStdString();
    requests = dialog.requests();
    ASSERT_EQ(requests.size(), 2);
    EXPECT_TRUE(requests.at(0).checksum.empty());
    EXPECT_TRUE(requests.at(1).checksum.empty());

    // Empty is fine: no checksum.
    dialog.setUrlsText(QStringLiteral("http://a.example/x.iso"));
    EXPECT_FALSE(dialog.isInputValid()); // "nonsense" is checked again for one URL
    dialog.setChecksum(QString());
    EXPECT_TRUE(dialog.isInputValid());
    EXPECT_TRUE(dialog.requests().at(0).checksum.empty());
}

TEST(AddUrlsDialogTest, ConnectionsBecomeTheRequestsSplit) {
    AddUrlsDialog dialog(QStringLiteral("/tmp"), nullptr, false);
    const auto* spin = dialog.findChild<QSpinBox*>(QStringLiteral("connectionsSpin"));
    ASSERT_NE(spin, nullptr);
    EXPECT_EQ(spin->minimum(), 0); // 0 = Auto
    EXPECT_EQ(spin->maximum(), 64);
    EXPECT_EQ(dialog.connections(), 0);
    EXPECT_EQ(spin->text(), QStringLiteral("Auto"));

    dialog.setConnections(5); // what the window passes from Download.Split
    EXPECT_EQ(dialog.connections(), 5);
    dialog.setUrlsText(QStringLiteral("http://a.example/x.iso\nftp://b.example/y.iso"));
    auto requests = dialog.requests();
    ASSERT_EQ(requests.size(), 2);
    EXPECT_EQ(requests.at(0).split, 5);
    EXPECT_EQ(requests.at(1).split, 5);

    dialog.setConnections(1000); // clamped to the spin box's range
    EXPECT_EQ(dialog.connections(), 64);
    dialog.setConnections(-3);
    EXPECT_EQ(dialog.connections(), 0);
    EXPECT_EQ(dialog.requests().at(0).split, 0); // auto: the engine pool decides
}

TEST(AddUrlsDialogTest, AnEngineCanBeForcedOrLeftToTheRouter) {
    AddUrlsDialog dialog(QStringLiteral("/tmp"), nullptr, false);
    dialog.setEngines({QStringLiteral("segmented"), QStringLiteral("bulk")});
    auto* combo = dialog.findChild<QComboBox*>(QStringLiteral("engineCombo"));
    ASSERT_NE(combo, nullptr);
    ASSERT_EQ(combo->count(), 3);
    dialog.setUrlsText(QStringLiteral("http://a.example/x.iso"));
    EXPECT_TRUE(dialog.engine().isEmpty());
    EXPECT_TRUE(dialog.requests().at(0).engine.empty());
    combo->setCurrentIndex(2);
    EXPECT_EQ(dialog.engine(), QStringLiteral("bulk"));
    EXPECT_EQ(dialog.requests().at(0).engine, "bulk");
}

TEST(AddUrlsDialogTest, SpeedLimitBecomesTheRequestsMaxSpeed) {
    AddUrlsDialog dialog(QStringLiteral("/tmp"), nullptr, false);
    auto* value = dialog.findChild<QDoubleSpinBox*>(QStringLiteral("speedLimitValue"));
    auto* unit = dialog.findChild<QComboBox*>(QStringLiteral("speedLimitUnit"));
    ASSERT_NE(value, nullptr);
    ASSERT_NE(unit, nullptr);
    dialog.setUrlsText(QStringLiteral("http://a.example/x.iso\nhttp://b.example/y.iso"));
    // Empty / 0 = no limit of its own.
    EXPECT_EQ(value->text(), QStringLiteral("Unlimited"));
    EXPECT_EQ(dialog.requests().at(0).maxSpeed, 0);

    // What a person types: 1.5 in MiB/s, then 512 in KiB/s; every request gets it.
    unit->setCurrentIndex(unit->findText(QStringLiteral("MiB/s")));
    value->setValue(1.5);
    auto requests = dialog.requests();
    ASSERT_EQ(requests.size(), 2);
    EXPECT_EQ(requests.at(0).maxSpeed, 3 * 512 * 1024);
    EXPECT_EQ(requests.at(1).maxSpeed, 3 * 512 * 1024);
    unit->setCurrentIndex(unit->findText(QStringLiteral("KiB/s")));
    value->setValue(512);
    EXPECT_EQ(dialog.requests().at(0).maxSpeed, 512 * 1024);

    dialog.setSpeedLimit(2 * 1024 * 1024); // shown in the unit that reads best
    EXPECT_EQ(unit->currentText(), QStringLiteral("MiB/s"));
    EXPECT_DOUBLE_EQ(value->value(), 2.0);
    EXPECT_EQ(dialog.speedLimit(), 2 * 1024 * 1024);
    dialog.setSpeedLimit(0);
    EXPECT_EQ(dialog.requests().at(1).maxSpeed, 0);
}
