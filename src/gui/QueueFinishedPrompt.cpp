#include "QueueFinishedPrompt.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <spdlog/spdlog.h>

namespace maria2::gui {

QueueFinishedPrompt::QueueFinishedPrompt(maria2::PowerKind kind, maria2::PowerAction* power,
                                         QWidget* parent, int seconds)
    : QDialog(parent)
    , m_kind(kind)
    , m_power(power)
    , m_total(std::max(seconds, 1))
    , m_remaining(m_total)
    , m_timer(new QTimer(this))
    , m_text(new QLabel(this))
    , m_bar(new QProgressBar(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this)) {
    setObjectName(QStringLiteral("queueFinishedPrompt"));
    setWindowTitle(tr("Downloads finished"));
    setModal(false);
    m_text->setWordWrap(true);
    m_bar->setRange(0, m_total);
    m_bar->setTextVisible(false);
    m_nowButton = m_buttons->addButton(kind == maria2::PowerKind::Sleep ? tr("Sleep now")
                                                                        : tr("Shut down now"),
                                       QDialogButtonBox::AcceptRole);
    m_nowButton->setObjectName(QStringLiteral("actNow"));
    // Cancel is the default: a stray Enter must not put the computer to sleep.
    m_buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QueueFinishedPrompt::actNow);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QueueFinishedPrompt::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_text);
    layout->addWidget(m_bar);
    layout->addWidget(m_buttons);

    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &QueueFinishedPrompt::tick);
    m_timer->start();
    showRemaining();
}

QueueFinishedPrompt::~QueueFinishedPrompt() = default;

void QueueFinishedPrompt::setTicking(bool on) {
    if (on && !m_cancelled && !m_acted) {
        m_timer->start();
    } else {
        m_timer->stop();
    }
}

void QueueFinishedPrompt::tick() {
    if (m_cancelled || m_acted) {
        return;
    }
    m_remaining = std::max(m_remaining - 1, 0);
    showRemaining();
    if (m_remaining == 0) {
        actNow();
    }
}

void QueueFinishedPrompt::actNow() {
    if (m_cancelled || m_acted) {
        return; // once, whatever calls it again
    }
    m_acted = true;
    m_timer->stop();
    std::string error;
    const bool ok = m_power != nullptr && m_power->perform(m_kind, &error);
    if (m_power == nullptr) {
        error = "no power action on this platform";
    }
    emit acted(ok, QString::fromStdString(error));
    if (ok) {
        accept();
        return;
    }
    spdlog::warn("Cannot {} the computer: {}", maria2::toString(m_kind), error);
    // Say so in place of the countdown; only Close remains.
    m_text->setText(
        m_kind == maria2::PowerKind::Sleep
            ? tr("The computer could not be put to sleep:\n%1").arg(QString::fromStdString(error))
            : tr("The computer could not be shut down:\n%1").arg(QString::fromStdString(error)));
    m_bar->hide();
    m_nowButton->hide();
    m_buttons->setStandardButtons(QDialogButtonBox::Close);
}

void QueueFinishedPrompt::cancel() {
    if (m_acted) {
        return;
    }
    if (!m_cancelled) {
        m_cancelled = true;
        m_timer->stop();
        spdlog::info("The {} after the queue finished was cancelled", maria2::toString(m_kind));
    }
    QDialog::reject();
}

void QueueFinishedPrompt::reject() {
    if (m_acted) {
        QDialog::reject(); // the failure message's Close
        return;
    }
    cancel();
}

void QueueFinishedPrompt::showRemaining() {
    m_bar->setValue(m_remaining);
    // Singular and plural spelled out: without a loaded translation, tr()'s %n keeps "second(s)".
    const bool sleep = m_kind == maria2::PowerKind::Sleep;
    if (m_remaining == 1) {
        m_text->setText(
            sleep ? tr("All downloads have finished. The computer will sleep in 1 second.")
                  : tr("All downloads have finished. The computer will shut down in 1 second."));
    } else {
        m_text->setText(
            (sleep ? tr("All downloads have finished. The computer will sleep in %1 seconds.")
                   : tr("All downloads have finished. The computer will shut down in %1 "
                        "seconds."))
                .arg(m_remaining));
    }
}

} // namespace maria2::gui
