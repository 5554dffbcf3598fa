// Unit tests for the response values the engine parses itself (Content-Range, Accept-Ranges) and
// for readResponse() where no server is needed: a handle that has received nothing, and a
// non-HTTP transfer. What it reads of real HTTP responses (redirect hops, 1xx, validators) is
// proven against nginx in the integration tests.
#include "core/engine/HttpResponse.h"

#include <gtest/gtest.h>

#include <curl/curl.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

using maria2::acceptsByteRanges;
using maria2::ContentRange;
using maria2::HttpResponse;
using maria2::parseContentRange;
using maria2::readResponse;

namespace {

// ---------------------------------------------------------------------------------------------
// parseContentRange

TEST(ContentRangeParse, FullRange) {
    const auto r = parseContentRange("bytes 0-99/100");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->first, 0);
    EXPECT_EQ(r->last, 99);
    EXPECT_EQ(r->total, 100);
}

TEST(ContentRangeParse, MiddleRange) {
    const auto r = parseContentRange("bytes 100-199/1000");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->first, 100);
    EXPECT_EQ(r->last, 199);
    EXPECT_EQ(r->total, 1000);
}

TEST(ContentRangeParse, UnknownTotal) {
    const auto r = parseContentRange("bytes 10-19/*");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->first, 10);
    EXPECT_EQ(r->last, 19);
    EXPECT_EQ(r->total, -1);
}

TEST(ContentRangeParse, SingleByte) {
    const auto r = parseContentRange("bytes 0-0/1");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->first, 0);
    EXPECT_EQ(r->last, 0);
    EXPECT_EQ(r->total, 1);
}

TEST(ContentRangeParse, LastByteOfFile) {
    const auto r = parseContentRange("bytes 99-99/100");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->first, 99);
    EXPECT_EQ(r->total, 100);
}

TEST(ContentRangeParse, BeyondFourGigabytes) {
    const auto r = parseContentRange("bytes 4294967296-8589934591/8589934592");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->first, 4294967296LL);
    EXPECT_EQ(r->last, 8589934591LL);
    EXPECT_EQ(r->total, 8589934592LL);
}

TEST(ContentRangeParse, SurroundingWhiteSpaceTolerated) {
    const auto r = parseContentRange("  bytes 0-99/100 \r\n");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->last, 99);
    EXPECT_EQ(r->total, 100);

    const auto r2 = parseContentRange("bytes   5-9/10");
    ASSERT_TRUE(r2.has_value());
    EXPECT_EQ(r2->first, 5);
}

TEST(ContentRangeParse, UnitIsCaseInsensitive) {
    const auto r = parseContentRange("Bytes 0-9/10");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->total, 10);
}

TEST(ContentRangeParse, RejectsMalformed) {
    for (const char* value : {
             "bytes 5-4/10",     // last before first
             "bytes 0-99/50",    // range beyond the total
             "bytes 0-99/99",    // last byte == total: one past the end
             "items 0-1/2",      // not bytes
             "",                 // empty
             "   ",              // blank
             "bytes",            // unit only
             "bytes ",           // unit only, with space
             "bytes 0-99",       // no total
             "bytes 0/100",      // no dash
             "bytes -99/100",    // no first
             "bytes 0-/100",     // no last
             "bytes 0-99/",      // empty total
             "bytes /100",       // nothing before the slash
             "bytes -1-5/10",    // negative first
             "bytes 0--5/10",    // negative last
             "bytes 0-5/-10",    // negative total
             "bytes */100",      // unsatisfied-range form has no range
             "bytes a-b/c",      // not numbers
             "bytes 0x0-0x9/10", // hex
             "bytes 0-99/100x",  // trailing junk
             "bytes 0-9/10/20",  // two slashes
             "bytes 1.5-2/10",   // fraction
             "bytes 0-99999999999999999999/100000000000000000000", // overflow
         }) {
        EXPECT_FALSE(parseContentRange(value).has_value()) << "'" << value << "'";
    }
}

// ---------------------------------------------------------------------------------------------
// acceptsByteRanges

TEST(AcceptRangesValue, OnlyBytesCounts) {
    for (const char* yes : {"bytes", "Bytes", "BYTES", "  bytes ", "bytes\r\n"}) {
        EXPECT_TRUE(acceptsByteRanges(yes)) << "'" << yes << "'";
    }
    for (const char* no : {"none", "", "  ", "items", "bytes, items", "bytesx"}) {
        EXPECT_FALSE(acceptsByteRanges(no)) << "'" << no << "'";
    }
}

// ---------------------------------------------------------------------------------------------
// readResponse

TEST(ReadResponse, NothingReceivedIsEmpty) {
    const HttpResponse none = readResponse(nullptr);
    EXPECT_FALSE(none.isHttp());
    EXPECT_EQ(none.contentLength, -1);

    CURL* easy = curl_easy_init();
    ASSERT_NE(easy, nullptr);
    const HttpResponse r = readResponse(easy);
    curl_easy_cleanup(easy);
    EXPECT_FALSE(r.isHttp());
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.contentLength, -1);
    EXPECT_FALSE(r.contentRange.has_value());
    EXPECT_FALSE(r.contentRangeMalformed);
    EXPECT_FALSE(r.acceptsRanges);
    EXPECT_TRUE(r.etag.empty());
    EXPECT_TRUE(r.contentType.empty());
}

size_t discard(char*, size_t size, size_t count, void*) {
    return size * count;
}

TEST(ReadResponse, NonHttpTransferHasOnlyItsLength) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("maria2_read_response_" +
                       std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".bin");
    {
        std::ofstream out(path, std::ios::binary);
        out << std::string(1234, 'x');
    }
    CURL* easy = curl_easy_init();
    ASSERT_NE(easy, nullptr);
    const std::string url = "file://" + path.string();
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard);
    const CURLcode rc = curl_easy_perform(easy);
    const HttpResponse r = readResponse(easy);
    curl_easy_cleanup(easy);
    std::filesystem::remove(path);
    ASSERT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc);
    EXPECT_FALSE(r.isHttp());
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.contentLength, 1234);
    EXPECT_TRUE(r.etag.empty());
    EXPECT_FALSE(r.acceptsRanges);
}

TEST(ReadResponse, IsHttpNeedsAStatus) {
    HttpResponse r;
    r.http = true;
    EXPECT_FALSE(r.isHttp());
    r.status = 200;
    EXPECT_TRUE(r.isHttp());
}

} // namespace
