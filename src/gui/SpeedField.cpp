#include "SpeedField.h"

#include "core/schedule/TimeWindow.h"

namespace maria2::gui {

SpeedField::SpeedField(QWidget* parent)
    : QLineEdit(parent) {
    setPlaceholderText(tr("e.g. 10M, 512K or bytes"));
    setToolTip(tr("A number of bytes, or with K, M or G (1024-based): 512K, 10M, 1.5G."));
}

void SpeedField::setBytes(qint64 bytes) {
    setText(format(bytes));
}

std::optional<qint64> SpeedField::parse(const QString& text) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty() || trimmed == QLatin1String("0"))
        return 0;
    if (trimmed.contains(QLatin1Char(',')))
        return std::nullopt; // parseSpeedList would read a list; one value here
    try {
        // One grammar for speeds in the whole app (time windows, presets, this field).
        const std::vector<std::int64_t> values = maria2::parseSpeedList(trimmed.toStdString());
        if (values.size() == 1)
            return values.front();
    } catch (const maria2::TimeWindowError&) {
    }
    return std::nullopt;
}

QString SpeedField::format(qint64 bytes) {
    if (bytes <= 0)
        return QStringLiteral("0");
    constexpr qint64 kKiB = 1024;
    static constexpr struct {
        qint64 unit;
        char suffix;
    } kUnits[] = {{kKiB * kKiB * kKiB, 'G'}, {kKiB * kKiB, 'M'}, {kKiB, 'K'}};
    for (const auto& u : kUnits) {
        if (bytes % u.unit == 0)
            return QString::number(bytes / u.unit) + QLatin1Char(u.suffix);
    }
    return QString::number(bytes);
}

} // namespace maria2::gui
