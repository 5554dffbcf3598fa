#include "core/log/DownloadLogBook.h"

#include <spdlog/details/os.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <charconv>

namespace maria2::log {

DownloadLogBook::DownloadLogBook(std::size_t linesPerDownload, std::size_t downloads)
    : m_perDownload(std::max<std::size_t>(1, linesPerDownload))
    , m_downloads(std::max<std::size_t>(1, downloads)) {
    set_level(spdlog::level::info);
}

const std::shared_ptr<DownloadLogBook>& DownloadLogBook::shared() {
    static const std::shared_ptr<DownloadLogBook> book = std::make_shared<DownloadLogBook>();
    return book;
}

std::optional<std::pair<std::uint64_t, std::string_view>>
DownloadLogBook::parse(std::string_view payload) {
    if (payload.size() < 4 || payload.substr(0, 2) != "[#") {
        return std::nullopt;
    }
    const std::size_t close = payload.find(']', 2);
    if (close == std::string_view::npos || close == 2) {
        return std::nullopt;
    }
    std::uint64_t id = 0;
    const char* first = payload.data() + 2;
    const char* last = payload.data() + close;
    const auto [end, error] = std::from_chars(first, last, id);
    if (error != std::errc() || end != last || id == 0) {
        return std::nullopt;
    }
    std::string_view text = payload.substr(close + 1);
    if (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    return std::pair{id, text};
}

const std::string& DownloadLogBook::clock(std::time_t seconds) {
    if (seconds != m_clockSecond) {
        const std::tm tm = spdlog::details::os::localtime(seconds);
        m_clockText = fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
        m_clockSecond = seconds;
    }
    return m_clockText;
}

void DownloadLogBook::sink_it_(const spdlog::details::log_msg& msg) {
    // Called for every line the logger lets through (the lock is held): cheap for the lines of
    // no download, one formatted string for the others.
    const auto parsed = parse(std::string_view(msg.payload.data(), msg.payload.size()));
    if (!parsed) {
        return;
    }
    const auto [id, text] = *parsed;
    const auto levelName = spdlog::level::to_string_view(msg.level);
    std::string line = clock(spdlog::log_clock::to_time_t(msg.time));
    line.reserve(line.size() + levelName.size() + text.size() + 2);
    line.append(" ").append(levelName.data(), levelName.size()).append(" ").append(text);

    auto it = m_books.find(id);
    if (it == m_books.end()) {
        if (m_books.size() >= m_downloads) {
            m_books.erase(m_recency.back()); // the one written to least recently
            m_recency.pop_back();
        }
        m_recency.push_front(id);
        it = m_books.emplace(id, Lines{}).first;
        it->second.recency = m_recency.begin();
    } else if (it->second.recency != m_recency.begin()) {
        m_recency.splice(m_recency.begin(), m_recency, it->second.recency);
    }
    Lines& book = it->second;
    if (book.ring.size() < m_perDownload) {
        book.ring.push_back(std::move(line));
    } else {
        book.ring[book.next] = std::move(line); // overwrites the oldest
        book.next = (book.next + 1) % m_perDownload;
    }
}

std::vector<std::string> DownloadLogBook::lines(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    const auto it = m_books.find(id);
    if (it == m_books.end()) {
        return {};
    }
    const Lines& book = it->second;
    std::vector<std::string> out;
    out.reserve(book.ring.size());
    for (std::size_t i = 0; i < book.ring.size(); ++i) {
        out.push_back(book.ring[(book.next + i) % book.ring.size()]);
    }
    return out;
}

void DownloadLogBook::forget(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    if (const auto it = m_books.find(id); it != m_books.end()) {
        m_recency.erase(it->second.recency);
        m_books.erase(it);
    }
}

std::size_t DownloadLogBook::downloadCount() {
    std::lock_guard lock(mutex_);
    return m_books.size();
}

} // namespace maria2::log
