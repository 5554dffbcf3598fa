#include "core/engine/Verification.h"

#include "core/integrity/SidecarChecksum.h"
#include "core/io/PathText.h"

namespace maria2 {

VerifyOutcome runVerification(VerifyTask task, const DigestFactory& digests) {
    VerifyOutcome out;
    out.expected = task.expected;
    if (!out.expected && task.discover) {
        const SidecarResult found = findSidecarChecksum(task.url, task.fileName, task.urlName,
                                                        task.network, task.headers, task.userAgent);
        if (!found.checksum) {
            out.note = "no published SHA-256 found (" + found.note + ")";
            return out;
        }
        out.expected = found.checksum;
        out.source = found.source;
    }
    if (!out.expected) {
        out.note = "nothing to verify against";
        return out;
    }
    out.checked = true;
    if (!digests) {
        out.note = "no hash functions in this build";
        return out;
    }
    // The streamed digest only counts when it is of the algorithm finally checked.
    std::unique_ptr<Digest> digest;
    std::int64_t from = 0;
    if (task.streamed && task.streamedAlgorithm == out.expected->algorithm) {
        digest = std::move(task.streamed);
        from = task.streamedBytes;
    } else {
        digest = digests(out.expected->algorithm);
    }
    if (!digest) {
        out.note = "no " + out.expected->algorithm + " in this build";
        return out;
    }
    out.actualHex = hashFile(task.file, *digest, from).value_or("");
    if (out.actualHex.empty()) {
        out.note = "cannot read '" + io::pathText(task.file) + "'";
    }
    out.ok = !out.actualHex.empty() && out.actualHex == out.expected->hex;
    return out;
}

} // namespace maria2
