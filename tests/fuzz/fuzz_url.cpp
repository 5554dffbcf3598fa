// libFuzzer target: URLs as people paste them and servers redirect to (core/net/Url: parse,
// normalise, redact for logs) and the file name taken from a URL (core/naming/FileNaming).
#include "FuzzCheck.h"
#include "NameChecks.h"

#include "core/naming/FileNaming.h"
#include "core/net/Url.h"

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

using namespace maria2;

namespace {

// The user or password curl reads from `url`, if it parses and has one.
std::optional<std::string> partOf(const std::string& url, CURLUPart part) {
    const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
    if (!u ||
        curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        return std::nullopt;
    }
    char* out = nullptr;
    if (curl_url_get(u.get(), part, &out, 0) != CURLUE_OK || out == nullptr) {
        return std::nullopt;
    }
    std::string value(out);
    curl_free(out);
    return value;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::asText(data, size);
    std::string error;
    if (const auto parsed = net::parseUrl(input, &error)) {
        MARIA2_FUZZ_CHECK(net::isSupportedScheme(parsed->scheme), "unsupported scheme accepted");
        MARIA2_FUZZ_CHECK(!parsed->host.empty(), "URL without a host accepted");
        MARIA2_FUZZ_CHECK(parsed->url.find('\0') == std::string::npos, "NUL in a normalised URL");
        MARIA2_FUZZ_CHECK(input.find('\0') == std::string_view::npos,
                          "a URL with a NUL accepted (curl would see only its first part)");
        // The normalised URL is itself a valid URL with the same scheme and host.
        std::string again;
        const auto reparsed = net::parseUrl(parsed->url, &again);
        MARIA2_FUZZ_CHECK(reparsed.has_value(), "a normalised URL does not parse again");
        MARIA2_FUZZ_CHECK(reparsed->scheme == parsed->scheme && reparsed->host == parsed->host,
                          "a normalised URL parses to another scheme or host");
    } else {
        MARIA2_FUZZ_CHECK(!error.empty(), "parseUrl failed without saying why");
    }
    // Redaction: whatever curl reads as the userinfo of the redacted text is the mask.
    const std::string redacted = net::redactUrl(input);
    for (const CURLUPart part : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS}) {
        if (const auto value = partOf(redacted, part); value && !value->empty()) {
            MARIA2_FUZZ_CHECK(*value == "***", "redactUrl left userinfo in the URL");
        }
    }
    const std::string scheme = net::schemeOf(input);
    MARIA2_FUZZ_CHECK(scheme.size() <= input.size(), "scheme longer than the URL");

    if (const auto name = naming::fileNameFromUrl(input)) {
        MARIA2_FUZZ_CHECK(!name->empty() && *name != "." && *name != "..",
                          "fileNameFromUrl returned no name, . or ..");
        fuzz::checkSafeName(naming::sanitizeFileName(*name, ""), true);
    }
    return 0;
}
