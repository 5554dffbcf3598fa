#include "core/log/Redaction.h"

#include "core/net/Url.h"
#include "core/text/TerminalText.h"
#include "core/text/Text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <set>

namespace maria2::log {
namespace {

// The person's own --header names (lower case). Read for every header line at debug level,
// written once per download: a plain mutex is cheaper than anything cleverer here.
std::mutex g_namesMutex;
std::set<std::string, std::less<>> g_names;

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view trimmed(std::string_view s) {
    return text::trim(s);
}

// Headers whose value is a URL that may carry a signed query or credentials.
bool isUrlHeader(std::string_view lowerName) {
    return lowerName == "location" || lowerName == "content-location" || lowerName == "referer";
}

// "Name: value" -> the redacted header, or nullopt-like empty when nothing changes.
// colon is the position of the ':' that ends the name.
std::string redactHeaderAt(std::string_view line, std::size_t colon, bool* changed) {
    const std::string name = text::toLower(trimmed(line.substr(0, colon)));
    const std::string_view value = trimmed(line.substr(colon + 1));
    *changed = true;
    if (isSecretHeader(name)) {
        return std::string(line.substr(0, colon + 1)) + " ***";
    }
    if (isUrlHeader(name) && !value.empty()) {
        return std::string(line.substr(0, colon + 1)) + " " + net::redactUrl(value);
    }
    if (name == ":path" && !value.empty()) {
        return std::string(line.substr(0, colon + 1)) + " " + redactTarget(value);
    }
    *changed = false;
    return {};
}

// "GET /x?q HTTP/1.1": a method of capital letters, one target, an HTTP version.
bool redactRequestLine(std::string_view line, std::string* out) {
    const auto space = line.find(' ');
    if (space == std::string_view::npos || space == 0) {
        return false;
    }
    for (std::size_t i = 0; i < space; ++i) {
        if (line[i] < 'A' || line[i] > 'Z') {
            return false;
        }
    }
    const auto versionAt = line.rfind(" HTTP/");
    if (versionAt == std::string_view::npos || versionAt <= space) {
        return false;
    }
    const std::string_view target = line.substr(space + 1, versionAt - space - 1);
    std::string shown;
    if (target.find("://") != std::string_view::npos) {
        shown = net::redactUrl(target); // absolute form, through a proxy
    } else if (!target.empty() && target.front() == '/') {
        shown = redactTarget(target);
    } else {
        return false; // CONNECT host:port, OPTIONS *
    }
    if (shown == target) {
        return false;
    }
    *out = std::string(line.substr(0, space + 1)) + shown + std::string(line.substr(versionAt));
    return true;
}

bool isUrlSchemeChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

bool endsUrl(char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '<' ||
           c == '>' || c == '`';
}

std::string scrubUrls(std::string_view text) {
    std::string out;
    std::size_t done = 0; // text[0, done) is in out
    std::size_t from = 0;
    while (true) {
        const auto mark = text.find("://", from);
        if (mark == std::string_view::npos) {
            break;
        }
        std::size_t begin = mark;
        while (begin > done && isUrlSchemeChar(text[begin - 1])) {
            --begin;
        }
        std::size_t end = mark + 3;
        while (end < text.size() && !endsUrl(text[end])) {
            ++end;
        }
        if (begin == mark) { // no scheme in front: not a URL
            from = mark + 3;
            continue;
        }
        out.append(text.substr(done, begin - done));
        out += net::redactUrl(text.substr(begin, end - begin));
        done = end;
        from = end;
    }
    out.append(text.substr(done));
    return out;
}

} // namespace

bool isSecretHeader(std::string_view name) {
    const std::string lower = text::toLower(trimmed(name));
    if (lower.empty()) {
        return false;
    }
    static constexpr std::array<std::string_view, 7> kExact{
        "authorization", "proxy-authorization", "cookie",   "cookie2",
        "set-cookie",    "set-cookie2",         "x-api-key"};
    static constexpr std::array<std::string_view, 8> kSuffixes{
        "token", "secret", "password", "passwd", "-key", "apikey", "-auth", "-signature"};
    if (std::find(kExact.begin(), kExact.end(), lower) != kExact.end() ||
        std::any_of(kSuffixes.begin(), kSuffixes.end(),
                    [&](std::string_view s) { return endsWith(lower, s); })) {
        return true;
    }
    std::lock_guard lock(g_namesMutex);
    return g_names.find(lower) != g_names.end();
}

void addSecretHeaderName(std::string_view nameOrHeader) {
    const auto end = nameOrHeader.find_first_of(":;");
    const std::string name = text::toLower(trimmed(nameOrHeader.substr(0, end)));
    if (name.empty()) {
        return;
    }
    std::lock_guard lock(g_namesMutex);
    g_names.insert(name);
}

void addSecretHeaders(const std::vector<std::string>& headers) {
    for (const auto& header : headers) {
        addSecretHeaderName(header);
    }
}

std::string redactTarget(std::string_view target) {
    const auto cut = target.find_first_of("?#");
    if (cut == std::string_view::npos) {
        return std::string(target);
    }
    return std::string(target.substr(0, cut)) + (target[cut] == '?' ? "?***" : "#***");
}

std::string redactHeader(std::string_view line) {
    std::string_view ending;
    if (line.size() >= 2 && line.substr(line.size() - 2) == "\r\n") {
        ending = "\r\n";
    } else if (!line.empty() && line.back() == '\n') {
        ending = "\n";
    }
    const std::string_view body = line.substr(0, line.size() - ending.size());
    std::string out;
    bool changed = false;
    // libcurl's HTTP/2 lines: "h2h3 [name: value]", "[HTTP/2] [1] [name: value]".
    if (!body.empty() && body.back() == ']') {
        const auto open = body.rfind('[');
        const std::string_view inner = open == std::string_view::npos
                                           ? std::string_view{}
                                           : body.substr(open + 1, body.size() - open - 2);
        // ":path: /x" names a pseudo-header: its name ends at the first ": ".
        const auto colon = inner.find(": ");
        if (colon != std::string_view::npos && colon > 0) {
            const std::string inside = redactHeaderAt(inner, colon, &changed);
            if (changed) {
                out = std::string(body.substr(0, open + 1)) + inside + "]";
            }
        }
    }
    if (!changed && redactRequestLine(body, &out)) {
        changed = true;
    }
    if (const auto colon = body.find(':');
        !changed && colon != std::string_view::npos && colon > 0) {
        out = redactHeaderAt(body, colon, &changed);
    }
    if (!changed) {
        return std::string(line);
    }
    return out + std::string(ending);
}

bool needsScrub(std::string_view text) {
    return !text::isPlainAscii(text) || text.find("://") != std::string_view::npos;
}

std::string scrubMessage(std::string_view text) {
    if (text.find("://") == std::string_view::npos) {
        return text::escapeForTerminal(text);
    }
    return text::escapeForTerminal(scrubUrls(text));
}

} // namespace maria2::log
