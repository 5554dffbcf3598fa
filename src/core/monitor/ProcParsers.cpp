#include "core/monitor/ProcParsers.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace maria2::proc {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::vector<std::string_view> splitFields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && isSpace(line[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && !isSpace(line[i])) {
            ++i;
        }
        if (i > start) {
            fields.push_back(line.substr(start, i - start));
        }
    }
    return fields;
}

std::optional<std::uint64_t> toNumber(std::string_view s) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

// The line that starts with `prefix`, without it; empty when there is none.
std::optional<std::string_view> lineAfter(std::string_view text, std::string_view prefix) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view line = text.substr(pos, end - pos);
        if (line.substr(0, prefix.size()) == prefix) {
            return line.substr(prefix.size());
        }
        pos = end + 1;
    }
    return std::nullopt;
}

// "Key:   123 kB" -> 123 * 1024 (meminfo and status both use kB, meaning KiB).
std::optional<std::uint64_t> kibField(std::string_view text, std::string_view key) {
    const auto rest = lineAfter(text, key);
    if (!rest) {
        return std::nullopt;
    }
    const auto fields = splitFields(*rest);
    if (fields.empty()) {
        return std::nullopt;
    }
    const auto value = toNumber(fields[0]);
    if (!value) {
        return std::nullopt;
    }
    const bool kib = fields.size() > 1 && (fields[1] == "kB" || fields[1] == "KB");
    return kib ? *value * 1024 : *value;
}

} // namespace

std::optional<CpuTimes> parseProcStat(std::string_view text) {
    const auto rest = lineAfter(text, "cpu ");
    if (!rest) {
        return std::nullopt;
    }
    const auto fields = splitFields(*rest);
    // user nice system idle [iowait irq softirq steal guest guest_nice]; old kernels have 4.
    if (fields.size() < 4) {
        return std::nullopt;
    }
    std::uint64_t v[8] = {};
    const std::size_t n = std::min<std::size_t>(fields.size(), 8);
    for (std::size_t i = 0; i < n; ++i) {
        const auto value = toNumber(fields[i]);
        if (!value) {
            return std::nullopt;
        }
        v[i] = *value;
    }
    CpuTimes t;
    for (std::size_t i = 0; i < 8; ++i) {
        t.total += v[i];
    }
    const std::uint64_t idle = v[3] + v[4]; // idle + iowait: waiting is not working
    t.busy = t.total - idle;
    return t;
}

double MemInfo::usedPercent() const {
    if (totalBytes == 0) {
        return 0;
    }
    const std::uint64_t used = totalBytes - std::min(availableBytes, totalBytes);
    return 100.0 * static_cast<double>(used) / static_cast<double>(totalBytes);
}

std::optional<MemInfo> parseMeminfo(std::string_view text) {
    const auto total = kibField(text, "MemTotal:");
    if (!total || *total == 0) {
        return std::nullopt;
    }
    MemInfo info;
    info.totalBytes = *total;
    if (const auto available = kibField(text, "MemAvailable:")) {
        info.availableBytes = *available;
        return info;
    }
    const auto freeBytes = kibField(text, "MemFree:");
    if (!freeBytes) {
        return std::nullopt;
    }
    info.availableBytes =
        *freeBytes + kibField(text, "Buffers:").value_or(0) + kibField(text, "Cached:").value_or(0);
    return info;
}

std::optional<std::uint64_t> parseProcessCpuTicks(std::string_view text) {
    const std::size_t close = text.rfind(')');
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    const auto fields = splitFields(text.substr(close + 1));
    // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and [12].
    if (fields.size() < 13) {
        return std::nullopt;
    }
    const auto utime = toNumber(fields[11]);
    const auto stime = toNumber(fields[12]);
    if (!utime || !stime) {
        return std::nullopt;
    }
    return *utime + *stime;
}

std::optional<std::uint64_t> parseStatusRssBytes(std::string_view text) {
    return kibField(text, "VmRSS:");
}

std::optional<std::uint64_t> parseIoWriteBytes(std::string_view text) {
    const auto rest = lineAfter(text, "write_bytes:");
    if (!rest) {
        return std::nullopt;
    }
    const auto fields = splitFields(*rest);
    return fields.empty() ? std::nullopt : toNumber(fields[0]);
}

} // namespace maria2::proc
