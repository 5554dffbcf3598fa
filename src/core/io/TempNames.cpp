#include "core/io/TempNames.h"

#include <cinttypes>
#include <cstdio>
#include <system_error>

namespace maria2::io {

namespace {

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567"; // 32 characters: 5 bits each
constexpr std::size_t kRandomChars = 5;
constexpr std::size_t kSuffixBytes = 2 + kRandomChars; // ".t" + random

bool isRandomChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

} // namespace

std::string tempNameFor(const std::string& targetName, std::uint64_t random) {
    if (targetName.size() + kSuffixBytes > kMaxFileNameBytes) {
        char name[32];
        std::snprintf(name, sizeof(name), ".maria2-%016" PRIx64 ".tmp", random);
        return name;
    }
    std::string name = targetName + ".t";
    for (std::size_t i = 0; i < kRandomChars; ++i) {
        name += kAlphabet[random & 31U];
        random >>= 5U;
    }
    return name;
}

bool isTempNameOf(const std::string& candidate, const std::string& targetName) {
    if (candidate.size() != targetName.size() + kSuffixBytes ||
        candidate.compare(0, targetName.size(), targetName) != 0 ||
        candidate.compare(targetName.size(), 2, ".t") != 0) {
        return false;
    }
    for (std::size_t i = targetName.size() + 2; i < candidate.size(); ++i) {
        if (!isRandomChar(candidate[i])) {
            return false;
        }
    }
    return true;
}

void removeStaleTemps(const std::filesystem::path& target) {
    const std::string targetName = target.filename().string();
    const std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::filesystem::path& p = it->path();
        if (!isTempNameOf(p.filename().string(), targetName)) {
            continue;
        }
        std::error_code statEc;
        if (std::filesystem::is_regular_file(std::filesystem::symlink_status(p, statEc))) {
            std::filesystem::remove(p, statEc); // (removes the name; never follows a link)
        }
    }
}

} // namespace maria2::io
