#include "core/log/Log.h"
#include "core/text/Text.h"

#include "core/log/DownloadLogBook.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <vector>

namespace maria2::log {
namespace {

spdlog::level::level_enum toLevel(std::string_view name) {
    if (name.empty()) {
        return spdlog::level::info;
    }
    return spdlog::level::from_str(std::string(name));
}

} // namespace

bool isSecretHeader(std::string_view name) {
    static constexpr std::array<std::string_view, 5> kSecret{"authorization", "proxy-authorization",
                                                             "cookie", "set-cookie", "x-api-key"};
    return std::any_of(kSecret.begin(), kSecret.end(),
                       [&](std::string_view s) { return text::iequals(s, name); });
}

std::string redactHeader(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
        return std::string(line);
    }
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) {
        name.remove_suffix(1);
    }
    if (!isSecretHeader(name)) {
        return std::string(line);
    }
    std::string_view ending;
    if (line.size() >= 2 && line.substr(line.size() - 2) == "\r\n") {
        ending = "\r\n";
    } else if (!line.empty() && line.back() == '\n') {
        ending = "\n";
    }
    return std::string(line.substr(0, colon + 1)) + " ***" + std::string(ending);
}

bool isValidLevel(std::string_view level) {
    static constexpr std::array<std::string_view, 6> kLevels{"trace", "debug", "info",
                                                             "warn",  "error", "off"};
    return std::find(kLevels.begin(), kLevels.end(), level) != kLevels.end();
}

void init(const LogSetup& setup) {
    std::vector<spdlog::sink_ptr> sinks;
    const auto fileLevel = toLevel(setup.level);
    const auto consoleLevel = setup.consoleLevel.empty() ? fileLevel : toLevel(setup.consoleLevel);
    try {
        if (!setup.rotatingFile.empty()) {
            auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                setup.rotatingFile, setup.maxFileSizeBytes, setup.maxFiles);
            sink->set_level(fileLevel);
            sinks.push_back(sink);
        }
        if (!setup.extraFile.empty()) {
            spdlog::sink_ptr sink;
            if (setup.extraFile == "-") {
                sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
            } else {
                sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(setup.extraFile);
            }
            sink->set_level(fileLevel);
            sinks.push_back(sink);
        }
    } catch (const spdlog::spdlog_ex& e) {
        throw std::runtime_error(std::string("cannot open log file: ") + e.what());
    }
    if (setup.console) {
        auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        sink->set_level(consoleLevel);
        sink->set_pattern("%^[%l]%$ %v");
        sinks.push_back(sink);
    }
    // Each download's own lines, for the details pane: at info even when the file log is
    // quieter. Every sink filters by its own level; the logger lets through what any wants.
    auto lowest = std::min(fileLevel, consoleLevel);
    if (setup.downloadLogBook) {
        const auto& book = DownloadLogBook::shared();
        sinks.push_back(book);
        lowest = std::min(lowest, book->level());
    }
    auto logger = std::make_shared<spdlog::logger>("maria2", sinks.begin(), sinks.end());
    logger->set_level(lowest);
    logger->flush_on(spdlog::level::warn);
    if (auto old = spdlog::default_logger()) {
        old->flush();
    }
    spdlog::set_default_logger(logger);
}

bool setFileLevel(std::string_view level) {
    if (!isValidLevel(level)) {
        return false;
    }
    const auto fileLevel = toLevel(level);
    const auto logger = spdlog::default_logger();
    auto lowest = spdlog::level::off;
    for (const auto& sink : logger->sinks()) {
        const bool keepsOwn = sink == DownloadLogBook::shared() ||
                              std::dynamic_pointer_cast<spdlog::sinks::stderr_sink_mt>(sink);
        if (!keepsOwn) {
            sink->set_level(fileLevel);
        }
        lowest = std::min(lowest, sink->level());
    }
    logger->set_level(lowest);
    return true;
}

} // namespace maria2::log
