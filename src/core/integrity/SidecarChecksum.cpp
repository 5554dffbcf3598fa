#include "core/integrity/SidecarChecksum.h"
#include "core/text/Text.h"

#include "core/net/CurlOptions.h"
#include "core/net/Url.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace maria2 {
namespace {

constexpr std::size_t kMaxBody = 1 << 20; // a checksum list is small; anything bigger is not one

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

std::string getPart(CURLU* u, CURLUPart part) {
    char* out = nullptr;
    if (curl_url_get(u, part, &out, 0) != CURLUE_OK || out == nullptr) {
        return {};
    }
    std::string value(out);
    curl_free(out);
    return value;
}

using text::trim;

bool isSha256Hex(std::string_view s) {
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// "dir/./NAME" and "./NAME" name NAME; so does a path whose last part is NAME.
bool namesFile(std::string_view listed, std::string_view fileName) {
    if (listed == fileName) {
        return true;
    }
    const auto slash = listed.find_last_of('/');
    return slash != std::string_view::npos && listed.substr(slash + 1) == fileName;
}

ChecksumSpec sha256(std::string_view hex) {
    ChecksumSpec spec{"sha-256", std::string(hex)};
    std::transform(spec.hex.begin(), spec.hex.end(), spec.hex.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return spec;
}

size_t collect(char* data, size_t size, size_t n, void* user) {
    auto* body = static_cast<std::string*>(user);
    if (body->size() + size * n > kMaxBody) {
        return 0; // too big to be a checksum list: abort
    }
    body->append(data, size * n);
    return size * n;
}

// One GET; the body when the server answered 2xx (or FTP delivered it), else nullopt.
std::optional<std::string> fetch(const std::string& url, const NetworkSettings& network,
                                 const std::vector<std::string>& headers,
                                 const std::string& userAgent, std::string* why) {
    net::RequestHeaders requestHeaders; // libcurl points into it: it goes after the handle
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
    if (!easy) {
        *why = "libcurl could not create a transfer";
        return std::nullopt;
    }
    CURL* e = easy.get();
    std::string body;
    requestHeaders.addUser(headers);
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    net::applyNetworkOptions(e, network, userAgent);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L); // a small file: never hang the verification
    requestHeaders.apply(e, url, network);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    const CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        const std::string refused = requestHeaders.refusedRedirect(rc);
        *why = !refused.empty() ? refused : std::string(curl_easy_strerror(rc));
        return std::nullopt;
    }
    if (status >= 300) {
        *why = "HTTP " + std::to_string(status);
        return std::nullopt;
    }
    return body;
}

} // namespace

std::vector<std::string> sidecarChecksumUrls(const std::string& fileUrl) {
    UrlHandle u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, fileUrl.c_str(), 0) != CURLUE_OK) {
        return {};
    }
    // A signed download link's query belongs to the file, not to its neighbours.
    curl_url_set(u.get(), CURLUPART_QUERY, nullptr, 0);
    curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
    const std::string path = getPart(u.get(), CURLUPART_PATH);
    const auto slash = path.find_last_of('/');
    if (path.empty() || slash == std::string::npos || slash + 1 == path.size()) {
        return {};
    }
    std::vector<std::string> urls;
    curl_url_set(u.get(), CURLUPART_PATH, (path + ".sha256").c_str(), 0);
    urls.push_back(getPart(u.get(), CURLUPART_URL));
    curl_url_set(u.get(), CURLUPART_PATH, (path.substr(0, slash + 1) + "SHA256SUMS").c_str(), 0);
    urls.push_back(getPart(u.get(), CURLUPART_URL));
    return urls;
}

std::optional<ChecksumSpec> parseChecksumList(std::string_view text, std::string_view fileName,
                                              bool singleFile) {
    std::optional<ChecksumSpec> lone; // a line that is only a digest
    int lines = 0;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        const std::string_view line = trim(text.substr(0, eol));
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        ++lines;
        // BSD: "SHA256 (NAME) = HEX"
        if (line.rfind("SHA256 (", 0) == 0) {
            const auto close = line.rfind(") = ");
            if (close != std::string_view::npos && close > 8) {
                const auto name = line.substr(8, close - 8);
                const auto hex = trim(line.substr(close + 4));
                if (isSha256Hex(hex) && namesFile(name, fileName)) {
                    return sha256(hex);
                }
            }
            continue;
        }
        // GNU: "HEX  NAME" or "HEX *NAME" (binary mode); or a lone "HEX"
        const auto space = line.find_first_of(" \t");
        const auto hex = line.substr(0, space);
        if (!isSha256Hex(hex)) {
            continue;
        }
        if (space == std::string_view::npos) {
            lone = sha256(hex);
            continue;
        }
        std::string_view name = trim(line.substr(space));
        if (!name.empty() && name.front() == '*') {
            name.remove_prefix(1);
        }
        if (namesFile(name, fileName)) {
            return sha256(hex);
        }
    }
    if (singleFile && lone && lines == 1) {
        return lone;
    }
    return std::nullopt;
}

SidecarResult findSidecarChecksum(const std::string& fileUrl, const std::string& fileName,
                                  const std::string& urlName, const NetworkSettings& network,
                                  const std::vector<std::string>& headers,
                                  const std::string& userAgent) {
    SidecarResult result;
    const auto urls = sidecarChecksumUrls(fileUrl);
    if (urls.empty()) {
        result.note = "no folder in the URL to look for a checksum in";
        return result;
    }
    for (std::size_t i = 0; i < urls.size(); ++i) {
        std::string why;
        const auto body = fetch(urls[i], network, headers, userAgent, &why);
        const std::string shown = net::redactUrl(urls[i]);
        if (!body) {
            result.note += (result.note.empty() ? "" : "; ") + shown + ": " + why;
            continue;
        }
        const bool single = i == 0;
        auto found = parseChecksumList(*body, fileName, single);
        if (!found && !urlName.empty() && urlName != fileName) {
            found = parseChecksumList(*body, urlName, single);
        }
        if (found) {
            result.checksum = std::move(found);
            result.source = shown;
            return result;
        }
        result.note +=
            (result.note.empty() ? "" : "; ") + shown + ": no SHA-256 for '" + fileName + "'";
    }
    return result;
}

} // namespace maria2
