#pragma once
// The small versioned sidecar beside a part file (NAME.part.maria2) that lets a later run
// resume safely: which URL it came from and the validators that prove the server still has
// the same file. Written atomically. JSON, "version" first.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace maria2::io {

struct ControlData {
    static constexpr int kVersion = 1;
    std::string url;
    std::int64_t totalBytes = -1;
    std::string etag;
    std::string lastModified;
};

std::filesystem::path controlPathFor(const std::filesystem::path& partPath);
std::filesystem::path partPathFor(const std::filesystem::path& finalPath);

std::string encodeControl(const ControlData& data);
// nullopt (and *error set) for malformed JSON or an unknown version.
std::optional<ControlData> decodeControl(const std::string& text, std::string* error = nullptr);

bool saveControl(const std::filesystem::path& path, const ControlData& data, std::string* error);
std::optional<ControlData> loadControl(const std::filesystem::path& path, std::string* error);

} // namespace maria2::io
