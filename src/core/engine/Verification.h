#pragma once
// What a finished download hands to the checksum thread, and what comes back.
#include "core/config/Config.h"
#include "core/integrity/Checksum.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maria2 {

struct VerifyTask {
    std::filesystem::path file;
    std::optional<ChecksumSpec> expected; // nullopt with discover: look for a published one
    // --verify=auto: fetch NAME.sha256 / SHA256SUMS beside the URL first (blocking: this runs
    // on the checksum thread).
    bool discover = false;
    std::string url;      // the URL the bytes came from
    std::string fileName; // the name the file is saved under
    std::string urlName;  // the name in the URL, if another
    NetworkSettings network;
    std::vector<std::string> headers;
    std::string userAgent;
    // Bytes [0, streamedBytes) were hashed while they arrived; only the rest is read back.
    std::unique_ptr<Digest> streamed;
    std::string streamedAlgorithm;
    std::int64_t streamedBytes = 0;
};

struct VerifyOutcome {
    bool checked = false; // false: no checksum was found to check against (discover only)
    bool ok = false;
    std::string actualHex;
    std::optional<ChecksumSpec> expected; // what was checked against
    std::string source;                   // where a discovered checksum came from
    std::string note;                     // why none was found / what went wrong
};

// Runs a task to its outcome (discovery, then hashing what was not streamed). Blocking.
VerifyOutcome runVerification(VerifyTask task, const DigestFactory& digests);

} // namespace maria2
