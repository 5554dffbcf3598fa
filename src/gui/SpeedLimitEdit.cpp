#include "SpeedLimitEdit.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <algorithm>
#include <cmath>

namespace maria2::gui {

namespace {
constexpr qint64 kKiB = 1024;
constexpr qint64 kMiB = 1024 * 1024;
} // namespace

SpeedLimitEdit::SpeedLimitEdit(QWidget* parent)
    : QWidget(parent)
    , m_spin(new QDoubleSpinBox(this))
    , m_unit(new QComboBox(this)) {
    m_spin->setObjectName(QStringLiteral("speedLimitValue"));
    m_unit->setObjectName(QStringLiteral("speedLimitUnit"));
    m_spin->setDecimals(1);
    m_spin->setRange(0, 1024 * 1024); // 1 TiB/s in MiB/s: the config's bound (2^40 B/s)
    m_spin->setSingleStep(1);
    m_spin->setSpecialValueText(tr("Unlimited"));
    m_spin->setAccelerated(true);
    m_spin->setToolTip(tr("0 = no limit of its own (the overall limit still applies)"));
    m_unit->addItem(tr("KiB/s"), kKiB);
    m_unit->addItem(tr("MiB/s"), kMiB);
    m_unit->setCurrentIndex(1);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_spin, 1);
    layout->addWidget(m_unit);
    setFocusProxy(m_spin);

    connect(m_spin, &QDoubleSpinBox::valueChanged, this, &SpeedLimitEdit::changed);
    connect(m_unit, &QComboBox::currentIndexChanged, this, &SpeedLimitEdit::changed);
}

void SpeedLimitEdit::setBytesPerSecond(qint64 bytesPerSecond) {
    const bool inMiB = bytesPerSecond >= kMiB || bytesPerSecond == 0;
    m_unit->setCurrentIndex(inMiB ? 1 : 0);
    m_spin->setValue(double(std::max<qint64>(0, bytesPerSecond)) / double(inMiB ? kMiB : kKiB));
}

qint64 SpeedLimitEdit::bytesPerSecond() const {
    return qint64(std::llround(m_spin->value() * double(m_unit->currentData().toLongLong())));
}

QString SpeedLimitEdit::text(qint64 bytesPerSecond) {
    if (bytesPerSecond <= 0)
        return tr("Unlimited");
    const auto number = [](double v) {
        // 1.0 -> "1", 1.5 -> "1.5": presets read as people say them.
        return std::abs(v - std::round(v)) < 0.05 ? QString::number(std::llround(v))
                                                  : QString::number(v, 'f', 1);
    };
    if (bytesPerSecond >= kMiB)
        return tr("%1 MiB/s").arg(number(double(bytesPerSecond) / double(kMiB)));
    if (bytesPerSecond >= kKiB)
        return tr("%1 KiB/s").arg(number(double(bytesPerSecond) / double(kKiB)));
    return tr("%1 B/s").arg(bytesPerSecond);
}

} // namespace maria2::gui
