#include "session/AppSetup.h"

#include "core/log/Log.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

#include <nlohmann/json.hpp>

namespace maria2::app {

QString userConfigPath() {
    // Generic location + our folder, so the path does not depend on QCoreApplication's names.
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/maria2/maria2.json");
}

QString logFilePath() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/maria2/logs/maria2.log");
}

QString databasePath() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/maria2/maria2.sqlite");
}

QString defaultDownloadDirectory() {
    QString dir = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (dir.isEmpty()) {
        dir = QDir::homePath();
    }
    return dir;
}

ConfigLoadResult loadConfig(const QString& confPath) {
    // u16 -> path converts correctly on every platform (UTF-8 on POSIX, wide on Windows).
    std::vector<std::filesystem::path> optional{
        std::filesystem::path(userConfigPath().toStdU16String())};
    const std::filesystem::path required = confPath.isEmpty()
                                               ? std::filesystem::path()
                                               : std::filesystem::path(confPath.toStdU16String());
    ConfigLoadResult result = ConfigLoader::loadLayers(optional, required);
    if (result.config.download.directory.empty()) {
        result.config.download.directory = defaultDownloadDirectory().toStdString();
    }
    return result;
}

namespace {

using Json = nlohmann::ordered_json;

// The members of `value` that differ from `base`, recursively (empty sections left out).
Json differences(const Json& value, const Json& base) {
    Json out = Json::object();
    for (const auto& [key, v] : value.items()) {
        const auto b = base.find(key);
        if (v.is_object() && b != base.end() && b->is_object()) {
            Json inner = differences(v, *b);
            if (!inner.empty()) {
                out[key] = std::move(inner);
            }
        } else if (b == base.end() || *b != v) {
            out[key] = v;
        }
    }
    return out;
}

} // namespace

QString userConfigJson(const Config& config) {
    Config copy = config;
    const QString defaultDir = QDir::cleanPath(defaultDownloadDirectory());
    if (QDir::cleanPath(QString::fromStdString(copy.download.directory)) == defaultDir) {
        copy.download.directory.clear(); // follows the platform's folder, wherever it moves
    }
    const Json changed = differences(Json::parse(ConfigLoader::toJson(copy)),
                                     Json::parse(ConfigLoader::toJson(ConfigLoader::defaults())));
    const std::string text =
        "// MAria2 settings: only those that differ from the defaults (docs/configuration.md).\n"
        "// Written by the settings dialog; the previous file is kept beside it as *.bak.\n" +
        changed.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
    return QString::fromStdString(text);
}

bool saveUserConfig(const Config& config, QString* error, const QString& path) {
    const QString target = path.isEmpty() ? userConfigPath() : path;
    const auto fail = [&](const QString& why) {
        if (error) {
            *error = QCoreApplication::translate("maria2::app", "Cannot save %1: %2")
                         .arg(QDir::toNativeSeparators(target), why);
        }
        return false;
    };
    if (!QDir().mkpath(QFileInfo(target).absolutePath())) {
        return fail(QCoreApplication::translate("maria2::app", "cannot create its folder"));
    }
    if (QFileInfo::exists(target)) {
        const QString backup = target + QStringLiteral(".bak");
        QFile::remove(backup);
        QFile old(target);
        if (!old.copy(backup)) {
            return fail(
                QCoreApplication::translate("maria2::app", "cannot keep the old file as %1 (%2)")
                    .arg(QDir::toNativeSeparators(backup), old.errorString()));
        }
    }
    QSaveFile file(target);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        return fail(file.errorString());
    }
    const QByteArray bytes = userConfigJson(config).toUtf8();
    if (file.write(bytes) != bytes.size()) {
        const QString why = file.errorString();
        file.cancelWriting();
        return fail(why);
    }
    if (!file.commit()) {
        return fail(file.errorString());
    }
    // Only the person reads it: Network.Proxy may carry a password.
    QFile::setPermissions(target, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

void initLogging(const Config& config, const LogOptions& options) {
    log::LogSetup setup;
    setup.level = config.logging.level;
    setup.maxFileSizeBytes = static_cast<std::size_t>(config.logging.maxFileSizeMb) << 20;
    setup.maxFiles = static_cast<std::size_t>(config.logging.maxFiles);
    if (config.logging.toFile) {
        const QString path = logFilePath(); // log::init makes its folder, owner-only
        setup.rotatingFile = path.toStdString();
    }
    setup.console = options.toConsole;
    setup.consoleLevel = options.consoleLevel.toStdString();
    setup.extraFile = options.extraFile.toStdString();
    setup.downloadLogBook = options.downloadLogBook;
    log::init(setup);
}

} // namespace maria2::app
