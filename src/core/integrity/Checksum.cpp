#include "core/integrity/Checksum.h"
#include "core/text/Text.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <vector>

namespace maria2 {
namespace {

std::string canonicalAlgorithm(const std::string& name) {
    if (name == "md5") {
        return "md5";
    }
    if (name == "sha-1" || name == "sha1") {
        return "sha-1";
    }
    if (name == "sha-256" || name == "sha256") {
        return "sha-256";
    }
    if (name == "sha-512" || name == "sha512") {
        return "sha-512";
    }
    return {};
}

std::size_t hexLength(const std::string& algorithm) {
    if (algorithm == "md5") {
        return 32;
    }
    if (algorithm == "sha-1") {
        return 40;
    }
    if (algorithm == "sha-256") {
        return 64;
    }
    return 128;
}

} // namespace

std::optional<ChecksumSpec> parseChecksum(std::string_view text, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<ChecksumSpec> {
        if (error != nullptr) {
            *error = "invalid checksum '" + std::string(text) + "': " + why;
        }
        return std::nullopt;
    };
    const auto eq = text.find('=');
    ChecksumSpec spec;
    spec.hex = text::toLower(eq == std::string_view::npos ? text : text.substr(eq + 1));
    if (eq != std::string_view::npos) {
        spec.algorithm = canonicalAlgorithm(text::toLower(text.substr(0, eq)));
        if (spec.algorithm.empty()) {
            return fail("unknown algorithm (use md5, sha-1, sha-256 or sha-512)");
        }
    } else {
        switch (spec.hex.size()) {
        case 32:
            spec.algorithm = "md5";
            break;
        case 40:
            spec.algorithm = "sha-1";
            break;
        case 64:
            spec.algorithm = "sha-256";
            break;
        case 128:
            spec.algorithm = "sha-512";
            break;
        default:
            return fail("give it as ALGORITHM=HEX, e.g. sha-256=...");
        }
    }
    if (!std::all_of(spec.hex.begin(), spec.hex.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; })) {
        return fail("the digest must be hexadecimal");
    }
    if (spec.hex.size() != hexLength(spec.algorithm)) {
        return fail("a " + spec.algorithm + " digest has " +
                    std::to_string(hexLength(spec.algorithm)) + " hex digits, not " +
                    std::to_string(spec.hex.size()));
    }
    return spec;
}

std::optional<std::string> hashFile(const std::filesystem::path& path, Digest& digest,
                                    std::int64_t from) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    if (from > 0) {
        in.seekg(0, std::ios::end);
        if (!in || static_cast<std::int64_t>(in.tellg()) < from) {
            return std::nullopt;
        }
        in.seekg(static_cast<std::streamoff>(from));
    }
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto n = in.gcount();
        if (n > 0) {
            digest.update(buffer.data(), static_cast<std::size_t>(n));
        }
    }
    if (in.bad()) {
        return std::nullopt;
    }
    return digest.hexDigest();
}

} // namespace maria2
