#pragma once
// QueueFinishedPrompt: "The downloads have finished. The computer will sleep in 60 s" with
// Cancel and "Sleep now" (or "Shut down now"). Non-blocking: shown with show(), the window and
// the downloads carry on. When the countdown runs out (or the person says now) it asks the
// PowerAction once; Cancel, closing it, or cancel() (a download started again) stop it for good.
// Nothing is ever put to sleep without this countdown.
#include "session/PowerAction.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;

namespace maria2::gui {

class QueueFinishedPrompt final : public QDialog {
    Q_OBJECT
public:
    static constexpr int kDefaultSeconds = 60;

    // power must outlive the prompt.
    QueueFinishedPrompt(maria2::PowerKind kind, maria2::PowerAction* power,
                        QWidget* parent = nullptr, int seconds = kDefaultSeconds);
    ~QueueFinishedPrompt() override;

    // The timer seam: with ticking off (tests), only tick() moves the countdown.
    void setTicking(bool on);
    int remainingSeconds() const { return m_remaining; }
    bool isCancelled() const { return m_cancelled; }
    bool hasActed() const { return m_acted; }

public slots:
    // One second passes.
    void tick();
    // Acts now (the "Sleep now" button).
    void actNow();
    // Stops the countdown for good and closes.
    void cancel();

signals:
    // The power action was asked; ok false with the reason it gave.
    void acted(bool ok, const QString& error);

protected:
    void reject() override; // Escape, the close button, Cancel

private:
    void showRemaining();

    maria2::PowerKind m_kind;
    maria2::PowerAction* m_power;
    int m_total;
    int m_remaining;
    bool m_cancelled = false;
    bool m_acted = false;
    QTimer* m_timer;
    QLabel* m_text;
    QProgressBar* m_bar;
    QDialogButtonBox* m_buttons;
    QPushButton* m_nowButton;
};

} // namespace maria2::gui
