// Unit tests for maria2::checkResponse: the verdict on a connection's first body byte, one
// test per verdict and the cases where the order of the checks decides.
#include "core/engine/ResponseCheck.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

using maria2::checkResponse;
using maria2::ContentRange;
using maria2::HttpResponse;
using maria2::KnownFile;
using maria2::RangeAsked;
using Kind = maria2::ResponseVerdict::Kind;

namespace {

HttpResponse http(long status) {
    HttpResponse r;
    r.http = true;
    r.status = status;
    return r;
}

HttpResponse partial(std::int64_t first, std::int64_t last, std::int64_t total) {
    HttpResponse r = http(206);
    r.contentRange = ContentRange{first, last, total};
    r.contentLength = last - first + 1;
    return r;
}

KnownFile knownFile(std::int64_t total, std::string etag = "\"v1\"") {
    KnownFile k;
    k.total = total;
    k.etag = std::move(etag);
    k.lastModified = "Mon, 01 Jan 2024 00:00:00 GMT";
    k.contentType = "application/zip";
    return k;
}

RangeAsked from(std::int64_t begin, std::int64_t end = -1) {
    RangeAsked a;
    a.begin = begin;
    a.end = end;
    a.ranged = true;
    return a;
}

TEST(ResponseCheck, FirstRequestWithoutRangeAcceptsAndTakesServersWordOnRanges) {
    HttpResponse r = http(200);
    r.contentLength = 1000;
    r.acceptsRanges = true;
    const auto v = checkResponse(RangeAsked{}, KnownFile{}, r);
    EXPECT_EQ(v.kind, Kind::Accept);
    EXPECT_TRUE(v.accepted());
    EXPECT_EQ(v.total, 1000);
    ASSERT_TRUE(v.rangesWork.has_value());
    EXPECT_TRUE(*v.rangesWork);
}

TEST(ResponseCheck, ProbeAnsweredWith206ProvesRangesAndGivesTheSize) {
    const auto v = checkResponse(from(0), KnownFile{}, partial(0, 999, 1000));
    EXPECT_EQ(v.kind, Kind::Accept);
    EXPECT_EQ(v.total, 1000);
    EXPECT_EQ(v.rangesWork, std::optional<bool>(true));
}

TEST(ResponseCheck, ProbeAnsweredWith200MeansNoRangesEvenIfAdvertised) {
    HttpResponse r = http(200);
    r.contentLength = 1000;
    r.acceptsRanges = true;
    const auto v = checkResponse(from(0), KnownFile{}, r);
    EXPECT_EQ(v.kind, Kind::Accept);
    EXPECT_EQ(v.rangesWork, std::optional<bool>(false));
}

TEST(ResponseCheck, ErrorStatusIsNeverTheFile) {
    for (long status : {404L, 500L, 302L, 416L, 199L}) {
        const auto v = checkResponse(from(0), knownFile(1000), http(status));
        EXPECT_EQ(v.kind, Kind::ErrorStatus) << status;
        EXPECT_FALSE(v.accepted()) << status;
    }
}

TEST(ResponseCheck, BadRangeWhenThe206StartsElsewhere) {
    auto v = checkResponse(from(500, 1000), knownFile(1000), partial(0, 999, 1000));
    EXPECT_EQ(v.kind, Kind::BadRange);
    EXPECT_NE(v.message.find("bytes 500-"), std::string::npos) << v.message;
    EXPECT_NE(v.message.find("0-999"), std::string::npos) << v.message;

    HttpResponse missing = http(206);
    v = checkResponse(from(500), knownFile(1000), missing);
    EXPECT_EQ(v.kind, Kind::BadRange);
    EXPECT_NE(v.message.find("missing or malformed"), std::string::npos) << v.message;
}

TEST(ResponseCheck, FileChangedBySize) {
    const auto v = checkResponse(from(500), knownFile(1000), partial(500, 1499, 1500));
    EXPECT_EQ(v.kind, Kind::FileChanged);
    EXPECT_EQ(v.total, 1500);
    EXPECT_EQ(v.message, "the size changed from 1000 to 1500 bytes");
    // The 206 still proved that ranges work.
    EXPECT_EQ(v.rangesWork, std::optional<bool>(true));
}

TEST(ResponseCheck, FileChangedByEtagOnTheSameUrl) {
    HttpResponse r = partial(500, 999, 1000);
    r.etag = "\"v2\"";
    r.lastModified = "Mon, 01 Jan 2024 00:00:00 GMT";
    const auto v = checkResponse(from(500), knownFile(1000), r);
    EXPECT_EQ(v.kind, Kind::FileChanged);
    EXPECT_EQ(v.message, "the ETag changed from \"v1\" to \"v2\"");
}

TEST(ResponseCheck, OtherMirrorWithOwnEtagButSameDateIsTheSameFile) {
    HttpResponse r = partial(500, 999, 1000);
    r.etag = "\"mirror\"";
    r.lastModified = "Mon, 01 Jan 2024 00:00:00 GMT";
    KnownFile k = knownFile(1000);
    k.sameUrl = false;
    EXPECT_EQ(checkResponse(from(500), k, r).kind, Kind::Accept);
    r.lastModified = "Tue, 02 Jan 2024 00:00:00 GMT";
    EXPECT_EQ(checkResponse(from(500), k, r).kind, Kind::FileChanged);
}

TEST(ResponseCheck, HtmlPageOfAnotherSizeIsAnExpiredLink) {
    HttpResponse r = http(200);
    r.contentLength = 2048;
    r.contentType = "text/html; charset=utf-8";
    const auto v = checkResponse(from(500), knownFile(1000), r);
    EXPECT_EQ(v.kind, Kind::LinkExpired);
    EXPECT_NE(v.message.find("HTML page (2048 bytes)"), std::string::npos) << v.message;
}

TEST(ResponseCheck, HtmlPageOfUnknownSizeIsAnExpiredLink) {
    HttpResponse r = http(200);
    r.contentType = "text/html";
    const auto v = checkResponse(from(500), knownFile(1000), r);
    EXPECT_EQ(v.kind, Kind::LinkExpired);
}

TEST(ResponseCheck, HtmlIsFineWhenTheFileIsHtml) {
    HttpResponse r = partial(10, 99, 100);
    r.contentType = "text/html";
    KnownFile k = knownFile(100, "");
    k.contentType = "text/html";
    EXPECT_EQ(checkResponse(from(10), k, r).kind, Kind::Accept);
}

TEST(ResponseCheck, SecondaryConnectionGettingTheWholeFileMeansRangesIgnored) {
    HttpResponse r = http(200);
    r.contentLength = 1000;
    RangeAsked asked = from(500, 1000);
    asked.planned = true;
    asked.alone = false;
    const auto v = checkResponse(asked, knownFile(1000, ""), r);
    EXPECT_EQ(v.kind, Kind::RangesIgnored);
    EXPECT_FALSE(v.rangesWork.has_value());
}

TEST(ResponseCheck, OnlyConnectionGettingTheWholeFileStartsFromZero) {
    HttpResponse r = http(200);
    r.contentLength = 1000;
    r.acceptsRanges = true;
    const auto v = checkResponse(from(500), knownFile(1000, ""), r);
    EXPECT_EQ(v.kind, Kind::AcceptWhole);
    EXPECT_TRUE(v.accepted());
    EXPECT_EQ(v.total, 1000);
    EXPECT_EQ(v.rangesWork, std::optional<bool>(false));
    EXPECT_NE(v.message.find("bytes 500-"), std::string::npos) << v.message;
}

TEST(ResponseCheck, ChangedFileWinsOverRangesIgnored) {
    // A 200 of another size to a range request is a new version, not a range-less server.
    HttpResponse r = http(200);
    r.contentLength = 1200;
    EXPECT_EQ(checkResponse(from(500), knownFile(1000), r).kind, Kind::FileChanged);
}

TEST(ResponseCheck, FtpSizeFromRestAndRemaining) {
    HttpResponse r; // not HTTP
    r.contentLength = 600;
    auto v = checkResponse(from(400), KnownFile{}, r);
    EXPECT_EQ(v.kind, Kind::Accept);
    EXPECT_EQ(v.total, 1000);
    EXPECT_EQ(v.rangesWork, std::optional<bool>(true));

    v = checkResponse(from(400), knownFile(900, ""), r);
    EXPECT_EQ(v.kind, Kind::FileChanged);
    EXPECT_EQ(v.message, "the size changed from 900 to 1000 bytes");

    HttpResponse unknown;
    v = checkResponse(RangeAsked{}, KnownFile{}, unknown);
    EXPECT_EQ(v.kind, Kind::Accept);
    EXPECT_EQ(v.total, -1);
    EXPECT_FALSE(v.rangesWork.has_value());
}

TEST(ResponseCheck, FtpPlannedRangeKeepsTheKnownSize) {
    HttpResponse r;
    r.contentLength = 123; // what the server says is left; the planned range has an end
    const auto v = checkResponse(from(100, 200), knownFile(1000, ""), r);
    EXPECT_EQ(v.kind, Kind::Accept);
    EXPECT_EQ(v.total, 1000);
}

} // namespace

// Found reviewing checkResponse for tests/fuzz/fuzz_response_check: an FTP server's "bytes left"
// after a REST near byte 2^62 added up past 2^63 - 1 (signed overflow, UB) instead of being
// refused.
TEST(ResponseCheck, FtpSizePastInt64IsRefusedNotOverflowed) {
    HttpResponse r;
    r.contentLength = std::numeric_limits<std::int64_t>::max();
    const auto v = checkResponse(from(std::int64_t{1} << 62), KnownFile{}, r);
    EXPECT_EQ(v.kind, Kind::FileChanged);
    EXPECT_NE(v.message.find("more than a file can hold"), std::string::npos) << v.message;

    r.contentLength = std::numeric_limits<std::int64_t>::max() - 100; // ends exactly at 2^63 - 1
    const auto fits = checkResponse(from(100), KnownFile{}, r);
    EXPECT_EQ(fits.kind, Kind::Accept);
    EXPECT_EQ(fits.total, std::numeric_limits<std::int64_t>::max());
}
