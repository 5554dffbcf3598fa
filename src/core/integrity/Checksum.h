#pragma once
// Checksums a person asks for ("--checksum=sha-256=HEX"). The hash functions themselves come
// from the front end's library (Qt's QCryptographicHash in maria2session), injected as a
// DigestFactory, so the core needs no crypto library of its own.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace maria2 {

class Digest {
public:
    virtual ~Digest() = default;
    virtual void update(const char* data, std::size_t size) = 0;
    virtual std::string hexDigest() = 0; // lower case
};

// Returns nullptr for an algorithm it does not know. Algorithms: md5, sha-1, sha-256, sha-512.
using DigestFactory = std::function<std::unique_ptr<Digest>(const std::string& algorithm)>;

struct ChecksumSpec {
    std::string algorithm; // md5 | sha-1 | sha-256 | sha-512
    std::string hex;       // lower case
};

// "sha-256=ABC..." (aria2's form; also "sha256", "SHA-256"), or a bare hex digest whose length
// names the algorithm (32 md5, 40 sha-1, 64 sha-256, 128 sha-512). nullopt and *error (naming
// what is wrong) for anything else.
std::optional<ChecksumSpec> parseChecksum(std::string_view text, std::string* error = nullptr);

// Hashes a file from byte `from` to its end into `digest` (which may already hold the bytes
// before `from`, hashed while they streamed in) and returns the hex digest. nullopt if the file
// cannot be read or is shorter than `from`.
std::optional<std::string> hashFile(const std::filesystem::path& path, Digest& digest,
                                    std::int64_t from = 0);

} // namespace maria2
