#include "SpeedLimitDialog.h"

#include "SpeedLimitEdit.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QVBoxLayout>

namespace maria2::gui {

SpeedLimitDialog::SpeedLimitDialog(const QString& title, const QString& prompt,
                                   qint64 bytesPerSecond, QWidget* parent)
    : QDialog(parent)
    , m_edit(new SpeedLimitEdit(this)) {
    setWindowTitle(title);
    m_edit->setBytesPerSecond(bytesPerSecond);

    auto* label = new QLabel(prompt, this);
    label->setWordWrap(true);
    label->setBuddy(m_edit);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(label);
    layout->addWidget(m_edit);
    layout->addWidget(buttons);
    m_edit->setFocus();
}

qint64 SpeedLimitDialog::bytesPerSecond() const {
    return m_edit->bytesPerSecond();
}

} // namespace maria2::gui
