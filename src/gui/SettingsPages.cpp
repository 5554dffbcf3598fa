// SettingsDialog's pages: which settings each shows, with what label and editor. The keys,
// types, ranges and choices come from the loader (SettingsSchema); a setting added to the
// schema later and not listed here still gets an editor on the Advanced page.
#include "SettingsDialog.h"
#include "SettingsSchema.h"
#include "SpeedField.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSet>
#include <QSpinBox>
#include <QStackedWidget>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <limits>

namespace maria2::gui {

std::vector<SettingsDialog::Row> SettingsDialog::rows() const {
    const QString ms = tr(" ms");
    const QString s = tr(" s");
    const QString mb = tr(" MB");
    const QString pc = tr(" %");
    return {
        // General
        {"Download.Directory",
         General,
         tr("Save downloads to:"),
         Kind::Folder,
         {},
         {},
         tr("Empty = the Downloads folder of this computer")},
        {"Download.Continue", General, tr("Resume partially downloaded files")},
        {"Download.AllowOverwrite", General, tr("Replace an existing file of the same name")},
        {"Download.Preallocate", General, tr("Reserve the whole file on disk at the start")},
        // Connection
        {"Download.Split", Connection, tr("Connections per download:")},
        {"Download.MaxConnectionsPerServer", Connection, tr("Most connections per server:")},
        {"Download.ConnectionCeiling", Connection, tr("Most connections chosen automatically:")},
        {"Download.MinSplitSize", Connection, tr("Smallest piece of a split file:"), Kind::Size},
        {"Download.SplitBelowSpeed",
         Connection,
         tr("Do not split a connection faster than:"),
         Kind::Speed,
         {},
         {},
         tr("Bytes per second; 0 = always split")},
        {"Network.ConnectTimeoutSeconds", Connection, tr("Connect timeout:"), Kind::Auto, s},
        {"Network.LowSpeedLimitBytes",
         Connection,
         tr("A transfer is stalled below:"),
         Kind::Speed,
         {},
         {},
         tr("Bytes per second; 0 = never stalled")},
        {"Network.LowSpeedTimeSeconds", Connection, tr("\u2026for longer than:"), Kind::Auto, s},
        {"Network.MaxRedirects", Connection, tr("Redirects followed:")},
        {"Network.Proxy",
         Connection,
         tr("Proxy:"),
         Kind::Secret,
         {},
         {},
         tr("None (or the system's) \u2014 e.g. http://user:password@proxy:3128")},
        {"Network.UserAgent",
         Connection,
         tr("User agent:"),
         Kind::Auto,
         {},
         {},
         tr("Empty = MAria2/<version>")},
        {"Network.CheckCertificate", Connection, tr("Verify TLS certificates")},
        {"Network.CACertificate",
         Connection,
         tr("Trusted certificates (PEM):"),
         Kind::File,
         {},
         {},
         tr("Empty = the system's certificate store")},
        {"Retry.MaxTries", Connection, tr("Attempts per download:")},
        {"Retry.InitialDelayMs", Connection, tr("First retry after:"), Kind::Auto, ms},
        {"Retry.MaxDelayMs", Connection, tr("Longest wait between attempts:"), Kind::Auto, ms},
        // Speed & Queue
        {"PerformanceSettings.DownloadSpeedLimit",
         SpeedQueue,
         tr("Overall speed limit:"),
         Kind::Speed,
         {},
         {},
         tr("Bytes per second, e.g. 10M; 0 = unlimited")},
        {"PerformanceSettings.MaxConcurrentDownloads", SpeedQueue,
         tr("Downloads at the same time:")},
        {"Queue.MaxDownloadsPerHost",
         SpeedQueue,
         tr("Downloads per server at once:"),
         Kind::Auto,
         {},
         tr("No limit")},
        {"Queue.TimeWindows",
         SpeedQueue,
         tr("Download only during:"),
         Kind::Auto,
         {},
         {},
         tr("Any time \u2014 e.g. 01:00-07:00; weekdays 09:00-17:00 at 512K")},
        {"Queue.StopOutsideWindows", SpeedQueue,
         tr("Pause running downloads when the time windows close")},
        {"Queue.Retries",
         SpeedQueue,
         tr("Retries of a failed download:"),
         Kind::Auto,
         {},
         tr("None")},
        {"Queue.RetryDelaySeconds", SpeedQueue, tr("First retry after:"), Kind::Auto, s},
        {"Queue.RetryMaxDelaySeconds", SpeedQueue, tr("Longest wait between retries:"), Kind::Auto,
         s},
        {"Interface.SpeedLimitPresets",
         SpeedQueue,
         tr("Speed limit menu entries:"),
         Kind::Auto,
         {},
         {},
         tr("e.g. 512K, 1M, 2M, 5M, 10M")},
        // Resources
        {"PerformanceSettings.ResourceThreshold.CPUUsage", Resources,
         tr("Slow down above CPU use:"), Kind::Auto, pc},
        {"PerformanceSettings.ResourceThreshold.MemoryUsage", Resources,
         tr("Slow down above memory use:"), Kind::Auto, pc},
        {"Monitor.RecoveryMarginPercent", Resources, tr("Speed up again below the limit by:"),
         Kind::Auto, pc},
        {"Monitor.DwellSamples", Resources, tr("Samples in a row before acting:")},
        {"Monitor.SampleIntervalMs", Resources, tr("Measure the computer every:"), Kind::Auto, ms},
        {"Monitor.FreeSpaceFloorMB", Resources, tr("Pause when free disk space is below:"),
         Kind::Auto, mb, tr("Never")},
        {"PerformanceSettings.CacheSize", Resources, tr("Remembered server answers, up to:"),
         Kind::Auto, mb, tr("Nothing")},
        // Interface
        {"Interface.CloseToTray", Interface, tr("Closing the window keeps MAria2 in the tray")},
        {"Interface.Notifications", Interface, tr("Announce finished and failed downloads")},
        {"Interface.WatchClipboard", Interface, tr("Offer to add links copied anywhere")},
        {"Interface.ConfirmUrlsFromOtherProcesses", Interface,
         tr("Ask before adding links sent by other programs")},
        {"Interface.DropTarget", Interface, tr("Show a small box to drop links on")},
        {"Interface.KeepAwake", Interface, tr("Keep the computer awake while downloading")},
        {"Interface.WhenQueueFinishes", Interface, tr("When all downloads have finished:")},
        {"Interface.ProgressIntervalMs", Interface, tr("Refresh progress every:"), Kind::Auto, ms},
        // Logging
        {"Logging.Level", Logging, tr("Log level:")},
        {"Logging.File", Logging, tr("Write a log file")},
        {"Logging.MaxFileSizeMB", Logging, tr("Size of one log file:"), Kind::Auto, mb},
        {"Logging.MaxFiles", Logging, tr("Log files kept:")},
        // Advanced
        {"Download.ControlSaveIntervalMs", Advanced, tr("Save resume data every:"), Kind::Auto, ms},
    };
}

QString SettingsDialog::choiceText(const QString& key, const QString& value) const {
    if (key == QLatin1String("Interface.WhenQueueFinishes")) {
        if (value == QLatin1String("nothing"))
            return tr("Do nothing");
        if (value == QLatin1String("sleep"))
            return tr("Put the computer to sleep");
        if (value == QLatin1String("shutdown"))
            return tr("Shut the computer down");
    } else if (key == QLatin1String("Logging.Level")) {
        if (value == QLatin1String("trace"))
            return tr("Everything (trace)");
        if (value == QLatin1String("debug"))
            return tr("Debugging details (debug)");
        if (value == QLatin1String("info"))
            return tr("Normal (info)");
        if (value == QLatin1String("warn"))
            return tr("Warnings and errors (warn)");
        if (value == QLatin1String("error"))
            return tr("Errors only (error)");
        if (value == QLatin1String("off"))
            return tr("Nothing (off)");
    }
    return value;
}

void SettingsDialog::buildPages() {
    const QStringList names = pageNames();
    std::vector<QFormLayout*> forms;
    QVBoxLayout* advanced = nullptr;
    for (int p = 0; p < Pages; ++p) {
        auto* content = new QWidget;
        auto* column = new QVBoxLayout(content);
        auto* form = new QFormLayout;
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        column->addLayout(form);
        forms.push_back(form);
        if (p == Advanced) {
            advanced = column;
        } else {
            column->addStretch(1);
        }
        auto* scroll = new QScrollArea;
        scroll->setObjectName(QStringLiteral("settingsPage%1").arg(p));
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        scroll->setWidget(content);
        m_pages->addWidget(scroll);
        m_pageList->addItem(names.value(p));
    }

    std::vector<Row> all = rows();
    QSet<QString> listed;
    for (const Row& row : all)
        listed.insert(QString::fromLatin1(row.key));
    std::vector<QByteArray> extraKeys; // keeps the key text alive for Row::key
    for (const SettingInfo& info : SettingsSchema::all()) {
        if (!listed.contains(info.key))
            extraKeys.push_back(info.key.toLatin1());
    }
    for (const QByteArray& key : extraKeys)
        all.push_back({key.constData(), Advanced, QString::fromLatin1(key) + QLatin1Char(':')});

    for (const Row& row : all) {
        QFormLayout* form = forms[row.page];
        Editor e = makeEditor(row, form->parentWidget());
        if (!e.widget)
            continue;
        if (qobject_cast<QCheckBox*>(e.widget)) {
            form->addRow(e.widget);
        } else {
            // Folder, file and proxy editors sit in a row with their buttons.
            QWidget* field = e.widget->parentWidget() != form->parentWidget()
                                 ? e.widget->parentWidget()
                                 : e.widget;
            form->addRow(row.label, field);
            if (auto* label = qobject_cast<QLabel*>(form->labelForField(field)))
                label->setBuddy(e.widget);
        }
        m_editors.push_back(std::move(e));
    }

    auto* heading = new QLabel(tr("All settings as JSON (the same rules apply; a key left out "
                                  "takes its default):"));
    heading->setWordWrap(true);
    m_json = new QPlainTextEdit;
    m_json->setObjectName(QStringLiteral("settingsJson"));
    m_json->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_json->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_json->setMinimumHeight(200);
    heading->setBuddy(m_json);
    advanced->addWidget(heading);
    advanced->addWidget(m_json, 1);
    connect(m_json, &QPlainTextEdit::textChanged, this, &SettingsDialog::jsonChanged);
}

SettingsDialog::Editor SettingsDialog::makeEditor(const Row& row, QWidget* page) {
    const QString key = QString::fromLatin1(row.key);
    const SettingInfo* info = SettingsSchema::find(key);
    if (!info)
        return {}; // listed here but gone from the schema
    Editor e;
    e.key = key;
    e.label = row.label;
    e.label.remove(QLatin1Char('&'));
    if (e.label.endsWith(QLatin1Char(':')))
        e.label.chop(1);
    const auto changed = [this] {
        formChanged();
    };

    // A line edit with a button or check box beside it.
    const auto withButton = [page](QLineEdit* edit, QWidget* button) {
        auto* box = new QWidget(page);
        auto* layout = new QHBoxLayout(box);
        layout->setContentsMargins(0, 0, 0, 0);
        edit->setParent(box);
        button->setParent(box);
        layout->addWidget(edit, 1);
        layout->addWidget(button);
    };

    if (info->type == SettingInfo::Type::Boolean) {
        auto* box = new QCheckBox(row.label, page);
        connect(box, &QCheckBox::toggled, this, changed);
        e.widget = box;
        e.get = [box] {
            return QVariant(box->isChecked());
        };
        e.set = [box](const QVariant& v) {
            box->setChecked(v.toBool());
        };
    } else if (info->type == SettingInfo::Type::Integer &&
               (row.kind == Kind::Speed || row.kind == Kind::Size ||
                info->max > std::numeric_limits<int>::max())) {
        auto* field = new SpeedField(page);
        connect(field, &QLineEdit::textChanged, this, changed);
        e.widget = field;
        // Text that is not a byte count goes to the loader as it is: its message names the key.
        e.get = [field] {
            const auto bytes = field->bytes();
            return bytes ? QVariant(*bytes) : QVariant(field->text());
        };
        e.set = [field](const QVariant& v) {
            field->setBytes(v.toLongLong());
        };
    } else if (info->type == SettingInfo::Type::Integer) {
        auto* spin = new QSpinBox(page);
        spin->setRange(int(std::max<qint64>(info->min, std::numeric_limits<int>::min())),
                       int(std::min<qint64>(info->max, std::numeric_limits<int>::max())));
        spin->setSuffix(row.suffix);
        if (!row.zeroText.isEmpty() && info->min == 0)
            spin->setSpecialValueText(row.zeroText);
        spin->setAccelerated(true);
        connect(spin, &QSpinBox::valueChanged, this, changed);
        e.widget = spin;
        e.get = [spin] {
            return QVariant(qint64(spin->value()));
        };
        e.set = [spin](const QVariant& v) {
            spin->setValue(int(v.toLongLong()));
        };
    } else if (!info->choices.isEmpty()) {
        auto* combo = new QComboBox(page);
        for (const QString& choice : info->choices)
            combo->addItem(choiceText(key, choice), choice);
        connect(combo, &QComboBox::currentIndexChanged, this, changed);
        e.widget = combo;
        e.get = [combo] {
            return combo->currentData();
        };
        e.set = [combo](const QVariant& v) {
            int index = combo->findData(v.toString());
            if (index < 0) { // not a choice: shown as it is, and the loader says why
                combo->addItem(v.toString(), v.toString());
                index = combo->count() - 1;
            }
            combo->setCurrentIndex(index);
        };
    } else {
        auto* edit = new QLineEdit(page);
        edit->setPlaceholderText(row.tip);
        edit->setClearButtonEnabled(true);
        connect(edit, &QLineEdit::textChanged, this, changed);
        e.widget = edit;
        e.get = [edit] {
            return QVariant(edit->text().trimmed());
        };
        e.set = [edit](const QVariant& v) {
            edit->setText(v.toString());
        };
        if (row.kind == Kind::Folder || row.kind == Kind::File) {
            auto* browse = new QToolButton;
            browse->setText(tr("Browse\u2026"));
            browse->setObjectName(key + QStringLiteral(".browse"));
            withButton(edit, browse);
            const bool folder = row.kind == Kind::Folder;
            connect(browse, &QToolButton::clicked, this, [this, edit, folder] {
                const QString current = QDir::fromNativeSeparators(edit->text().trimmed());
                const QString chosen =
                    folder
                        ? QFileDialog::getExistingDirectory(this, tr("Save Downloads To"), current)
                        : QFileDialog::getOpenFileName(
                              this, tr("Trusted Certificates"), current,
                              tr("Certificates (*.pem *.crt);;All files (*)"));
                if (!chosen.isEmpty())
                    edit->setText(QDir::toNativeSeparators(chosen));
            });
            e.get = [edit] {
                return QVariant(QDir::fromNativeSeparators(edit->text().trimmed()));
            };
            e.set = [edit](const QVariant& v) {
                edit->setText(QDir::toNativeSeparators(v.toString()));
            };
        } else if (row.kind == Kind::Secret) {
            // A proxy URL with a password is masked unless the person asks to see it.
            auto* show = new QCheckBox(tr("Show"));
            show->setObjectName(key + QStringLiteral(".show"));
            withButton(edit, show);
            const auto mask = [edit, show] {
                const bool secret = !QUrl(edit->text().trimmed()).password().isEmpty();
                show->setVisible(secret);
                edit->setEchoMode(secret && !show->isChecked() ? QLineEdit::Password
                                                               : QLineEdit::Normal);
            };
            connect(edit, &QLineEdit::textChanged, this, mask);
            connect(show, &QCheckBox::toggled, this, mask);
            mask();
        }
    }
    e.widget->setObjectName(key);
    const QString tip = row.tip.isEmpty() ? key : row.tip + QStringLiteral("\n") + key;
    e.widget->setToolTip(tip);
    return e;
}

} // namespace maria2::gui
