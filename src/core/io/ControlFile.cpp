#include "core/io/ControlFile.h"

#include "core/io/PartFile.h"
#include "core/segment/IntervalSet.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>

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
    // The validators and type are a server's raw header bytes, not always UTF-8: the strict
    // default would throw on the I/O worker. U+FFFD in their place makes a later run see a
    // changed file and start over, never trust bytes it cannot match.
    return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::optional<ControlData> decodeControl(const std::string& text, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<ControlData> {
        if (error != nullptr) {
            *error = why;
        }
        return std::nullopt;
    };
    if (text.size() > kMaxControlFileBytes) {
        return fail("not a MAria2 control file (larger than " +
                    std::to_string(kMaxControlFileBytes >> 20) + " MiB)");
    }
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
    // nlohmann's get<int64_t>() would take 1.5 as 1, true as 1 and 1e300 as undefined
    // behaviour: a size or offset must be written as a whole JSON number in int64_t.
    const auto integer = [](const nlohmann::json& n) -> std::optional<std::int64_t> {
        if (n.is_number_unsigned()) {
            const auto u = n.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                return std::nullopt;
            }
            return static_cast<std::int64_t>(u);
        }
        if (n.is_number_integer()) {
            return n.get<std::int64_t>();
        }
        return std::nullopt;
    };
    try {
        ControlData d;
        d.url = j.at("url").get<std::string>();
        if (const auto total = j.find("totalBytes"); total != j.end()) {
            const auto t = integer(*total);
            if (!t || *t < -1) {
                return fail("bad control file: totalBytes " + total->dump() +
                            " is not a size (a whole number >= 0, or -1 for unknown)");
            }
            d.totalBytes = *t;
        }
        d.etag = j.value("etag", std::string());
        d.lastModified = j.value("lastModified", std::string());
        if (v == 1) {
            d.contiguous = true;
            return d;
        }
        d.contentType = j.value("contentType", std::string());
        d.acceptsRanges = j.value("acceptsRanges", false);
        // Sorted, disjoint, whole numbers and inside the file, or the file is not trusted at
        // all; a size unknown (-1) bounds them only by int64_t.
        const auto readRanges = [&](const nlohmann::json& list, std::vector<ByteRange>& out) {
            if (!list.is_array() || list.size() > kMaxControlRanges) {
                return false;
            }
            std::int64_t previousEnd = 0;
            for (const auto& r : list) {
                if (!r.is_array() || r.size() != 2) {
                    return false;
                }
                const auto begin = integer(r[0]), end = integer(r[1]);
                if (!begin || !end || *begin < previousEnd || *end <= *begin ||
                    (d.totalBytes >= 0 && *end > d.totalBytes)) {
                    return false;
                }
                previousEnd = *end;
                out.push_back({*begin, *end});
            }
            return true;
        };
        if (!readRanges(j.at("ranges"), d.ranges)) {
            return fail("bad control file: ranges out of order, outside the file, not whole "
                        "numbers [begin, end] or more than " +
                        std::to_string(kMaxControlRanges));
        }
        if (const auto written = j.find("written"); v >= 3 && written != j.end()) {
            if (!readRanges(*written, d.written)) {
                return fail("bad control file: written ranges out of order, outside the file, "
                            "not whole numbers [begin, end] or more than " +
                            std::to_string(kMaxControlRanges));
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
    // Read at most one byte past the cap: a huge (or endless, e.g. a FIFO) file is refused
    // without reading it all into memory.
    std::string text(kMaxControlFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (in.bad()) {
        if (error != nullptr) {
            *error = "cannot read " + path.string();
        }
        return std::nullopt;
    }
    return decodeControl(text, error);
}

} // namespace maria2::io
