#pragma once
// SpeedLimitEdit: a speed limit as a number and a unit (KiB/s or MiB/s); 0 shows "Unlimited".
// Used by the add dialog, the "Custom…" speed limit and a download's own limit.
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;

namespace maria2::gui {

class SpeedLimitEdit final : public QWidget {
    Q_OBJECT
public:
    explicit SpeedLimitEdit(QWidget* parent = nullptr);

    // Bytes per second, 0 = none. Shown in MiB/s from 1 MiB/s up, else in KiB/s.
    void setBytesPerSecond(qint64 bytesPerSecond);
    qint64 bytesPerSecond() const;

    QDoubleSpinBox* spinBox() const { return m_spin; }
    QComboBox* unitBox() const { return m_unit; }

    // "Unlimited", "512 KiB/s", "1.5 MiB/s": whole numbers without a ".0" (menus, labels).
    static QString text(qint64 bytesPerSecond);

signals:
    void changed();

private:
    QDoubleSpinBox* m_spin;
    QComboBox* m_unit;
};

} // namespace maria2::gui
