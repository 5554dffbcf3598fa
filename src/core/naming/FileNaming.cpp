#include "core/naming/FileNaming.h"
#include "core/io/PathText.h"
#include "core/text/Text.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace maria2::naming {
namespace {

// Every name derived from a file name must fit the usual 255-byte limit too: the longest is
// "NAME (9999).part.maria2", 7 + 12 bytes more (temporary files have short names of their
// own). 255 - 19 = 236.
constexpr std::size_t kMaxNameBytes = 236;
// A "extension" longer than this is more likely part of the name ("v1.2 final draft...").
constexpr std::size_t kMaxExtensionBytes = 20;
// aria2 gives up auto-renaming after 9999 as well.
constexpr int kMaxUniqueAttempts = 9999;

using text::iequals;

bool isOws(char c) {
    return c == ' ' || c == '\t';
}

// RFC 9110 tchar.
bool isTokenChar(char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Length of the well-formed UTF-8 sequence starting at s[i] (no overlongs, no surrogates,
// nothing above U+10FFFF), or 0 if the byte there does not start one.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i, char32_t& codePoint) {
    const auto* byte = reinterpret_cast<const unsigned char*>(s.data());
    const unsigned char lead = byte[i];
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (lead < 0x80) {
        codePoint = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
        codePoint = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
        codePoint = lead & 0x0F;
        lo = lead == 0xE0 ? 0xA0 : 0x80;
        hi = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
        codePoint = lead & 0x07;
        lo = lead == 0xF0 ? 0x90 : 0x80;
        hi = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (i + len > s.size() || byte[i + 1] < lo || byte[i + 1] > hi)
        return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((byte[i + k] & 0xC0) != 0x80)
            return 0;
        codePoint = (codePoint << 6) | (byte[i + k] & 0x3F);
    }
    return len;
}

bool isValidUtf8(std::string_view s) {
    char32_t cp = 0;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = utf8SequenceLength(s, i, cp);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

// Strict RFC 3986 percent-decoding for RFC 8187 values: a malformed escape makes the whole
// value unusable rather than guessing what the server meant.
std::optional<std::string> percentDecodeStrict(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        unsigned value = 0;
        const char* digits = s.data() + i + 1;
        if (i + 2 >= s.size() || std::from_chars(digits, digits + 2, value, 16).ptr != digits + 2)
            return std::nullopt;
        out.push_back(static_cast<char>(value));
        i += 2;
    }
    return out;
}

std::string latin1ToUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size() * 2);
    for (char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
            out.push_back(c);
        } else {
            out.push_back(static_cast<char>(0xC0 | (b >> 6)));
            out.push_back(static_cast<char>(0x80 | (b & 0x3F)));
        }
    }
    return out;
}

// RFC 8187 ext-value: charset "'" [ language ] "'" value-chars. Only UTF-8 and ISO-8859-1
// are understood; anything else (or a value that is not valid in its charset) is unusable,
// so the caller falls back to plain `filename`.
std::optional<std::string> decodeExtValue(std::string_view v) {
    const auto q1 = v.find('\'');
    if (q1 == std::string_view::npos)
        return std::nullopt;
    const auto q2 = v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos)
        return std::nullopt;
    const std::string_view charset = v.substr(0, q1);
    auto decoded = percentDecodeStrict(v.substr(q2 + 1));
    if (!decoded)
        return std::nullopt;
    if (iequals(charset, "UTF-8"))
        return isValidUtf8(*decoded) ? decoded : std::nullopt;
    if (iequals(charset, "ISO-8859-1"))
        return latin1ToUtf8(*decoded);
    return std::nullopt;
}

using DispositionParam = std::pair<std::string, std::string>; // name, value

// Splits `type; name=value; name="quoted; value"` into parameters. Items without '=' (the
// disposition type, or junk) are skipped. An unterminated quoted-string ends the parse.
std::vector<DispositionParam> splitParams(std::string_view s) {
    std::vector<DispositionParam> params;
    std::size_t i = 0;
    const auto skipToNextItem = [&] {
        while (i < s.size() && s[i] != ';')
            ++i;
        if (i < s.size())
            ++i;
    };
    while (i < s.size()) {
        while (i < s.size() && (isOws(s[i]) || s[i] == ';'))
            ++i;
        const std::size_t nameStart = i;
        while (i < s.size() && isTokenChar(s[i]))
            ++i;
        std::string name(s.substr(nameStart, i - nameStart));
        while (i < s.size() && isOws(s[i]))
            ++i;
        if (name.empty() || i >= s.size() || s[i] != '=') {
            skipToNextItem(); // always makes progress: s[i] is not OWS or ';' here
            continue;
        }
        ++i; // '='
        while (i < s.size() && isOws(s[i]))
            ++i;
        std::string value;
        if (i < s.size() && s[i] == '"') {
            bool closed = false;
            for (++i; i < s.size(); ++i) {
                if (s[i] == '\\' && i + 1 < s.size()) {
                    value.push_back(s[++i]);
                } else if (s[i] == '"') {
                    closed = true;
                    ++i;
                    break;
                } else {
                    value.push_back(s[i]);
                }
            }
            if (!closed)
                break;
            skipToNextItem(); // tolerate junk between the closing quote and ';'
        } else {
            const std::size_t start = i;
            while (i < s.size() && s[i] != ';')
                ++i;
            value = std::string(s.substr(start, i - start)); // leading OWS already skipped
            value.erase(value.find_last_not_of(" \t") + 1);  // npos + 1 == 0
        }
        params.emplace_back(std::move(name), std::move(value));
    }
    return params;
}

// The part of a path-like name after its last '/' or '\\', ignoring trailing separators.
std::string_view lastComponent(std::string_view s) {
    while (!s.empty() && (s.back() == '/' || s.back() == '\\'))
        s.remove_suffix(1);
    const auto sep = s.find_last_of("/\\");
    return sep == std::string_view::npos ? s : s.substr(sep + 1);
}

// Characters that reorder or break how a name is displayed ("invoice\u202Egpj.exe" shows
// as "invoiceexe.jpg"), so they are treated like control characters.
bool isDisplayControl(char32_t cp) {
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Characters that show as nothing: "report\u200B.pdf" looks like "report.pdf" but is not the
// same name. Dropped rather than replaced. ZWNJ and ZWJ (U+200C, U+200D) stay: Persian and
// Indic words and emoji sequences need them.
bool isInvisible(char32_t cp) {
    return cp == 0x00AD || cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 ||
           cp == 0x17B5 || cp == 0x180E || cp == 0x200B || (cp >= 0x2060 && cp <= 0x2065) ||
           (cp >= 0x206A && cp <= 0x206F) || cp == 0x3164 || cp == 0xFEFF || cp == 0xFFA0 ||
           (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE0000 && cp <= 0xE007F);
}

std::string replaceBadCharacters(std::string_view s) {
    constexpr std::string_view kForbidden = "<>:\"|?*/\\";
    std::string out;
    out.reserve(s.size());
    char32_t cp = 0;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = utf8SequenceLength(s, i, cp);
        if (len == 0) {
            out.push_back('_'); // one '_' per invalid byte
            ++i;
            continue;
        }
        const bool bad = cp < 0x20 || cp == 0x7F || isDisplayControl(cp) ||
                         (cp < 0x80 && kForbidden.find(static_cast<char>(cp)) != kForbidden.npos);
        if (bad)
            out.push_back('_');
        else if (!isInvisible(cp))
            out.append(s.substr(i, len));
        i += len;
    }
    return out;
}

// Where the extension starts (its dot), or name.size() if there is none. Knows the common
// double extensions so "a.tar.gz" splits as "a" + ".tar.gz"; a leading dot is not one.
std::size_t extensionStart(std::string_view name) {
    static constexpr std::array<std::string_view, 4> kDouble = {".tar.gz", ".tar.bz2", ".tar.xz",
                                                                ".tar.zst"};
    for (std::string_view d : kDouble)
        if (name.size() > d.size() && iequals(name.substr(name.size() - d.size()), d))
            return name.size() - d.size();
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0)
        return name.size();
    const std::string_view ext = name.substr(dot);
    if (ext.size() < 2 || ext.size() > kMaxExtensionBytes || ext.find(' ') != ext.npos)
        return name.size();
    return dot;
}

// Cuts the stem so the whole name fits in kMaxNameBytes, never inside a UTF-8 sequence
// (the input is already valid UTF-8, so backing off over continuation bytes is enough).
void capLength(std::string& s) {
    if (s.size() <= kMaxNameBytes)
        return;
    const std::size_t extPos = extensionStart(s);
    const std::string ext = s.substr(extPos);
    std::size_t keep = kMaxNameBytes - ext.size();
    while (keep > 0 && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80)
        --keep;
    s = s.substr(0, keep) + ext;
}

void trimLeadingSpaces(std::string& s) {
    s.erase(0, s.find_first_not_of(' '));
}

void trimTrailingDotsAndSpaces(std::string& s) {
    const auto last = s.find_last_not_of(". ");
    s.erase(last == std::string::npos ? 0 : last + 1);
}

// Windows reserves these device names with any extension ("nul.txt", "CON .tar.gz"), in
// any case. COM0/LPT0, the superscript-digit forms and CONIN$/CONOUT$ are on Microsoft's
// current list too.
bool isReservedDeviceName(std::string_view name) {
    std::string_view base = name.substr(0, name.find('.'));
    while (!base.empty() && base.back() == ' ')
        base.remove_suffix(1);
    for (std::string_view r : {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"})
        if (iequals(base, r))
            return true;
    const std::string_view port = base.substr(0, 3),
                           n = base.substr(std::min<std::size_t>(3, base.size()));
    return (iequals(port, "COM") || iequals(port, "LPT")) &&
           ((n.size() == 1 && n[0] >= '0' && n[0] <= '9') || n == "\u00B9" || n == "\u00B2" ||
            n == "\u00B3");
}

} // namespace

std::optional<std::string> parseContentDisposition(std::string_view headerValue) {
    std::optional<std::string> plain, extended;
    // First occurrence of each parameter wins; duplicates are a server bug (RFC 6266 4.1).
    for (auto& [name, value] : splitParams(headerValue)) {
        if (iequals(name, "filename*") && !extended)
            extended = decodeExtValue(value).value_or(std::string());
        else if (iequals(name, "filename") && !plain)
            plain = std::move(value);
    }
    // filename* wins whenever it is usable, wherever it appears (RFC 6266 4.3).
    if (extended && !extended->empty())
        return extended;
    if (plain && !plain->empty())
        return plain;
    return std::nullopt;
}

std::optional<std::string> fileNameFromUrl(std::string_view url) {
    // curl_url_set takes a C string: an embedded NUL would silently cut the URL short.
    if (url.empty() || url.find('\0') != std::string_view::npos)
        return std::nullopt;
    const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), &curl_url_cleanup);
    if (!handle)
        return std::nullopt;
    const std::string urlString(url);
    // The name does not depend on whether this libcurl build can fetch the scheme.
    if (curl_url_set(handle.get(), CURLUPART_URL, urlString.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
        CURLUE_OK)
        return std::nullopt;
    char* rawPath = nullptr;
    if (curl_url_get(handle.get(), CURLUPART_PATH, &rawPath, 0) != CURLUE_OK || !rawPath)
        return std::nullopt;
    const std::string path(rawPath);
    curl_free(rawPath);

    // Split before decoding, so "%2F" stays inside its segment.
    const std::string segment = path.substr(path.rfind('/') + 1); // npos + 1 == 0
    if (segment.empty())
        return std::nullopt;
    int decodedLength = 0; // curl_url_set refuses URLs over 8 MB, so the length fits an int
    char* decoded = curl_easy_unescape(nullptr, segment.c_str(), static_cast<int>(segment.size()),
                                       &decodedLength);
    if (!decoded)
        return std::nullopt;
    std::string name(decoded, static_cast<std::size_t>(decodedLength));
    curl_free(decoded);
    // "%2e%2e" is not removed by curl's dot-segment handling, but names nothing either.
    if (name.empty() || name == "." || name == "..")
        return std::nullopt;
    return name;
}

std::string sanitizeFileName(std::string_view name, std::string_view fallback) {
    // A name with directories ("../../etc/passwd", "C:\\evil\\x.exe") is reduced to its last
    // component, which is what a server most plausibly meant, rather than flattened into
    // ".._.._etc_passwd".
    std::string out = replaceBadCharacters(lastComponent(name));
    trimLeadingSpaces(out);
    capLength(out);
    trimTrailingDotsAndSpaces(out); // also turns "." and ".." into ""
    if (out.empty())
        return std::string(fallback);
    // Reserved device names get a '_' prefix ("CON" -> "_CON", "nul.txt" -> "_nul.txt"):
    // the extension stays intact and the result can never be reserved again. So does a name
    // starting with a dot: a server must not plant hidden files (".bashrc", ".htaccess") that a
    // person never sees in the folder.
    if (isReservedDeviceName(out) || out.front() == '.') {
        out.insert(0, 1, '_');
        if (out.size() > kMaxNameBytes) {
            capLength(out);
            trimTrailingDotsAndSpaces(out);
        }
    }
    return out;
}

std::string chooseFileName(std::string_view explicitName, std::string_view contentDisposition,
                           std::string_view url) {
    // Sanitizing with an empty fallback tells whether a source yields a usable name; an
    // unusable one (e.g. -o "..") falls through to the next source. An explicit name with
    // directories ("sub/x.bin") is reduced to its last component: directories come from
    // the download directory option, never from the name.
    for (const auto& raw : {std::optional<std::string>(explicitName),
                            parseContentDisposition(contentDisposition), fileNameFromUrl(url)}) {
        if (std::string name = raw ? sanitizeFileName(*raw, "") : ""; !name.empty())
            return name;
    }
    return "index.html";
}

std::filesystem::path uniquePath(const std::filesystem::path& dir, const std::string& name,
                                 const std::function<bool(const std::filesystem::path&)>& taken) {
    // symlink_status, not exists(): a dangling symlink must count as taken, or writing the
    // download would follow it. An undeterminable status (e.g. EACCES) also counts as taken.
    const auto isTaken = [&](const std::filesystem::path& p) {
        std::error_code ec;
        return taken ? taken(p)
                     : std::filesystem::symlink_status(p, ec).type() !=
                           std::filesystem::file_type::not_found;
    };

    std::filesystem::path candidate = dir / io::pathFromUtf8(name);
    if (!isTaken(candidate))
        return candidate;
    const std::size_t extPos = extensionStart(name);
    const std::string stem = name.substr(0, extPos), ext = name.substr(extPos);
    for (int n = 1; n <= kMaxUniqueAttempts; ++n) {
        candidate = dir / io::pathFromUtf8(stem + " (" + std::to_string(n) + ")" + ext);
        if (!isTaken(candidate))
            return candidate;
    }
    throw std::runtime_error("no free file name for '" + name + "' after " +
                             std::to_string(kMaxUniqueAttempts) + " attempts");
}

bool isInside(const std::filesystem::path& dir, const std::filesystem::path& candidate) {
    // Lexical only: symlinks are not resolved. Empty elements (from a trailing '/') are
    // dropped, and a bare "." directory contributes no components.
    const auto parts = [](const std::filesystem::path& p) {
        std::vector<std::filesystem::path> out;
        for (const auto& part : p.lexically_normal())
            if (!part.empty() && part != ".")
                out.push_back(part);
        return out;
    };
    const auto d = parts(dir), c = parts(candidate);
    if (dir.is_absolute() != candidate.is_absolute() || c.size() <= d.size())
        return false;
    for (std::size_t i = 0; i < d.size(); ++i)
        if (d[i] != c[i])
            return false;
    // Relative paths may still climb out: "../x" relative to "." is not inside.
    return c[d.size()] != "..";
}

} // namespace maria2::naming
