// Unit tests for maria2::io control files (NAME.part.maria2): JSON encoding with "version"
// first, strict decoding, and atomic save/load through a private temporary directory.
#include "core/io/ControlFile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using maria2::io::ControlData;
using maria2::io::controlPathFor;
using maria2::io::decodeControl;
using maria2::io::encodeControl;
using maria2::io::loadControl;
using maria2::io::partPathFor;
using maria2::io::saveControl;

namespace {

ControlData sample() {
    ControlData d;
    d.url = "https://example.com/files/b\xC3\xBC"
            "cher \"v2\".zip?token=a&b=c";
    d.totalBytes = 5'000'000'000'123LL;
    d.etag = "W/\"abc-123\"";
    d.lastModified = "Tue, 02 Jan 2024 10:11:12 GMT";
    return d;
}

void expectSame(const ControlData& a, const ControlData& b) {
    EXPECT_EQ(a.url, b.url);
    EXPECT_EQ(a.totalBytes, b.totalBytes);
    EXPECT_EQ(a.etag, b.etag);
    EXPECT_EQ(a.lastModified, b.lastModified);
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class ControlFileOnDisk : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        m_dir =
            fs::temp_directory_path() / ("maria2-unit-control-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(stamp) + "-" + std::to_string(counter++));
        ASSERT_TRUE(fs::create_directory(m_dir)) << m_dir;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(m_dir)) {
            names.push_back(e.path().filename().string());
        }
        return names;
    }
    fs::path m_dir;
};

// ---------------------------------------------------------------------------------------------
// Paths

TEST(ControlFilePaths, PartPathAppendsPart) {
    EXPECT_EQ(partPathFor("/downloads/f.zip"), fs::path("/downloads/f.zip.part"));
    EXPECT_EQ(partPathFor("f"), fs::path("f.part"));
    EXPECT_EQ(partPathFor("/d/archive.tar.gz"), fs::path("/d/archive.tar.gz.part"));
}

TEST(ControlFilePaths, ControlPathAppendsMaria2) {
    EXPECT_EQ(controlPathFor("/downloads/f.zip.part"), fs::path("/downloads/f.zip.part.maria2"));
    EXPECT_EQ(controlPathFor(partPathFor("/d/x.iso")), fs::path("/d/x.iso.part.maria2"));
}

TEST(ControlFilePaths, StayInTheSameDirectory) {
    const fs::path finalPath = fs::path("/some/dir") / "name with spaces.bin";
    EXPECT_EQ(partPathFor(finalPath).parent_path(), finalPath.parent_path());
    EXPECT_EQ(controlPathFor(partPathFor(finalPath)).parent_path(), finalPath.parent_path());
}

// ---------------------------------------------------------------------------------------------
// Encode / decode

TEST(ControlFileCodec, RoundTrip) {
    const ControlData in = sample();
    std::string error;
    const auto out = decodeControl(encodeControl(in), &error);
    ASSERT_TRUE(out.has_value()) << error;
    expectSame(in, *out);
}

TEST(ControlFileCodec, RoundTripOfDefaults) {
    ControlData in;
    in.url = "http://h/x";
    const auto out = decodeControl(encodeControl(in));
    ASSERT_TRUE(out.has_value());
    expectSame(in, *out);
    EXPECT_EQ(out->totalBytes, -1);
}

TEST(ControlFileCodec, VersionIsTheFirstKey) {
    const std::string text = encodeControl(sample());
    const auto brace = text.find('{');
    ASSERT_NE(brace, std::string::npos);
    const auto firstKey = text.find('"', brace);
    ASSERT_NE(firstKey, std::string::npos);
    EXPECT_EQ(text.compare(firstKey, 9, "\"version\""), 0) << text;

    const auto j = nlohmann::ordered_json::parse(text);
    ASSERT_TRUE(j.is_object());
    ASSERT_FALSE(j.empty());
    EXPECT_EQ(j.begin().key(), "version");
    EXPECT_EQ(j.at("version").get<int>(), ControlData::kVersion);
}

TEST(ControlFileCodec, IsReadableJsonEndingInNewline) {
    const std::string text = encodeControl(sample());
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    EXPECT_NE(text.find('\n'), text.size() - 1) << "expected indented, multi-line JSON";
    const auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j.at("url").get<std::string>(), sample().url);
    EXPECT_EQ(j.at("totalBytes").get<std::int64_t>(), sample().totalBytes);
}

TEST(ControlFileCodec, UnknownVersionRejectedNamingIt) {
    for (int version : {4, 0, -1, 99}) {
        const std::string text =
            "{\"version\": " + std::to_string(version) + ", \"url\": \"http://h/x\"}";
        std::string error;
        EXPECT_FALSE(decodeControl(text, &error).has_value()) << text;
        EXPECT_NE(error.find("version " + std::to_string(version)), std::string::npos) << error;
    }
}

TEST(ControlFileCodec, MissingVersionRejected) {
    std::string error;
    EXPECT_FALSE(decodeControl("{\"url\": \"http://h/x\"}", &error).has_value());
    EXPECT_NE(error.find("version"), std::string::npos) << error;
}

TEST(ControlFileCodec, NonNumericVersionRejectedNotThrown) {
    for (const char* text :
         {"{\"version\": \"1\", \"url\": \"http://h/x\"}", "{\"version\": null, \"url\": \"u\"}",
          "{\"version\": [1], \"url\": \"u\"}", "{\"version\": {}, \"url\": \"u\"}"}) {
        std::string error;
        std::optional<ControlData> out;
        EXPECT_NO_THROW(out = decodeControl(text, &error)) << text;
        EXPECT_FALSE(out.has_value()) << text;
        EXPECT_NE(error.find("version"), std::string::npos) << text << " -> " << error;
    }
}

TEST(ControlFileCodec, MalformedJsonRejected) {
    for (const char* text : {"", "{", "not json", "{\"version\": 1, \"url\": \"x\"",
                             "{\"version\": 1,, \"url\": \"x\"}", "[1, 2, 3]", "null", "42",
                             "\"a string\"", "\x01\x02\x03"}) {
        std::string error;
        std::optional<ControlData> out;
        EXPECT_NO_THROW(out = decodeControl(text, &error)) << text;
        EXPECT_FALSE(out.has_value()) << "'" << text << "'";
        EXPECT_NE(error.find("malformed"), std::string::npos) << "'" << text << "' -> " << error;
    }
}

TEST(ControlFileCodec, MissingOrWrongTypedFieldsRejected) {
    for (const char* text : {"{\"version\": 1}", "{\"version\": 1, \"url\": 5}",
                             "{\"version\": 1, \"url\": \"u\", \"totalBytes\": \"big\"}",
                             "{\"version\": 1, \"url\": \"u\", \"etag\": 7}",
                             "{\"version\": 1, \"url\": \"u\", \"lastModified\": false}"}) {
        std::string error;
        std::optional<ControlData> out;
        EXPECT_NO_THROW(out = decodeControl(text, &error)) << text;
        EXPECT_FALSE(out.has_value()) << text;
        EXPECT_FALSE(error.empty()) << text;
    }
}

TEST(ControlFileCodec, OptionalFieldsDefault) {
    const auto out = decodeControl("{\"version\": 1, \"url\": \"http://h/x\"}");
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->url, "http://h/x");
    EXPECT_EQ(out->totalBytes, -1);
    EXPECT_TRUE(out->etag.empty());
    EXPECT_TRUE(out->lastModified.empty());
}

TEST(ControlFileCodec, UnknownExtraKeysTolerated) {
    const auto out =
        decodeControl("{\"version\": 1, \"url\": \"http://h/x\", \"futureField\": [1,2]}");
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->url, "http://h/x");
}

TEST(ControlFileCodec, ErrorPointerIsOptional) {
    EXPECT_FALSE(decodeControl("{").has_value());
    EXPECT_FALSE(decodeControl("{\"version\": 7, \"url\": \"u\"}").has_value());
}

// ---------------------------------------------------------------------------------------------
// Save / load

TEST_F(ControlFileOnDisk, SaveThenLoad) {
    const fs::path path = controlPathFor(partPathFor(m_dir / "f.zip"));
    std::string error;
    ASSERT_TRUE(saveControl(path, sample(), &error)) << error;
    ASSERT_TRUE(fs::exists(path));

    const auto loaded = loadControl(path, &error);
    ASSERT_TRUE(loaded.has_value()) << error;
    expectSame(sample(), *loaded);
    EXPECT_EQ(readAll(path), encodeControl(sample()));
}

TEST_F(ControlFileOnDisk, SaveLeavesNoTempFileBehind) {
    const fs::path path = m_dir / "f.zip.part.maria2";
    std::string error;
    ASSERT_TRUE(saveControl(path, sample(), &error)) << error;
    ControlData second = sample();
    second.etag = "\"new\"";
    ASSERT_TRUE(saveControl(path, second, &error)) << error;

    const auto names = entries();
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], "f.zip.part.maria2");
    for (const auto& n : names) {
        EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
    }
}

TEST_F(ControlFileOnDisk, SaveReplacesOlderContent) {
    const fs::path path = m_dir / "c.maria2";
    ControlData big = sample();
    big.url = "http://example.com/" + std::string(2000, 'a');
    ASSERT_TRUE(saveControl(path, big, nullptr));
    ControlData small;
    small.url = "http://h/s";
    ASSERT_TRUE(saveControl(path, small, nullptr));

    std::string error;
    const auto loaded = loadControl(path, &error);
    ASSERT_TRUE(loaded.has_value()) << error;
    expectSame(small, *loaded);
    EXPECT_EQ(readAll(path), encodeControl(small)); // no tail of the longer file left
}

TEST_F(ControlFileOnDisk, LoadMissingFileNamesIt) {
    const fs::path path = m_dir / "absent.maria2";
    std::string error;
    EXPECT_FALSE(loadControl(path, &error).has_value());
    EXPECT_NE(error.find(path.string()), std::string::npos) << error;
}

TEST_F(ControlFileOnDisk, LoadCorruptFileRejected) {
    const fs::path path = m_dir / "bad.maria2";
    {
        std::ofstream out(path, std::ios::binary);
        out << "{\"version\": 1, \"url\": "; // torn write of an older, non-atomic writer
    }
    std::string error;
    EXPECT_FALSE(loadControl(path, &error).has_value());
    EXPECT_NE(error.find("malformed"), std::string::npos) << error;
}

TEST_F(ControlFileOnDisk, LoadFutureVersionRejected) {
    const fs::path path = m_dir / "future.maria2";
    {
        std::ofstream out(path, std::ios::binary);
        out << "{\"version\": 4, \"url\": \"http://h/x\"}\n";
    }
    std::string error;
    EXPECT_FALSE(loadControl(path, &error).has_value());
    EXPECT_NE(error.find("version 4"), std::string::npos) << error;
}

TEST_F(ControlFileOnDisk, SaveIntoMissingDirectoryFailsNamingPath) {
    const fs::path path = m_dir / "no-such-dir" / "f.part.maria2";
    std::string error;
    EXPECT_FALSE(saveControl(path, sample(), &error));
    EXPECT_FALSE(error.empty());
    EXPECT_NE(error.find((m_dir / "no-such-dir").string()), std::string::npos) << error;
    EXPECT_FALSE(fs::exists(path));
}

} // namespace

TEST(ControlFileCodec, WrittenRangesAndBootRoundTrip) {
    ControlData d;
    d.url = "http://h/x";
    d.totalBytes = 100;
    d.ranges = {{0, 10}};
    d.written = {{0, 30}, {50, 60}};
    d.bootId = "boot-a";
    std::string error;
    const auto back = decodeControl(encodeControl(d), &error);
    ASSERT_TRUE(back.has_value()) << error;
    EXPECT_EQ(back->ranges, d.ranges);
    EXPECT_EQ(back->written, d.written);
    EXPECT_EQ(back->bootId, "boot-a");
}

TEST(ControlFileCodec, WrittenRangesOutsideTheFileRejectTheFile) {
    const std::string text = R"({"version": 3, "url": "http://h/x", "totalBytes": 100,
        "ranges": [[0, 10]], "written": [[0, 10], [90, 120]], "boot": "b"})";
    std::string error;
    EXPECT_FALSE(decodeControl(text, &error).has_value());
    EXPECT_NE(error.find("written"), std::string::npos) << error;
}

TEST(ControlFileCodec, AVersion2FileHasNoWrittenRanges) {
    const std::string text =
        R"({"version": 2, "url": "http://h/x", "totalBytes": 100, "ranges": [[0, 10]]})";
    const auto d = decodeControl(text);
    ASSERT_TRUE(d.has_value());
    EXPECT_TRUE(d->written.empty());
    EXPECT_EQ(maria2::io::trustedRanges(*d, "any"), d->ranges);
}

TEST(ControlFileTrust, WrittenRangesCountOnlyInTheBootThatWroteThem) {
    ControlData d;
    d.ranges = {{0, 10}};
    d.written = {{0, 30}, {50, 60}};
    d.bootId = "boot-a";
    using maria2::io::trustedRanges;
    const std::vector<maria2::ByteRange> all{{0, 30}, {50, 60}};
    EXPECT_EQ(trustedRanges(d, "boot-a"), all);
    EXPECT_EQ(trustedRanges(d, "boot-b"), d.ranges); // restarted: only the flushed ones
    EXPECT_EQ(trustedRanges(d, ""), d.ranges);       // unknown now
    d.bootId.clear();
    EXPECT_EQ(trustedRanges(d, ""), d.ranges); // unknown then, even if "equal"
}

// ---------------------------------------------------------------------------------------------
// Hostile or damaged control files (issue 15; tests/fuzz/fuzz_control_file): every size and
// offset must be a whole number in the file, and the file itself small.

TEST(ControlFileCodec, NegativeFractionalOrNonNumericSizesRejectTheFile) {
    for (const char* text : {
             R"({"version": 3, "url": "u", "totalBytes": -7, "ranges": []})",
             R"({"version": 1, "url": "u", "totalBytes": -2})",
             R"({"version": 3, "url": "u", "totalBytes": 10.5, "ranges": []})",
             R"({"version": 3, "url": "u", "totalBytes": 1e300, "ranges": []})",
             R"({"version": 3, "url": "u", "totalBytes": true, "ranges": []})",
             R"({"version": 3, "url": "u", "totalBytes": 18446744073709551615, "ranges": []})",
             R"({"version": 3, "url": "u", "totalBytes": 100, "ranges": [[0, 1.5]]})",
             R"({"version": 3, "url": "u", "totalBytes": 100, "ranges": [[0.5, 10]]})",
             R"({"version": 3, "url": "u", "totalBytes": -1, "ranges": [[-5, 3]]})",
             R"({"version": 3, "url": "u", "totalBytes": 100, "ranges": [[false, true]]})",
             R"({"version": 3, "url": "u", "totalBytes": 100, "ranges": [[0, 10]],
                 "written": [[0, 1e2]], "boot": "b"})",
             R"({"version": 3, "url": "u", "totalBytes": 100, "ranges": {"a": [0, 10]}})",
         }) {
        std::string error;
        std::optional<ControlData> out;
        EXPECT_NO_THROW(out = decodeControl(text, &error)) << text;
        EXPECT_FALSE(out.has_value()) << text;
        EXPECT_FALSE(error.empty()) << text;
    }
    // What MAria2 itself writes still loads: -1 for an unknown size, ranges up to the size.
    const auto unknown = decodeControl(R"({"version": 3, "url": "u", "totalBytes": -1,
                                           "ranges": [[0, 9223372036854775807]]})");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_EQ(unknown->totalBytes, -1);
    EXPECT_EQ(unknown->ranges.back().end, 9223372036854775807);
}

TEST(ControlFileCodec, TooManyRangesRejectTheFile) {
    std::string ranges;
    for (std::size_t i = 0; i <= maria2::io::kMaxControlRanges; ++i) {
        ranges +=
            (i == 0 ? "[" : ",[") + std::to_string(2 * i) + "," + std::to_string(2 * i + 1) + "]";
    }
    std::string error;
    EXPECT_FALSE(decodeControl(R"({"version": 2, "url": "u", "ranges": [)" + ranges + "]}", &error)
                     .has_value());
    EXPECT_NE(error.find("more than"), std::string::npos) << error;
}

TEST(ControlFileCodec, ServerValidatorsThatAreNotUtf8SaveWithoutThrowing) {
    // ETag and Last-Modified are a server's raw header bytes; the strict JSON writer threw
    // (on the I/O worker: the process ended).
    ControlData d = sample();
    d.etag = "\"caf\xE9\"";
    d.lastModified = "Mon, 01 Jan 2024 \xFF";
    d.contentType = "text/\x80";
    std::string text;
    ASSERT_NO_THROW(text = encodeControl(d));
    std::string error;
    const auto back = decodeControl(text, &error);
    ASSERT_TRUE(back.has_value()) << error;
    EXPECT_EQ(back->url, d.url);
    EXPECT_NE(back->etag, d.etag); // replaced, so a later run sees the file as changed
    EXPECT_EQ(back->etag, "\"caf\xEF\xBF\xBD\"");
}

TEST_F(ControlFileOnDisk, OversizedFileRejectedWithoutReadingItAll) {
    const fs::path path = m_dir / "huge.maria2";
    {
        std::ofstream out(path, std::ios::binary);
        out << encodeControl(sample());
    }
    fs::resize_file(path, maria2::io::kMaxControlFileBytes + 4096); // sparse: no disk used
    std::string error;
    EXPECT_FALSE(loadControl(path, &error).has_value());
    EXPECT_NE(error.find("larger than 16 MiB"), std::string::npos) << error;
}
