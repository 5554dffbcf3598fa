#include "core/io/ControlFile.h"

#include "core/io/PartFile.h"
#include "core/segment/IntervalSet.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace maria2::io {

std::filesystem::path controlPathFor(const std::filesystem::path& partPath) {
    std::filesystem::path p = partPath;
    p += ".maria2";
    return p;
}

std::filesystem::path partPathFor(const std::filesystem::path& finalPath) {
    std::filesystem::path p = finalPath;
    p += ".part";
    return p;
}

std::string encodeControl(const ControlData& data) {
    // nlohmann's ordered_json keeps "version" first, as a human reading the file expects.
    nlohmann::ordered_json j;
    j["version"] = ControlData::kVersion;
    j["url"] = data.url;
    j["totalBytes"] = data.totalBytes;
    j["etag"] = data.etag;
    j["lastModified"] = data.lastModified;
    j["contentType"] = data.contentType;
    j["acceptsRanges"] = data.acceptsRanges;
    auto ranges = nlohmann::ordered_json::array();
    for (const auto& r : data.ranges) {
        ranges.push_back({r.begin, r.end});
    }
    j["ranges"] = std::move(ranges);
    if (!data.written.empty()) {
        auto written = nlohmann::ordered_json::array();
        for (const auto& r : data.written) {
            written.push_back({r.begin, r.end});
        }
        j["written"] = std::move(written);
        j["boot"] = data.bootId;
    }
    return j.dump(2) + "\n";
}

std::optional<ControlData> decodeControl(const std::string& text, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<ControlData> {
        if (error != nullptr) {
            *error = why;
        }
        return std::nullopt;
    };
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return fail("not a MAria2 control file (malformed JSON)");
    }
    // Not j.value("version", 0): that throws when "version" is not a number.
    const auto version = j.find("version");
    if (version == j.end()) {
        return fail("not a MAria2 control file (no \"version\")");
    }
    const std::int64_t v = version->is_number_integer() ? version->get<std::int64_t>() : -1;
    if (v < 1 || v > ControlData::kVersion) {
        return fail("unsupported control file version " + version->dump());
    }
    try {
        ControlData d;
        d.url = j.at("url").get<std::string>();
        d.totalBytes = j.value("totalBytes", std::int64_t{-1});
        d.etag = j.value("etag", std::string());
        d.lastModified = j.value("lastModified", std::string());
        if (v == 1) {
            d.contiguous = true;
            return d;
        }
        d.contentType = j.value("contentType", std::string());
        d.acceptsRanges = j.value("acceptsRanges", false);
        // Sorted, disjoint and inside the file, or the file is not trusted at all.
        const auto readRanges = [&](const nlohmann::json& list, std::vector<ByteRange>& out) {
            std::int64_t previousEnd = 0;
            for (const auto& r : list) {
                if (!r.is_array() || r.size() != 2) {
                    return false;
                }
                const ByteRange range{r[0].get<std::int64_t>(), r[1].get<std::int64_t>()};
                if (range.begin < previousEnd || range.end <= range.begin ||
                    (d.totalBytes >= 0 && range.end > d.totalBytes)) {
                    return false;
                }
                previousEnd = range.end;
                out.push_back(range);
            }
            return true;
        };
        if (!readRanges(j.at("ranges"), d.ranges)) {
            return fail("bad control file: ranges out of order, outside the file or not "
                        "[begin, end]");
        }
        if (const auto written = j.find("written"); v >= 3 && written != j.end()) {
            if (!written->is_array() || !readRanges(*written, d.written)) {
                return fail("bad control file: written ranges out of order, outside the file "
                            "or not [begin, end]");
            }
            d.bootId = j.value("boot", std::string());
        }
        return d;
    } catch (const nlohmann::json::exception& e) {
        return fail(std::string("bad control file field: ") + e.what());
    }
}

std::vector<ByteRange> trustedRanges(const ControlData& data, const std::string& bootNow) {
    if (data.written.empty() || data.bootId.empty() || data.bootId != bootNow) {
        return data.ranges;
    }
    IntervalSet all;
    for (const auto& r : data.ranges) {
        all.add(r);
    }
    for (const auto& r : data.written) {
        all.add(r);
    }
    return all.ranges();
}

bool saveControl(const std::filesystem::path& path, const ControlData& data, std::string* error,
                 bool durable) {
    IoError io;
    if (!writeFileAtomically(path, encodeControl(data), &io, durable)) {
        if (error != nullptr) {
            *error = io.message;
        }
        return false;
    }
    return true;
}

std::optional<ControlData> loadControl(const std::filesystem::path& path, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (error != nullptr) {
            *error = "cannot read " + path.string();
        }
        return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return decodeControl(ss.str(), error);
}

} // namespace maria2::io
