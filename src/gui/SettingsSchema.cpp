#include "SettingsSchema.h"

#include "core/config/Config.h"

#include <QRegularExpression>

#include <nlohmann/json.hpp>

namespace maria2::gui {
namespace {

using Json = nlohmann::ordered_json;

// {"A": {"B": value}} for "A.B".
std::string jsonFor(const QString& key, const Json& value) {
    Json root = Json::object();
    Json* node = &root;
    for (const QString& part : key.split(QLatin1Char('.')))
        node = &(*node)[part.toStdString()];
    *node = value;
    return root.dump();
}

// The loader's message for `value` at `key`, empty when it accepts it.
QString refusal(const QString& key, const Json& value) {
    try {
        (void)ConfigLoader::apply(ConfigLoader::defaults(), jsonFor(key, value), "probe");
    } catch (const ConfigError& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

void collect(const Json& node, const QString& prefix, QList<SettingInfo>& out) {
    for (const auto& [name, value] : node.items()) {
        const QString key = prefix.isEmpty()
                                ? QString::fromStdString(name)
                                : prefix + QLatin1Char('.') + QString::fromStdString(name);
        if (value.is_object()) {
            collect(value, key, out);
            continue;
        }
        SettingInfo info;
        info.key = key;
        if (value.is_boolean()) {
            info.type = SettingInfo::Type::Boolean;
        } else if (value.is_number()) {
            info.type = SettingInfo::Type::Integer;
            // Below every range: "KEY = -4611686018427387904 is out of range (1..100)".
            static const QRegularExpression range(QStringLiteral(R"(\((-?\d+)\.\.(-?\d+)\)$)"));
            const auto m = range.match(refusal(key, Json(-(std::int64_t{1} << 62))));
            if (m.hasMatch()) {
                info.min = m.captured(1).toLongLong();
                info.max = m.captured(2).toLongLong();
            }
        } else {
            info.type = SettingInfo::Type::Text;
            // "KEY must be one of trace|debug|info, got ..." for an enum.
            static const QRegularExpression oneOf(QStringLiteral(R"(must be one of (\S+), got)"));
            const auto m = oneOf.match(refusal(key, Json("\x01")));
            if (m.hasMatch())
                info.choices = m.captured(1).split(QLatin1Char('|'));
        }
        out.append(info);
    }
}

} // namespace

const QList<SettingInfo>& SettingsSchema::all() {
    static const QList<SettingInfo> settings = [] {
        QList<SettingInfo> out;
        collect(Json::parse(ConfigLoader::toJson(ConfigLoader::defaults())), {}, out);
        return out;
    }();
    return settings;
}

const SettingInfo* SettingsSchema::find(const QString& key) {
    for (const SettingInfo& info : all()) {
        if (info.key == key)
            return &info;
    }
    return nullptr;
}

} // namespace maria2::gui
