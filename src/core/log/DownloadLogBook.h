#pragma once
// Each download's own recent log lines, for the details pane: a spdlog sink that keeps the lines
// beginning "[#N] " (N = the engine's download id, unique across the pool), the last few hundred
// per download, for the downloads written to most recently. Lines arrive already redacted (URLs
// through net::redactUrl, headers through log::redactHeader, and every message through the
// logger's log::scrubMessage), and are kept as they are.
//
// log::init adds the shared() book to every logger it makes, at info level whatever the file
// log's level: the details pane shows what happened even when the file log is quiet.
#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace maria2::log {

class DownloadLogBook final : public spdlog::sinks::base_sink<std::mutex> {
public:
    static constexpr std::size_t kLinesPerDownload = 200;
    static constexpr std::size_t kDownloads = 1000;

    // Keeps at most linesPerDownload lines of each download, and lines of at most `downloads`
    // downloads (the one written to least recently is forgotten first). Level: info.
    explicit DownloadLogBook(std::size_t linesPerDownload = kLinesPerDownload,
                             std::size_t downloads = kDownloads);

    // The process's book (never null). log::init adds it to the logger it makes.
    static const std::shared_ptr<DownloadLogBook>& shared();

    // "HH:MM:SS level text" (local time, the "[#N] " prefix dropped), oldest first; empty for
    // an id it holds no lines of. Thread-safe.
    std::vector<std::string> lines(std::uint64_t id);
    // Drops the lines of id: a new download got that id (a new engine pool in this process).
    void forget(std::uint64_t id);
    // How many downloads it holds lines of.
    std::size_t downloadCount();

    // "[#12] text" -> {12, "text"}; nullopt for a line about no download in particular.
    static std::optional<std::pair<std::uint64_t, std::string_view>>
    parse(std::string_view payload);

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

private:
    struct Lines {
        std::vector<std::string> ring; // at most m_perDownload; oldest at `next` once full
        std::size_t next = 0;
        std::list<std::uint64_t>::iterator recency;
    };
    const std::string& clock(std::time_t seconds);

    std::size_t m_perDownload;
    std::size_t m_downloads;
    std::unordered_map<std::uint64_t, Lines> m_books;
    std::list<std::uint64_t> m_recency; // most recently written first
    std::time_t m_clockSecond = -1;     // "HH:MM:SS" of the last line's second, reused
    std::string m_clockText;
};

} // namespace maria2::log
