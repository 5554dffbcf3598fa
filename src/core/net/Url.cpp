#include "core/net/Url.h"
#include "core/text/Text.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

namespace maria2::net {
namespace {

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

std::optional<std::string> getPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
    char* out = nullptr;
    if (curl_url_get(u, part, &out, flags) != CURLUE_OK || out == nullptr) {
        return std::nullopt;
    }
    std::string value(out);
    curl_free(out);
    return value;
}

// A dotted host name ("example.com"), "localhost", an IPv4 address or a bracketed IPv6
// address, with no user info in front of it.
bool looksLikeHostName(const std::string& host, const std::string& given) {
    const auto firstSlash = given.find('/');
    if (given.substr(0, firstSlash).find('@') != std::string::npos) {
        return false;
    }
    if (host == "localhost" || (host.size() > 2 && host.front() == '[')) {
        return true;
    }
    bool dot = false;
    for (std::size_t i = 0; i < host.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(host[i]);
        if (c == '.') {
            if (i == 0 || i + 1 == host.size() || host[i - 1] == '.') {
                return false;
            }
            dot = true;
        } else if (!std::isalnum(c) && c != '-' && c < 0x80) {
            return false;
        }
    }
    return dot;
}

} // namespace

bool isSupportedScheme(std::string_view scheme) {
    static constexpr std::array<std::string_view, 4> kSchemes{"http", "https", "ftp", "ftps"};
    const std::string s = text::toLower(std::string(scheme));
    return std::find(kSchemes.begin(), kSchemes.end(), s) != kSchemes.end();
}

std::string schemeOf(std::string_view url) {
    const auto pos = url.find("://");
    if (pos == std::string_view::npos) {
        return {};
    }
    return text::toLower(std::string(url.substr(0, pos)));
}

std::optional<ParsedUrl> parseUrl(std::string_view input, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<ParsedUrl> {
        if (error != nullptr) {
            *error = "invalid URL '" + redactUrl(input) + "': " + why;
        }
        return std::nullopt;
    };
    // Trim surrounding white space: pasted URLs often carry it.
    while (!input.empty() && std::isspace(static_cast<unsigned char>(input.front()))) {
        input.remove_prefix(1);
    }
    while (!input.empty() && std::isspace(static_cast<unsigned char>(input.back()))) {
        input.remove_suffix(1);
    }
    if (input.empty()) {
        return fail("empty");
    }
    // curl_url_set takes a C string: past a NUL (JSON's \u0000 in a hand-over message, a
    // line of an input file) curl would check only the first part and we would pass on all.
    if (input.find('\0') != std::string_view::npos) {
        return fail("contains a NUL character");
    }
    const std::string given(input);
    if (const std::string scheme = schemeOf(given); !scheme.empty() && !isSupportedScheme(scheme)) {
        return fail("unsupported scheme '" + scheme + "' (use http, https, ftp or ftps)");
    }
    UrlHandle u(curl_url());
    if (!u) {
        return fail("out of memory");
    }
    // GUESS_SCHEME: "example.com/f.zip" is what people paste. URLENCODE: spaces and
    // non-ASCII in pasted URLs are encoded rather than rejected.
    const CURLUcode rc =
        curl_url_set(u.get(), CURLUPART_URL, given.c_str(),
                     CURLU_GUESS_SCHEME | CURLU_URLENCODE | CURLU_NON_SUPPORT_SCHEME);
    if (rc != CURLUE_OK) {
        return fail(curl_url_strerror(rc));
    }
    ParsedUrl parsed;
    parsed.scheme = text::toLower(getPart(u.get(), CURLUPART_SCHEME).value_or(""));
    if (!isSupportedScheme(parsed.scheme)) {
        return fail("unsupported scheme '" + parsed.scheme + "' (use http, https, ftp or ftps)");
    }
    parsed.host = getPart(u.get(), CURLUPART_HOST).value_or("");
    if (parsed.host.empty()) {
        return fail("no host");
    }
    if (given.find("://") == std::string::npos && !looksLikeHostName(parsed.host, given)) {
        // Without a scheme, curl guesses http for almost anything; only accept text that
        // plainly starts with a host name, so "mailto:x@y" or "%%%" are not taken for URLs.
        return fail("not a URL (give it a scheme such as https://)");
    }
    auto full = getPart(u.get(), CURLUPART_URL);
    if (!full) {
        return fail("cannot be normalised");
    }
    // curl decodes %-escapes in a host name and writes them back raw ("%7F" becomes a DEL),
    // giving a URL it refuses itself: only a normal form that parses again is passed on.
    UrlHandle again(curl_url());
    const CURLUcode rc2 = again ? curl_url_set(again.get(), CURLUPART_URL, full->c_str(),
                                               CURLU_URLENCODE | CURLU_NON_SUPPORT_SCHEME)
                                : CURLUE_OUT_OF_MEMORY;
    if (rc2 != CURLUE_OK) {
        return fail(std::string("cannot be normalised: ") + curl_url_strerror(rc2));
    }
    parsed.url = *full;
    return parsed;
}

std::string redactUrl(std::string_view url) {
    const std::string given(url);
    UrlHandle u(curl_url());
    if (u && curl_url_set(u.get(), CURLUPART_URL, given.c_str(), CURLU_NON_SUPPORT_SCHEME) ==
                 CURLUE_OK) {
        const bool userinfo = getPart(u.get(), CURLUPART_USER) ||
                              getPart(u.get(), CURLUPART_PASSWORD) ||
                              getPart(u.get(), CURLUPART_OPTIONS);
        const bool query = getPart(u.get(), CURLUPART_QUERY).has_value();
        const bool fragment = getPart(u.get(), CURLUPART_FRAGMENT).has_value();
        if (!userinfo && !query && !fragment) {
            return given;
        }
        curl_url_set(u.get(), CURLUPART_PASSWORD, nullptr, 0);
        curl_url_set(u.get(), CURLUPART_OPTIONS, nullptr, 0);
        curl_url_set(u.get(), CURLUPART_USER, userinfo ? "***" : nullptr, 0);
        curl_url_set(u.get(), CURLUPART_QUERY, nullptr, 0);
        curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
        if (auto full = getPart(u.get(), CURLUPART_URL)) {
            return *full + (query ? "?***" : fragment ? "#***" : "");
        }
    }
    // Not parseable: mask by hand, erring towards hiding too much. The query starts at the
    // first '?' or '#'; before it, everything up to the last '@' is userinfo (a password may
    // hold an unencoded '/' or '@').
    std::string out = given;
    const auto cut = out.find_first_of("?#");
    std::string tail;
    if (cut != std::string::npos) {
        tail = out[cut] == '?' ? "?***" : "#***";
        out.resize(cut);
    }
    // The userinfo starts after "scheme:" and any slashes (curl also reads "http:/u:pw@h" once
    // the bad bytes of a query are masked), or at the very start without a scheme.
    std::size_t start = 0;
    const auto colon = out.find(':');
    if (colon != std::string::npos && colon > 0 &&
        out.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") == colon &&
        (colon + 1 == out.size() || out[colon + 1] == '/' || out[colon + 1] == '\\' ||
         isSupportedScheme(out.substr(0, colon)))) {
        start = colon + 1;
    }
    // Only '/': curl reads a backslash there as part of the userinfo, so it is masked with it.
    while (start < out.size() && out[start] == '/') {
        ++start;
    }
    const auto at = out.rfind('@');
    if (at != std::string::npos && at > start) {
        out = out.substr(0, start) + "***" + out.substr(at);
    }
    return out + tail;
}

} // namespace maria2::net
