#pragma once
// SettingsDialog: edits the whole configuration (every key of the schema) on pages (General,
// Connection, Speed & Queue, Resources, Interface, Logging, Advanced, the last with all settings
// as raw JSON). Every change is checked by the config loader itself (ConfigLoader::apply on the
// JSON the editors make); its message, naming the key, stands next to OK, which stays disabled
// until the input is valid. OK writes the user file (app::saveUserConfig: only keys that differ
// from the defaults, the old file kept as .bak) and applies it to the session at once
// (Session::applyConfig); the keys that only a restart applies are shown while editing.
// Open it with open(): it never blocks the event loop.
#include "core/config/Config.h"

#include <QDialog>
#include <QPointer>
#include <QStringList>
#include <QVariant>

#include <functional>
#include <utility>
#include <vector>

class QDialogButtonBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QStackedWidget;

namespace maria2 {
class Session;
}

namespace maria2::gui {

class SettingsDialog final : public QDialog {
    Q_OBJECT
public:
    // Edits session->config(); OK saves the user file and applies it to the session.
    explicit SettingsDialog(maria2::Session* session, QWidget* parent = nullptr);
    // Edits `config`; OK only saves it (nothing runs it).
    explicit SettingsDialog(const maria2::Config& config, QWidget* parent = nullptr);
    ~SettingsDialog() override;

    // Where OK saves; default app::userConfigPath().
    void setConfigPath(const QString& path) { m_path = path; }
    QString configPath() const { return m_path; }

    // The configuration the input describes (the last valid input).
    const maria2::Config& config() const { return m_config; }
    bool isInputValid() const { return m_valid; }
    QString problemText() const; // the loader's message next to OK; empty when valid
    QString restartText() const; // "Takes effect after a restart: ..."; empty when none
    // Keys changed from the running configuration that only a restart applies.
    QStringList restartKeys() const { return m_restartKeys; }

    // The editor of a dotted key (QSpinBox, QCheckBox, QComboBox, SpeedField or QLineEdit),
    // null if unknown. Its objectName is the key.
    QWidget* editor(const QString& key) const;
    QPlainTextEdit* jsonEdit() const { return m_json; }
    QStringList pageNames() const;
    void showPage(int index);

public slots:
    void accept() override; // saves and applies; stays open with the reason if it cannot save
    void restoreDefaults(); // the editors only; nothing is saved before OK

signals:
    // After OK saved the file and the session took the configuration: the keys that need a
    // restart (empty = everything applied).
    void applied(const QStringList& restartKeys);

private:
    enum class Kind { Auto, Speed, Size, Folder, File, Secret };
    enum Page { General, Connection, SpeedQueue, Resources, Interface, Logging, Advanced, Pages };
    struct Row {
        Row(const char* key, Page page, QString label, Kind kind = Kind::Auto, QString suffix = {},
            QString zeroText = {}, QString tip = {})
            : key(key)
            , page(page)
            , label(std::move(label))
            , kind(kind)
            , suffix(std::move(suffix))
            , zeroText(std::move(zeroText))
            , tip(std::move(tip)) {}
        const char* key;
        Page page;
        QString label;
        Kind kind;
        QString suffix;   // spin boxes: " ms", " %"
        QString zeroText; // spin boxes: what 0 means ("No limit"), empty = just 0
        QString tip;      // tool tip; line edits also show it as their placeholder
    };
    struct Editor {
        QString key;
        QString label;
        QWidget* widget = nullptr; // the value's widget (objectName = key)
        std::function<QVariant()> get;
        std::function<void(const QVariant&)> set;
    };

    SettingsDialog(const maria2::Config& config, maria2::Session* session, QWidget* parent);
    // SettingsPages.cpp: the rows of each page and the editors they need.
    std::vector<Row> rows() const;
    void buildPages();
    Editor makeEditor(const Row& row, QWidget* page);
    QString choiceText(const QString& key, const QString& value) const;

    void showConfig(const maria2::Config& config); // every editor, without re-validating
    void formChanged();
    void jsonChanged();
    void setResult(bool valid, const QString& problem, const QStringList& warnings = {});
    QString labelOf(const QString& key) const;

    QPointer<maria2::Session> m_session;
    maria2::Config m_base;   // what runs now: restart keys are changes from it
    maria2::Config m_config; // the last valid input
    QString m_path;
    bool m_valid = true;
    bool m_syncing = false; // editors or JSON being filled by the dialog itself
    QStringList m_restartKeys;
    std::vector<Editor> m_editors;
    QListWidget* m_pageList = nullptr;
    QStackedWidget* m_pages = nullptr;
    QPlainTextEdit* m_json = nullptr;
    QLabel* m_problem = nullptr;
    QLabel* m_notice = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace maria2::gui
