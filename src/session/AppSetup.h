#pragma once
// Start-up chores both front ends share: where config and logs live on this platform,
// loading the layered configuration, and starting the logs.
#include "core/config/Config.h"

#include <QString>

namespace maria2::app {

// The user's config file: <QStandardPaths::AppConfigLocation>/maria2.json
// (Linux ~/.config/maria2/maria2.json).
QString userConfigPath();
// The rotating log file: <QStandardPaths::AppDataLocation>/logs/maria2.log.
QString logFilePath();
// The queue and history database (SQLite):
// <QStandardPaths::GenericDataLocation>/maria2/maria2.sqlite (Linux ~/.local/share/maria2/).
QString databasePath();
// The platform's Downloads folder (fallback: home).
QString defaultDownloadDirectory();

// Built-in defaults, then the user file if present, then confPath (must exist) if non-empty.
// Throws ConfigError with a message naming the file, key and value. Fills an empty
// Download.Directory with defaultDownloadDirectory().
ConfigLoadResult loadConfig(const QString& confPath = {});

// The user file for `config`: only the settings that differ from the built-in defaults, so a
// default changed in a later version still reaches the person. Download.Directory equal to
// defaultDownloadDirectory() counts as the default (""). A short comment heads the JSON.
QString userConfigJson(const Config& config);

// Writes userConfigJson(config) to `path` (empty = userConfigPath()) atomically: the file is
// either the old one or the complete new one, never half written. An existing file is first
// copied to `path`.bak (replacing an older .bak), so hand-written comments are not lost.
// Creates the folder. Returns false and sets *error (naming the file) when it cannot.
bool saveUserConfig(const Config& config, QString* error = nullptr, const QString& path = {});

struct LogOptions {
    bool toConsole = false;      // maria2c: log lines to stderr
    QString consoleLevel;        // empty = config level
    QString extraFile;           // -l FILE (in addition to the rotating app log)
    bool downloadLogBook = true; // each download's own lines, for a details pane (not maria2c)
};
// Starts spdlog (rotating file in logFilePath() when Logging.File is on). Safe to call again.
void initLogging(const Config& config, const LogOptions& options = {});

} // namespace maria2::app
