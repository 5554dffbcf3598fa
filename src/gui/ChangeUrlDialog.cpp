#include "ChangeUrlDialog.h"

#include "AddUrlsDialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>

namespace maria2::gui {

ChangeUrlDialog::ChangeUrlDialog(const QString& name, const QString& currentUrl, QWidget* parent)
    : QDialog(parent)
    , m_currentUrl(currentUrl.trimmed())
    , m_edit(new QLineEdit(this))
    , m_errorLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setObjectName(QStringLiteral("changeUrlDialog"));
    setWindowTitle(tr("Change URL"));

    auto* label = new QLabel(tr("New &URL for \u201c%1\u201d:").arg(name), this);
    label->setBuddy(m_edit);
    label->setTextFormat(Qt::PlainText);
    m_edit->setObjectName(QStringLiteral("urlEdit"));
    m_edit->setClearButtonEnabled(true);
    m_edit->setPlaceholderText(tr("https://example.com/file.iso"));

    auto* hint = new QLabel(tr("The bytes downloaded so far are kept: the download continues "
                               "from them if the new link serves the same file."),
                            this);
    hint->setWordWrap(true);

    QPalette errorPalette = m_errorLabel->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xc0, 0x39, 0x2b));
    m_errorLabel->setPalette(errorPalette);
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));

    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Change and &Resume"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_edit, &QLineEdit::textChanged, this, &ChangeUrlDialog::validate);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(label);
    layout->addWidget(m_edit);
    layout->addWidget(m_errorLabel);
    layout->addWidget(hint);
    layout->addStretch(1);
    layout->addWidget(m_buttons);

    m_edit->setText(m_currentUrl);
    m_edit->selectAll(); // a pasted link replaces the old one at once
    validate();
    resize(std::max(560, sizeHint().width()), sizeHint().height());
}

void ChangeUrlDialog::setUrl(const QString& url) {
    m_edit->setText(url);
}

QString ChangeUrlDialog::url() const {
    return m_edit->text().trimmed();
}

QString ChangeUrlDialog::encodedUrl() const {
    return QString::fromUtf8(QUrl(url(), QUrl::StrictMode).toEncoded());
}

bool ChangeUrlDialog::isChanged() const {
    return url() != m_currentUrl;
}

QString ChangeUrlDialog::problemText() const {
    return m_errorLabel->text();
}

void ChangeUrlDialog::validate() {
    const QString text = url();
    QString problem;
    if (text.isEmpty())
        problem = tr("Enter the new link.");
    else if (!AddUrlsDialog::isSupportedUrl(text))
        problem = tr("This is not an http, https, ftp or ftps URL.");
    m_valid = problem.isEmpty();
    m_errorLabel->setText(problem);
    m_errorLabel->setVisible(!m_valid);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid);
}

} // namespace maria2::gui
