#include "session/AppSetup.h"

#include "core/log/Log.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

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

void initLogging(const Config& config, const LogOptions& options) {
    log::LogSetup setup;
    setup.level = config.logging.level;
    setup.maxFileSizeBytes = static_cast<std::size_t>(config.logging.maxFileSizeMb) << 20;
    setup.maxFiles = static_cast<std::size_t>(config.logging.maxFiles);
    if (config.logging.toFile) {
        const QString path = logFilePath();
        QDir().mkpath(QFileInfo(path).absolutePath());
        setup.rotatingFile = path.toStdString();
    }
    setup.console = options.toConsole;
    setup.consoleLevel = options.consoleLevel.toStdString();
    setup.extraFile = options.extraFile.toStdString();
    log::init(setup);
}

} // namespace maria2::app
