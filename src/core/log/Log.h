#pragma once
// Logging set-up (spdlog) and the redaction every log line goes through (core/log/Redaction.h):
// credentials, signed queries and the person's own headers never reach a log, and log files are
// readable by their owner only.
#include "core/log/Redaction.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace maria2::log {

struct LogSetup {
    std::string level = "info"; // file log level: trace|debug|info|warn|error|off
    std::string rotatingFile;   // empty = no file log
    std::size_t maxFileSizeBytes = 5u << 20;
    std::size_t maxFiles = 3;
    bool console = false;     // stderr
    std::string consoleLevel; // empty = level
    std::string extraFile;    // a plain file (maria2c -l FILE); "-" = stdout
    // The download log book feeds the details pane. Without one (maria2c) it is left out, and
    // with it the info lines a quiet run would format for nobody.
    bool downloadLogBook = true;
};

// Replaces spdlog's default logger with one writing to the configured sinks, and (unless
// setup.downloadLogBook is off) to the download log book (DownloadLogBook::shared(), info and
// above whatever setup.level says). The logger passes every message through scrubMessage
// before any sink sees it. Log files are created mode 0600 (also each rotated file), an
// existing one is narrowed to 0600, and missing folders above them are created 0700 (POSIX).
// Safe to call again (the previous logger is flushed and dropped). Throws std::runtime_error
// naming the file when a log file cannot be opened.
void init(const LogSetup& setup);
// Changes the file logs' level at run time (Logging.Level): the rotating and -l files; the
// console keeps its own, the download log book keeps info. False for an unknown level name.
bool setFileLevel(std::string_view level);

// Parses a level name; returns false for an unknown one.
bool isValidLevel(std::string_view level);

} // namespace maria2::log
