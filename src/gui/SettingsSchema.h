#pragma once
// SettingsSchema: the settings the config loader knows, learned from the loader itself so the
// settings dialog never keeps a copy of its rules: the keys and types from
// ConfigLoader::toJson(defaults), each integer's range and each enum's choices from what
// ConfigLoader::apply answers to a value it must refuse. The dialog still validates by running
// the whole input through ConfigLoader::apply; the ranges only set up its spin boxes.
#include <QList>
#include <QString>
#include <QStringList>

#include <limits>

namespace maria2::gui {

struct SettingInfo {
    enum class Type { Integer, Boolean, Text };
    QString key; // dotted: "PerformanceSettings.ResourceThreshold.CPUUsage"
    Type type = Type::Text;
    qint64 min = std::numeric_limits<qint64>::min(); // Integer: inclusive bounds
    qint64 max = std::numeric_limits<qint64>::max();
    QStringList choices; // Text: non-empty = one of these
};

class SettingsSchema {
public:
    // Every setting, in the loader's order (computed once).
    static const QList<SettingInfo>& all();
    static const SettingInfo* find(const QString& key);
};

} // namespace maria2::gui
