#pragma once
// SpeedLimitDialog: asks for one speed limit (the overall "Custom…" one, or the selected
// downloads' own). Open it with open(): it never blocks the event loop.
#include <QDialog>

namespace maria2::gui {

class SpeedLimitEdit;

class SpeedLimitDialog final : public QDialog {
    Q_OBJECT
public:
    SpeedLimitDialog(const QString& title, const QString& prompt, qint64 bytesPerSecond,
                     QWidget* parent = nullptr);

    qint64 bytesPerSecond() const;
    SpeedLimitEdit* edit() const { return m_edit; }

private:
    SpeedLimitEdit* m_edit;
};

} // namespace maria2::gui
