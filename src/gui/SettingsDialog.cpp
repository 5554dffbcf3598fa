#include "SettingsDialog.h"

#include "Palette.h"
#include "session/AppSetup.h"
#include "session/Session.h"
#include "session/SessionSettings.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

namespace maria2::gui {
namespace {

using Json = nlohmann::ordered_json;

// The origin the loader puts in front of its messages for the form's input; cut off again,
// since the key that follows says where the problem is.
constexpr char kFormOrigin[] = "settings";

QVariant toVariant(const Json& value) {
    if (value.is_boolean())
        return value.get<bool>();
    if (value.is_number_integer())
        return QVariant(qint64(value.get<std::int64_t>()));
    if (value.is_string())
        return QString::fromStdString(value.get<std::string>());
    return {};
}

Json toJson(const QVariant& value) {
    switch (value.typeId()) {
    case QMetaType::Bool:
        return value.toBool();
    case QMetaType::LongLong:
    case QMetaType::Int:
        return std::int64_t(value.toLongLong());
    default:
        return value.toString().toStdString();
    }
}

void flatten(const Json& node, const QString& prefix, QHash<QString, QVariant>& out) {
    for (const auto& [name, value] : node.items()) {
        const QString key = prefix.isEmpty()
                                ? QString::fromStdString(name)
                                : prefix + QLatin1Char('.') + QString::fromStdString(name);
        if (value.is_object())
            flatten(value, key, out);
        else
            out.insert(key, toVariant(value));
    }
}

} // namespace

SettingsDialog::SettingsDialog(maria2::Session* session, QWidget* parent)
    : SettingsDialog(session->config(), session, parent) {
}

SettingsDialog::SettingsDialog(const maria2::Config& config, QWidget* parent)
    : SettingsDialog(config, nullptr, parent) {
}

SettingsDialog::SettingsDialog(const maria2::Config& config, maria2::Session* session,
                               QWidget* parent)
    : QDialog(parent)
    , m_session(session)
    , m_base(config)
    , m_config(config)
    , m_path(app::userConfigPath()) {
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("settingsDialog"));

    m_pageList = new QListWidget(this);
    m_pageList->setObjectName(QStringLiteral("settingsPages"));
    m_pageList->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
    m_pages = new QStackedWidget(this);
    buildPages();
    m_pageList->setFixedWidth(m_pageList->sizeHintForColumn(0) + 24);
    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("settingsProblem"));
    m_problem->setWordWrap(true);
    m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette errorPalette = m_problem->palette();
    errorPalette.setColor(QPalette::WindowText, errorColor(errorPalette));
    m_problem->setPalette(errorPalette);
    m_notice = new QLabel(this);
    m_notice->setObjectName(QStringLiteral("settingsNotice"));
    m_notice->setWordWrap(true);
    QPalette noticePalette = m_notice->palette();
    noticePalette.setColor(QPalette::WindowText, warningColor(noticePalette));
    m_notice->setPalette(noticePalette);

    m_buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            &SettingsDialog::restoreDefaults);

    auto* top = new QHBoxLayout;
    top->addWidget(m_pageList);
    top->addWidget(m_pages, 1);
    auto* messages = new QVBoxLayout;
    messages->addWidget(m_problem);
    messages->addWidget(m_notice);
    auto* bottom = new QHBoxLayout;
    bottom->addLayout(messages, 1);
    bottom->addWidget(m_buttons, 0, Qt::AlignBottom);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addLayout(bottom);

    showConfig(config);
    formChanged();
    m_pageList->setCurrentRow(0);
    resize(760, 520);
}

SettingsDialog::~SettingsDialog() = default;

QStringList SettingsDialog::pageNames() const {
    return {tr("General"),   tr("Connection"), tr("Speed & Queue"), tr("Resources"),
            tr("Interface"), tr("Logging"),    tr("Advanced")};
}

void SettingsDialog::showPage(int index) {
    m_pageList->setCurrentRow(index);
}

QWidget* SettingsDialog::editor(const QString& key) const {
    for (const Editor& e : m_editors) {
        if (e.key == key)
            return e.widget;
    }
    return nullptr;
}

QString SettingsDialog::problemText() const {
    return m_problem->text();
}

QString SettingsDialog::restartText() const {
    return m_notice->text();
}

QString SettingsDialog::labelOf(const QString& key) const {
    for (const Editor& e : m_editors) {
        if (e.key == key)
            return e.label;
    }
    return key;
}

void SettingsDialog::showConfig(const maria2::Config& config) {
    QHash<QString, QVariant> values;
    flatten(Json::parse(ConfigLoader::toJson(config)), {}, values);
    m_syncing = true;
    for (const Editor& e : m_editors) {
        if (const auto it = values.constFind(e.key); it != values.constEnd())
            e.set(*it);
    }
    m_syncing = false;
}

void SettingsDialog::formChanged() {
    if (m_syncing)
        return;
    // The editors' values as a settings file, judged by the loader itself.
    Json root = Json::object();
    for (const Editor& e : m_editors) {
        Json* node = &root;
        for (const QString& part : e.key.split(QLatin1Char('.')))
            node = &(*node)[part.toStdString()];
        *node = toJson(e.get());
    }
    bool valid = true;
    QString problem;
    try {
        m_config = ConfigLoader::apply(ConfigLoader::defaults(), root.dump(), kFormOrigin);
    } catch (const ConfigError& error) {
        valid = false;
        problem = QString::fromUtf8(error.what());
        const QString origin = QString::fromLatin1(kFormOrigin) + QStringLiteral(": ");
        if (problem.startsWith(origin))
            problem.remove(0, origin.size());
    }
    // The JSON page follows the form (the loader's own serialisation when valid).
    m_syncing = true;
    m_json->setPlainText(valid ? QString::fromStdString(ConfigLoader::toJson(m_config))
                               : QString::fromStdString(root.dump(2)) + QLatin1Char('\n'));
    m_syncing = false;
    setResult(valid, problem);
}

void SettingsDialog::jsonChanged() {
    if (m_syncing)
        return;
    std::vector<std::string> warnings;
    try {
        m_config =
            ConfigLoader::apply(ConfigLoader::defaults(), m_json->toPlainText().toStdString(),
                                tr("JSON").toStdString(), &warnings);
    } catch (const ConfigError& error) {
        setResult(false, QString::fromUtf8(error.what()));
        return;
    }
    showConfig(m_config); // the form follows the JSON
    QStringList notes;
    for (const std::string& w : warnings)
        notes << QString::fromStdString(w);
    setResult(true, {}, notes);
}

void SettingsDialog::setResult(bool valid, const QString& problem, const QStringList& warnings) {
    m_valid = valid;
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_restartKeys = valid ? restartNeededKeys(m_base, m_config) : QStringList();
    QStringList notes = warnings;
    if (!m_restartKeys.isEmpty()) {
        QStringList labels;
        for (const QString& key : std::as_const(m_restartKeys))
            labels << labelOf(key);
        notes << tr("Takes effect after a restart: %1").arg(labels.join(QStringLiteral(", ")));
        m_notice->setToolTip(m_restartKeys.join(QLatin1Char('\n')));
    }
    m_notice->setText(notes.join(QLatin1Char('\n')));
    m_notice->setVisible(!notes.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(valid);
}

void SettingsDialog::restoreDefaults() {
    maria2::Config defaults = ConfigLoader::defaults();
    defaults.download.directory = app::defaultDownloadDirectory().toStdString();
    showConfig(defaults);
    formChanged();
}

void SettingsDialog::accept() {
    if (!m_valid)
        return;
    // Nothing changed: the file (perhaps written by hand, with comments) is left as it is.
    if (!changedConfigKeys(m_base, m_config).isEmpty()) {
        QString error;
        if (!app::saveUserConfig(m_config, &error, m_path)) {
            m_problem->setText(error);
            m_problem->setVisible(true);
            return;
        }
    }
    const QStringList restart = m_session ? m_session->applyConfig(m_config) : m_restartKeys;
    m_base = m_config;
    emit applied(restart);
    QDialog::accept();
}

} // namespace maria2::gui
