#pragma once
// The small versioned sidecar beside a part file (NAME.part.maria2) that lets a later run
// resume safely: which URL it came from and the validators that prove the server still has
// the same file. Written atomically. JSON, "version" first.
#include "core/segment/ByteRange.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace maria2::io {

// Version 2 adds the finished ranges (multi-connection downloads write anywhere). A version 1
// file (single stream) is still read: its bytes are the part file's first partSize bytes, so
// `contiguous` is set and `ranges` is empty.
// Version 3 adds what was written but maybe not flushed yet, with the boot it was written in
// (docs/segment-planner.md, "What a crash costs"): saved every ~200 ms without a flush, so a
// killed process loses well under a second; trusted only while that boot still runs.
struct ControlData {
    static constexpr int kVersion = 3;
    std::string url;
    std::int64_t totalBytes = -1;
    std::string etag;
    std::string lastModified;
    std::string contentType;
    bool acceptsRanges = false;
    std::vector<ByteRange> ranges; // finished and flushed to disk, sorted, disjoint
    bool contiguous = false;       // read from a version 1 file
    // Written by the download (pwrite returned) by the time of the save, a superset of
    // `ranges`; in the page cache, so good while bootId is the running boot. Empty = ranges.
    std::vector<ByteRange> written;
    std::string bootId; // io::currentBootId() at the save; empty = unknown
};

// The ranges a run may take as the part file's data: `written` as well when the machine has
// not restarted since the save (bootNow == data.bootId, both known), else only `ranges`.
std::vector<ByteRange> trustedRanges(const ControlData& data, const std::string& bootNow);

std::filesystem::path controlPathFor(const std::filesystem::path& partPath);
std::filesystem::path partPathFor(const std::filesystem::path& finalPath);

// Limits of what is read back: a real control file is a few KiB (a range per finished piece,
// and touching pieces merge), so a file near these was not written by MAria2.
inline constexpr std::size_t kMaxControlFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxControlRanges = 100'000;

// Never throws: strings that are not UTF-8 (a server's ETag) are saved with U+FFFD in place.
std::string encodeControl(const ControlData& data);
// nullopt (and *error set) for malformed JSON, an unknown version, a text over
// kMaxControlFileBytes, or a size or range that is not a whole number in the file: totalBytes
// -1 (unknown) or >= 0, each list of ranges sorted, disjoint, non-empty, within totalBytes
// and at most kMaxControlRanges long.
std::optional<ControlData> decodeControl(const std::string& text, std::string* error = nullptr);

// durable = false: replaced atomically but not flushed (see writeFileAtomically).
bool saveControl(const std::filesystem::path& path, const ControlData& data, std::string* error,
                 bool durable = true);
std::optional<ControlData> loadControl(const std::filesystem::path& path, std::string* error);

} // namespace maria2::io
