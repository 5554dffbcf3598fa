// The settings dialog: it shows a configuration, its editors make a new one that the config
// loader itself judges (errors name the key, OK stays off, nothing is saved), OK writes only the
// keys that differ from the defaults (the old file kept as .bak) and the loader reads that file
// back to the same configuration; the raw JSON page edits the same settings; with a Session,
// OK applies them at once.
#include "SettingsDialog.h"
#include "SettingsSchema.h"
#include "SpeedField.h"
#include "session/AppSetup.h"
#include "session/Session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <set>
#include <string>

using maria2::Config;
using maria2::ConfigLoader;
using maria2::gui::SettingsDialog;
using maria2::gui::SettingsSchema;
using maria2::gui::SpeedField;

namespace {

constexpr qint64 MiB = 1024 * 1024;

// The dotted keys a settings file names (comments allowed, as the loader reads it).
std::set<std::string> keysIn(const QString& text) {
    std::set<std::string> keys;
    const auto root = nlohmann::json::parse(text.toStdString(), nullptr, true, true);
    std::function<void(const nlohmann::json&, const std::string&)> walk =
        [&](const nlohmann::json& node, const std::string& prefix) {
            for (const auto& [name, value] : node.items()) {
                const std::string key = prefix.empty() ? name : prefix + "." + name;
                if (value.is_object())
                    walk(value, key);
                else
                    keys.insert(key);
            }
        };
    walk(root, "");
    return keys;
}

QString readAll(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll());
}

class SettingsDialogTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        // As loaded by the app: an empty folder becomes the platform's Downloads folder.
        m_config.download.directory = maria2::app::defaultDownloadDirectory().toStdString();
    }

    std::unique_ptr<SettingsDialog> dialogOn(const Config& config) {
        auto dialog = std::make_unique<SettingsDialog>(config);
        dialog->setConfigPath(path());
        dialog->open();
        return dialog;
    }

    template <typename T> T* editor(SettingsDialog& dialog, const char* key) {
        auto* widget = qobject_cast<T*>(dialog.editor(QLatin1String(key)));
        EXPECT_NE(widget, nullptr) << key;
        return widget;
    }

    static QPushButton* okButton(SettingsDialog& dialog) {
        return dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    }

    QString path() const { return m_dir.path() + "/config/maria2.json"; }

    QTemporaryDir m_dir;
    Config m_config;
};

TEST(SettingsSchemaTest, RangesAndChoicesComeFromTheLoader) {
    const auto* cpu = SettingsSchema::find("PerformanceSettings.ResourceThreshold.CPUUsage");
    ASSERT_NE(cpu, nullptr);
    EXPECT_EQ(cpu->type, maria2::gui::SettingInfo::Type::Integer);
    EXPECT_EQ(cpu->min, 1);
    EXPECT_EQ(cpu->max, 100);
    const auto* speed = SettingsSchema::find("PerformanceSettings.DownloadSpeedLimit");
    ASSERT_NE(speed, nullptr);
    EXPECT_EQ(speed->min, 0);
    EXPECT_EQ(speed->max, qint64(1) << 40);
    const auto* level = SettingsSchema::find("Logging.Level");
    ASSERT_NE(level, nullptr);
    EXPECT_EQ(level->choices, QStringList({"trace", "debug", "info", "warn", "error", "off"}));
    const auto* finish = SettingsSchema::find("Interface.WhenQueueFinishes");
    ASSERT_NE(finish, nullptr);
    EXPECT_EQ(finish->choices, QStringList({"nothing", "sleep", "shutdown"}));
    const auto* windows = SettingsSchema::find("Queue.TimeWindows");
    ASSERT_NE(windows, nullptr);
    EXPECT_TRUE(windows->choices.isEmpty()); // free text, checked by its own grammar
    EXPECT_EQ(SettingsSchema::find("Network.CheckCertificate")->type,
              maria2::gui::SettingInfo::Type::Boolean);
    EXPECT_EQ(SettingsSchema::find("Nope.Nothing"), nullptr);
}

TEST(SpeedFieldTest, ReadsAndWritesByteCountsExactly) {
    EXPECT_EQ(SpeedField::parse("10M"), 10 * MiB);
    EXPECT_EQ(SpeedField::parse(" 512K "), 512 * 1024);
    EXPECT_EQ(SpeedField::parse("1.5M"), 3 * MiB / 2);
    EXPECT_EQ(SpeedField::parse("1000"), 1000);
    EXPECT_EQ(SpeedField::parse(""), 0);
    EXPECT_EQ(SpeedField::parse("0"), 0);
    EXPECT_FALSE(SpeedField::parse("fast").has_value());
    EXPECT_FALSE(SpeedField::parse("1M, 2M").has_value());
    EXPECT_EQ(SpeedField::format(10 * MiB), "10M");
    EXPECT_EQ(SpeedField::format(1536 * 1024), "1536K");
    EXPECT_EQ(SpeedField::format(1024LL * MiB), "1G");
    EXPECT_EQ(SpeedField::format(1000), "1000");
    EXPECT_EQ(SpeedField::format(0), "0");
    for (const qint64 v : {qint64(1), qint64(4096), 67108864LL, (qint64(1) << 40), 123456789LL})
        EXPECT_EQ(SpeedField::parse(SpeedField::format(v)), v) << v;
}

TEST_F(SettingsDialogTest, EverySettingHasAnEditorOnAPage) {
    auto dialog = dialogOn(m_config);
    for (const auto& info : SettingsSchema::all())
        EXPECT_NE(dialog->editor(info.key), nullptr) << info.key.toStdString();
    EXPECT_EQ(dialog->pageNames().size(), 7);
    EXPECT_TRUE(dialog->isInputValid());
    EXPECT_TRUE(dialog->problemText().isEmpty());
    EXPECT_TRUE(okButton(*dialog)->isEnabled());
    // A spin box has the loader's range.
    auto* cpu = editor<QSpinBox>(*dialog, "PerformanceSettings.ResourceThreshold.CPUUsage");
    ASSERT_NE(cpu, nullptr);
    EXPECT_EQ(cpu->minimum(), 1);
    EXPECT_EQ(cpu->maximum(), 100);
}

TEST_F(SettingsDialogTest, ShowsTheValuesOfTheConfigItOpensOn) {
    m_config.performance.downloadSpeedLimit = 2 * MiB;
    m_config.performance.maxConcurrentDownloads = 3;
    m_config.ui.closeToTray = false;
    m_config.logging.level = "debug";
    m_config.queue.timeWindows = "01:00-07:00";
    m_config.download.directory = m_dir.path().toStdString();
    auto dialog = dialogOn(m_config);
    EXPECT_EQ(editor<SpeedField>(*dialog, "PerformanceSettings.DownloadSpeedLimit")->text(), "2M");
    EXPECT_EQ(editor<QSpinBox>(*dialog, "PerformanceSettings.MaxConcurrentDownloads")->value(), 3);
    EXPECT_FALSE(editor<QCheckBox>(*dialog, "Interface.CloseToTray")->isChecked());
    EXPECT_EQ(editor<QComboBox>(*dialog, "Logging.Level")->currentData().toString(), "debug");
    EXPECT_EQ(editor<QLineEdit>(*dialog, "Queue.TimeWindows")->text(), "01:00-07:00");
    EXPECT_EQ(QDir::fromNativeSeparators(editor<QLineEdit>(*dialog, "Download.Directory")->text()),
              m_dir.path());
    EXPECT_EQ(ConfigLoader::toJson(dialog->config()), ConfigLoader::toJson(m_config));
    EXPECT_TRUE(dialog->restartKeys().isEmpty());
}

TEST_F(SettingsDialogTest, EditedValuesAreSavedAsOnlyTheChangedKeysAndReadBackTheSame) {
    // A file written by hand before: kept as .bak when the dialog rewrites it.
    ASSERT_TRUE(QDir().mkpath(m_dir.path() + "/config"));
    const QByteArray handWritten = "{\n  // mine\n  \"Logging\": { \"Level\": \"warn\" }\n}\n";
    {
        QFile old(path());
        ASSERT_TRUE(old.open(QIODevice::WriteOnly));
        old.write(handWritten);
    }
    auto dialog = dialogOn(m_config);
    QSignalSpy applied(dialog.get(), &SettingsDialog::applied);

    auto* speed = editor<SpeedField>(*dialog, "PerformanceSettings.DownloadSpeedLimit");
    speed->clear();
    QTest::keyClicks(speed, "3M");
    editor<QSpinBox>(*dialog, "Download.Split")->setValue(4);
    QTest::mouseClick(editor<QCheckBox>(*dialog, "Interface.Notifications"), Qt::LeftButton);
    auto* finish = editor<QComboBox>(*dialog, "Interface.WhenQueueFinishes");
    finish->setCurrentIndex(finish->findData("sleep"));
    QTest::keyClicks(editor<QLineEdit>(*dialog, "Queue.TimeWindows"), "weekdays 01:00-07:00");

    ASSERT_TRUE(dialog->isInputValid()) << dialog->problemText().toStdString();
    const Config edited = dialog->config();
    EXPECT_EQ(edited.performance.downloadSpeedLimit, 3 * MiB);
    EXPECT_EQ(edited.download.split, 4);
    EXPECT_FALSE(edited.ui.notifications);
    EXPECT_EQ(edited.ui.whenQueueFinishes, "sleep");
    EXPECT_EQ(edited.queue.timeWindows, "weekdays 01:00-07:00");
    // Download.Split is copied by the engines when they start.
    EXPECT_EQ(dialog->restartKeys(), QStringList({"Download.Split"}));
    EXPECT_TRUE(dialog->restartText().contains("Connections per download"))
        << dialog->restartText().toStdString();

    QTest::mouseClick(okButton(*dialog), Qt::LeftButton);
    EXPECT_EQ(dialog->result(), QDialog::Accepted);
    ASSERT_EQ(applied.count(), 1);
    EXPECT_EQ(applied.at(0).at(0).toStringList(), QStringList({"Download.Split"}));

    const QString saved = readAll(path());
    EXPECT_EQ(keysIn(saved),
              (std::set<std::string>{"PerformanceSettings.DownloadSpeedLimit", "Download.Split",
                                     "Interface.Notifications", "Interface.WhenQueueFinishes",
                                     "Queue.TimeWindows"}))
        << saved.toStdString();
    // The loader reading that file (over the defaults, as the app does) gives the same settings;
    // the folder left out is the platform's Downloads folder, filled in at load.
    Config loaded = ConfigLoader::loadLayers({std::filesystem::path(path().toStdString())}).config;
    EXPECT_TRUE(loaded.download.directory.empty());
    loaded.download.directory = m_config.download.directory;
    EXPECT_EQ(ConfigLoader::toJson(loaded), ConfigLoader::toJson(edited));
    EXPECT_EQ(readAll(path() + ".bak").toUtf8(), handWritten);
}

TEST_F(SettingsDialogTest, AnInvalidValueNamesItsKeyKeepsOkOffAndSavesNothing) {
    auto dialog = dialogOn(m_config);
    auto* windows = editor<QLineEdit>(*dialog, "Queue.TimeWindows");
    QTest::keyClicks(windows, "25:00-26:00");
    EXPECT_FALSE(dialog->isInputValid());
    EXPECT_TRUE(dialog->problemText().contains("Queue.TimeWindows"))
        << dialog->problemText().toStdString();
    EXPECT_FALSE(okButton(*dialog)->isEnabled());
    dialog->accept(); // even when called directly
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_FALSE(QFile::exists(path()));
    windows->clear();
    EXPECT_TRUE(dialog->isInputValid());
    EXPECT_TRUE(okButton(*dialog)->isEnabled());

    auto* presets = editor<QLineEdit>(*dialog, "Interface.SpeedLimitPresets");
    presets->setText("fast");
    EXPECT_TRUE(dialog->problemText().contains("Interface.SpeedLimitPresets"))
        << dialog->problemText().toStdString();
    EXPECT_FALSE(okButton(*dialog)->isEnabled());
    presets->setText("1M, 4M");
    EXPECT_TRUE(dialog->isInputValid());

    auto* speed = editor<SpeedField>(*dialog, "PerformanceSettings.DownloadSpeedLimit");
    speed->setText("quick");
    EXPECT_TRUE(dialog->problemText().contains("PerformanceSettings.DownloadSpeedLimit"))
        << dialog->problemText().toStdString();
    speed->setText("2T"); // a speed, but above the schema's 2^40
    EXPECT_FALSE(dialog->isInputValid());
    speed->setText("1M");
    EXPECT_TRUE(dialog->isInputValid());

    // A rule across two keys, from the loader too.
    editor<QSpinBox>(*dialog, "Retry.MaxDelayMs")->setValue(500);
    EXPECT_FALSE(dialog->isInputValid());
    EXPECT_TRUE(dialog->problemText().contains("Retry.InitialDelayMs"))
        << dialog->problemText().toStdString();
    QTest::mouseClick(okButton(*dialog), Qt::LeftButton);
    EXPECT_FALSE(QFile::exists(path()));
    EXPECT_TRUE(dialog->isVisible());
}

TEST_F(SettingsDialogTest, TheJsonPageEditsTheSameSettings) {
    auto dialog = dialogOn(m_config);
    QPlainTextEdit* json = dialog->jsonEdit();
    ASSERT_NE(json, nullptr);
    EXPECT_EQ(json->toPlainText().toStdString(), ConfigLoader::toJson(m_config));

    // The form follows the JSON; a key left out takes its default.
    json->setPlainText(R"({ "PerformanceSettings": { "MaxConcurrentDownloads": 7 },
                            "Interface": { "WhenQueueFinishes": "shutdown" },
                            "Download": { "Directory": ")" +
                       m_dir.path() + R"(" } })");
    ASSERT_TRUE(dialog->isInputValid()) << dialog->problemText().toStdString();
    EXPECT_EQ(editor<QSpinBox>(*dialog, "PerformanceSettings.MaxConcurrentDownloads")->value(), 7);
    EXPECT_EQ(editor<QComboBox>(*dialog, "Interface.WhenQueueFinishes")->currentData(), "shutdown");
    EXPECT_EQ(dialog->config().performance.maxConcurrentDownloads, 7);

    // And the JSON follows the form.
    editor<QSpinBox>(*dialog, "Logging.MaxFiles")->setValue(9);
    EXPECT_EQ(json->toPlainText().toStdString(), ConfigLoader::toJson(dialog->config()));
    EXPECT_TRUE(json->toPlainText().contains("\"MaxFiles\": 9"));

    // The loader's messages for the JSON too.
    const QString good = json->toPlainText();
    json->setPlainText("{ \"Logging\": { \"Level\": \"loud\" } }");
    EXPECT_FALSE(dialog->isInputValid());
    EXPECT_TRUE(dialog->problemText().contains("Logging.Level"))
        << dialog->problemText().toStdString();
    json->setPlainText("{ \"Logging\": ");
    EXPECT_TRUE(dialog->problemText().contains("syntax error"))
        << dialog->problemText().toStdString();
    EXPECT_FALSE(okButton(*dialog)->isEnabled());
    // An unknown key only warns.
    json->setPlainText(QString(good).replace("\"MaxFiles\": 9", "\"MaxFiles\": 9, \"Colour\": 1"));
    EXPECT_TRUE(dialog->isInputValid()) << dialog->problemText().toStdString();
    EXPECT_TRUE(dialog->restartText().contains("Logging.Colour"))
        << dialog->restartText().toStdString();

    QTest::mouseClick(okButton(*dialog), Qt::LeftButton);
    const Config loaded =
        ConfigLoader::loadLayers({std::filesystem::path(path().toStdString())}).config;
    EXPECT_EQ(ConfigLoader::toJson(loaded), ConfigLoader::toJson(dialog->config()));
    EXPECT_EQ(loaded.performance.maxConcurrentDownloads, 7);
    EXPECT_EQ(loaded.logging.maxFiles, 9);
}

TEST_F(SettingsDialogTest, AProxyPasswordIsMaskedAndRestoreDefaultsResetsTheEditors) {
    auto dialog = dialogOn(m_config);
    auto* proxy = editor<QLineEdit>(*dialog, "Network.Proxy");
    proxy->setText("http://proxy.example:3128");
    EXPECT_EQ(proxy->echoMode(), QLineEdit::Normal);
    proxy->setText("http://me:s3cret@proxy.example:3128");
    EXPECT_EQ(proxy->echoMode(), QLineEdit::Password);
    auto* show = dialog->findChild<QCheckBox*>("Network.Proxy.show");
    ASSERT_NE(show, nullptr);
    show->setChecked(true);
    EXPECT_EQ(proxy->echoMode(), QLineEdit::Normal);
    EXPECT_EQ(dialog->restartKeys(), QStringList({"Network.Proxy"}));

    dialog->restoreDefaults();
    EXPECT_TRUE(proxy->text().isEmpty());
    EXPECT_EQ(ConfigLoader::toJson(dialog->config()), ConfigLoader::toJson(m_config));
    EXPECT_TRUE(dialog->restartKeys().isEmpty());
    EXPECT_FALSE(QFile::exists(path())); // nothing saved before OK
}

TEST_F(SettingsDialogTest, OkAppliesTheSettingsToTheSessionAtOnce) {
    m_config.logging.toFile = false;
    m_config.download.directory = m_dir.path().toStdString();
    maria2::Session session(m_config);
    QSignalSpy changed(&session, &maria2::Session::configChanged);
    SettingsDialog dialog(&session);
    dialog.setConfigPath(path());
    dialog.open();
    QSignalSpy applied(&dialog, &SettingsDialog::applied);
    editor<SpeedField>(dialog, "PerformanceSettings.DownloadSpeedLimit")->setText("768K");
    editor<QSpinBox>(dialog, "PerformanceSettings.MaxConcurrentDownloads")->setValue(2);
    editor<QSpinBox>(dialog, "PerformanceSettings.CacheSize")->setValue(64);
    EXPECT_EQ(dialog.restartKeys(), QStringList({"PerformanceSettings.CacheSize"}));
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);

    EXPECT_EQ(session.speedLimit(), 768 * 1024);
    EXPECT_EQ(session.config().performance.maxConcurrentDownloads, 2);
    EXPECT_EQ(session.config().performance.cacheSizeMb, 64);
    EXPECT_EQ(changed.count(), 1);
    ASSERT_EQ(applied.count(), 1);
    EXPECT_EQ(applied.at(0).at(0).toStringList(), QStringList({"PerformanceSettings.CacheSize"}));
    // Download.Directory is a temporary folder here, not the default: saved too.
    EXPECT_EQ(keysIn(readAll(path())),
              (std::set<std::string>{"PerformanceSettings.DownloadSpeedLimit",
                                     "PerformanceSettings.MaxConcurrentDownloads",
                                     "PerformanceSettings.CacheSize", "Download.Directory",
                                     "Logging.File"}));
    session.shutdown();
}

} // namespace
