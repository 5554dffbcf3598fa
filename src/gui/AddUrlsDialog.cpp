#include "AddUrlsDialog.h"

#include "Palette.h"
#include "SpeedLimitEdit.h"
#include "core/integrity/Checksum.h"
#include "ui_AddUrlsDialog.h"

#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QGuiApplication>
#include <QPushButton>
#include <QRegularExpression>
#include <QUrl>
#include <algorithm>

namespace maria2::gui {

namespace {

QString expandHome(const QString& path) {
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        return QDir::homePath() + path.mid(1);
    return path;
}

// What is wrong with a checksum a person typed; empty when parseChecksum accepts it.
QString checksumProblem(const QString& text) {
    std::string why;
    if (parseChecksum(text.toStdString(), &why))
        return {};
    // A bare digest of the wrong length: say which lengths name an algorithm.
    static const QRegularExpression hexOnly(QStringLiteral("^[0-9A-Fa-f]+$"));
    if (!text.contains(QLatin1Char('=')) && hexOnly.match(text).hasMatch()) {
        return AddUrlsDialog::tr("The checksum has %1 hex digits; a bare digest needs 32 (md5), "
                                 "40 (sha-1), 64 (sha-256) or 128 (sha-512), or write it as "
                                 "sha-256=HEX.")
            .arg(text.size());
    }
    // The core names the cause after "invalid checksum '<text>': "; the text is in the box.
    QString reason = QString::fromStdString(why);
    const QString prefix = QStringLiteral("': ");
    if (const qsizetype at = reason.lastIndexOf(prefix); at >= 0)
        reason = reason.mid(at + prefix.size());
    return AddUrlsDialog::tr("The checksum is not valid: %1.").arg(reason);
}

} // namespace

AddUrlsDialog::AddUrlsDialog(const QString& defaultFolder, QWidget* parent, bool readClipboard)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::AddUrlsDialog>()) {
    m_ui->setupUi(this);
    m_ui->folderEdit->setText(QDir::toNativeSeparators(defaultFolder));
    setEngines({}); // "Automatic" until the window passes the pool's engines
    QPalette errorPalette = m_ui->errorLabel->palette();
    errorPalette.setColor(QPalette::WindowText, errorColor(errorPalette));
    m_ui->errorLabel->setPalette(errorPalette);
    m_ui->errorLabel->hide();

    connect(m_ui->urlsEdit, &QPlainTextEdit::textChanged, this, &AddUrlsDialog::validate);
    connect(m_ui->folderEdit, &QLineEdit::textChanged, this, &AddUrlsDialog::validate);
    connect(m_ui->fileNameEdit, &QLineEdit::textChanged, this, &AddUrlsDialog::validate);
    connect(m_ui->checksumEdit, &QLineEdit::textChanged, this, &AddUrlsDialog::validate);
    connect(m_ui->browseButton, &QPushButton::clicked, this, &AddUrlsDialog::browse);

    if (readClipboard) {
        if (const QClipboard* clipboard = QGuiApplication::clipboard()) {
            const QStringList found = urlsInText(clipboard->text());
            if (!found.isEmpty())
                m_ui->urlsEdit->setPlainText(found.join(QLatin1Char('\n')) + QLatin1Char('\n'));
        }
    }
    validate();
    m_ui->urlsEdit->setFocus();
    m_ui->urlsEdit->moveCursor(QTextCursor::End);
}

AddUrlsDialog::~AddUrlsDialog() = default;

bool AddUrlsDialog::isSupportedUrl(const QString& text) {
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return false;
    const QString scheme = url.scheme().toLower();
    return scheme == QLatin1String("http") || scheme == QLatin1String("https") ||
           scheme == QLatin1String("ftp") || scheme == QLatin1String("ftps");
}

QStringList AddUrlsDialog::urlsInText(const QString& text) {
    static const QRegularExpression whitespace(QStringLiteral("\\s+"));
    QStringList found;
    for (QString word : text.split(whitespace, Qt::SkipEmptyParts)) {
        // Prose wraps links in quotes and brackets and ends sentences after them.
        while (!word.isEmpty() && QStringLiteral("<([\"'").contains(word.front()))
            word.remove(0, 1);
        while (!word.isEmpty() && QStringLiteral(".,;:!?>)]\"'").contains(word.back()))
            word.chop(1);
        if (isSupportedUrl(word) && !found.contains(word))
            found.append(word);
    }
    return found;
}

void AddUrlsDialog::validate() {
    m_urls.clear();
    QStringList problems;
    int invalidCount = 0;
    const QStringList lines = m_ui->urlsEdit->toPlainText().split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        if (isSupportedUrl(line)) {
            m_urls.append(line);
            continue;
        }
        // Name the first few bad lines; a pasted page of junk need not be listed whole.
        if (++invalidCount <= 3) {
            problems.append(tr("Line %1 is not an http, https, ftp or ftps URL: \u201c%2\u201d")
                                .arg(i + 1)
                                .arg(line.left(80)));
        }
    }
    if (invalidCount > 3)
        problems.append(tr("\u2026and %n more invalid line(s).", nullptr, invalidCount - 3));

    const bool single = m_urls.size() == 1 && invalidCount == 0;
    m_ui->fileNameEdit->setEnabled(single);
    m_ui->fileNameLabel->setEnabled(single);
    const QString fileName = m_ui->fileNameEdit->text().trimmed();
    if (single && (fileName.contains(QLatin1Char('/')) || fileName.contains(QLatin1Char('\\')) ||
                   fileName == QLatin1String(".") || fileName == QLatin1String(".."))) {
        problems.append(tr("The file name must be a plain name, without folders."));
    }
    m_ui->checksumEdit->setEnabled(single);
    m_ui->checksumLabel->setEnabled(single);
    const QString checksum = m_ui->checksumEdit->text().trimmed();
    if (single && !checksum.isEmpty()) {
        if (const QString problem = checksumProblem(checksum); !problem.isEmpty())
            problems.append(problem);
    }
    const bool folderMissing = m_ui->folderEdit->text().trimmed().isEmpty();
    if (folderMissing && !m_urls.isEmpty())
        problems.append(tr("Choose a folder to save to."));

    m_valid = !m_urls.isEmpty() && problems.isEmpty() && !folderMissing;
    m_ui->errorLabel->setText(problems.join(QLatin1Char('\n')));
    m_ui->errorLabel->setVisible(!problems.isEmpty());
    if (QPushButton* ok = m_ui->buttonBox->button(QDialogButtonBox::Ok)) {
        ok->setEnabled(m_valid);
        ok->setText(m_urls.size() > 1 ? tr("&Add %n Downloads", nullptr, int(m_urls.size()))
                                      : tr("&Add Download"));
    }
}

void AddUrlsDialog::browse() {
    const QString chosen = QFileDialog::getExistingDirectory(
        this, tr("Save Downloads To"), expandHome(m_ui->folderEdit->text().trimmed()));
    if (!chosen.isEmpty())
        m_ui->folderEdit->setText(QDir::toNativeSeparators(chosen));
}

QList<maria2::DownloadRequest> AddUrlsDialog::requests() const {
    QList<DownloadRequest> out;
    if (!m_valid)
        return out;
    const QString folder = targetFolder();
    const QString fileName = m_ui->fileNameEdit->text().trimmed();
    const bool startNow = m_ui->startNowCheck->isChecked();
    // Normalised to the engine's "algorithm=hex" form; validate() has checked it parses.
    std::string checksum;
    if (m_urls.size() == 1) {
        if (const auto spec = parseChecksum(m_ui->checksumEdit->text().trimmed().toStdString()))
            checksum = spec->algorithm + '=' + spec->hex;
    }
    for (const QString& text : m_urls) {
        DownloadRequest request;
        request.url = QUrl(text, QUrl::StrictMode).toEncoded().toStdString();
        request.directory = folder.toStdString();
        if (m_urls.size() == 1) {
            request.fileName = fileName.toStdString();
            request.checksum = checksum;
        }
        if (request.checksum.empty() && m_ui->verifyAutoCheck->isChecked())
            request.checksum = "auto"; // look for NAME.sha256 / SHA256SUMS beside the URL
        request.startPaused = !startNow;
        request.split = connections();
        request.engine = engine().toStdString();
        request.maxSpeed = speedLimit();
        out.append(request);
    }
    return out;
}

void AddUrlsDialog::setUrlsText(const QString& text) {
    m_ui->urlsEdit->setPlainText(text);
}

QString AddUrlsDialog::urlsText() const {
    return m_ui->urlsEdit->toPlainText();
}

void AddUrlsDialog::setTargetFolder(const QString& folder) {
    m_ui->folderEdit->setText(QDir::toNativeSeparators(folder));
}

QString AddUrlsDialog::targetFolder() const {
    return QDir::cleanPath(
        expandHome(QDir::fromNativeSeparators(m_ui->folderEdit->text().trimmed())));
}

void AddUrlsDialog::setFileName(const QString& name) {
    m_ui->fileNameEdit->setText(name);
}

void AddUrlsDialog::setStartNow(bool startNow) {
    m_ui->startNowCheck->setChecked(startNow);
}

void AddUrlsDialog::setChecksum(const QString& checksum) {
    m_ui->checksumEdit->setText(checksum);
}

void AddUrlsDialog::setConnections(int connections) {
    m_ui->connectionsSpin->setValue(std::clamp(connections, m_ui->connectionsSpin->minimum(),
                                               m_ui->connectionsSpin->maximum()));
}

int AddUrlsDialog::connections() const {
    return m_ui->connectionsSpin->value();
}

void AddUrlsDialog::setEngines(const QStringList& names) {
    m_ui->engineCombo->clear();
    m_ui->engineCombo->addItem(tr("Automatic"), QString());
    for (const QString& name : names)
        m_ui->engineCombo->addItem(name, name);
}

QString AddUrlsDialog::engine() const {
    return m_ui->engineCombo->currentData().toString();
}

void AddUrlsDialog::setSpeedLimit(qint64 bytesPerSecond) {
    m_ui->speedLimitEdit->setBytesPerSecond(bytesPerSecond);
}

qint64 AddUrlsDialog::speedLimit() const {
    return m_ui->speedLimitEdit->bytesPerSecond();
}

QString AddUrlsDialog::problemText() const {
    return m_ui->errorLabel->text();
}

} // namespace maria2::gui
