#include "core/log/Log.h"

#include "core/log/DownloadLogBook.h"
#include "core/log/LogFile.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
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

// Scrubs each message once, before any sink (file, console, download log book) sees it, so a
// call site that forgets to redact a URL or prints a server's escape sequences cannot leak it.
// Only lines that pass the level check get here; most need no copy (needsScrub is one pass).
class ScrubbingLogger final : public spdlog::logger {
public:
    using spdlog::logger::logger;

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string_view payload(msg.payload.data(), msg.payload.size());
        if (!needsScrub(payload)) {
            spdlog::logger::sink_it_(msg);
            return;
        }
        const std::string clean = scrubMessage(payload);
        spdlog::details::log_msg copy = msg;
        copy.payload = spdlog::string_view_t(clean.data(), clean.size());
        spdlog::logger::sink_it_(copy);
    }
};

// Runs before spdlog opens (or, rotating, re-creates) a log file.
spdlog::file_event_handlers privateFileHandlers() {
    spdlog::file_event_handlers handlers;
    handlers.before_open = [](const spdlog::filename_t& name) {
        detail::preparePrivateFile(name);
    };
    return handlers;
}

} // namespace

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
                setup.rotatingFile, setup.maxFileSizeBytes, setup.maxFiles, false,
                privateFileHandlers());
            sink->set_level(fileLevel);
            sinks.push_back(sink);
        }
        if (!setup.extraFile.empty()) {
            spdlog::sink_ptr sink;
            if (setup.extraFile == "-") {
                sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
            } else {
                sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(setup.extraFile, false,
                                                                           privateFileHandlers());
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
    auto logger = std::make_shared<ScrubbingLogger>("maria2", sinks.begin(), sinks.end());
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
