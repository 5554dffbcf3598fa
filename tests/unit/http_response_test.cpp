// Unit tests for maria2::HttpResponse and parseContentRange: the response headers the engine
// decides on (length, ranges, validators, file name), fed line by line as curl delivers them,
// redirect hops included.
#include "core/engine/HttpResponse.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

using maria2::ContentRange;
using maria2::HttpResponse;
using maria2::parseContentRange;

namespace {

void feedAll(HttpResponse& r, std::initializer_list<std::string_view> lines) {
    for (std::string_view line : lines) {
        r.feed(line);
    }
}

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
// HttpResponse::feed

TEST(HttpResponseFeed, FreshResponseIsEmpty) {
    const HttpResponse r;
    EXPECT_FALSE(r.isHttp());
    EXPECT_EQ(r.status(), 0);
    EXPECT_EQ(r.contentLength(), -1);
    EXPECT_FALSE(r.contentRange().has_value());
    EXPECT_FALSE(r.contentRangeMalformed());
    EXPECT_FALSE(r.acceptsRanges());
    EXPECT_TRUE(r.etag().empty());
}

TEST(HttpResponseFeed, StatusLineReturnsTrueOthersFalse) {
    HttpResponse r;
    EXPECT_TRUE(r.feed("HTTP/1.1 200 OK\r\n"));
    EXPECT_FALSE(r.feed("Content-Length: 10\r\n"));
    EXPECT_FALSE(r.feed("\r\n"));
    EXPECT_TRUE(r.isHttp());
    EXPECT_EQ(r.status(), 200);
}

TEST(HttpResponseFeed, ParsesTypicalResponse) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 200 OK\r\n", "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n",
                "Content-Type: application/zip\r\n", "Content-Length: 123456\r\n",
                "ETag: \"abc-123\"\r\n", "Last-Modified: Sun, 31 Dec 2023 23:59:59 GMT\r\n",
                "Accept-Ranges: bytes\r\n",
                "Content-Disposition: attachment; filename=\"report.pdf\"\r\n", "\r\n"});
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.contentLength(), 123456);
    EXPECT_EQ(r.contentType(), "application/zip");
    EXPECT_EQ(r.etag(), "\"abc-123\"");
    EXPECT_EQ(r.lastModified(), "Sun, 31 Dec 2023 23:59:59 GMT");
    EXPECT_TRUE(r.acceptsRanges());
    EXPECT_EQ(r.contentDisposition(), "attachment; filename=\"report.pdf\"");
    EXPECT_FALSE(r.contentRange().has_value());
    EXPECT_FALSE(r.contentRangeMalformed());
}

TEST(HttpResponseFeed, RedirectKeepsOnlyFinalHeaders) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 302 Found\r\n", "Location: https://cdn.example.com/f.zip\r\n",
                "Content-Length: 154\r\n", "Content-Type: text/html\r\n", "ETag: \"redirect\"\r\n",
                "Last-Modified: Sat, 01 Jan 2000 00:00:00 GMT\r\n", "Accept-Ranges: bytes\r\n",
                "Content-Disposition: attachment; filename=\"wrong.html\"\r\n",
                "Content-Range: bytes 0-9/10\r\n", "\r\n"});
    EXPECT_EQ(r.status(), 302);
    EXPECT_EQ(r.contentLength(), 154);

    EXPECT_TRUE(r.feed("HTTP/1.1 200 OK\r\n"));
    feedAll(r, {"Content-Type: application/zip\r\n", "\r\n"});
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.contentType(), "application/zip");
    EXPECT_EQ(r.contentLength(), -1);
    EXPECT_TRUE(r.etag().empty());
    EXPECT_TRUE(r.lastModified().empty());
    EXPECT_FALSE(r.acceptsRanges());
    EXPECT_TRUE(r.contentDisposition().empty());
    EXPECT_FALSE(r.contentRange().has_value());
    EXPECT_FALSE(r.contentRangeMalformed());
}

TEST(HttpResponseFeed, MalformedFlagDoesNotSurviveRedirect) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 301 Moved Permanently\r\n", "Content-Range: bytes 9-0/1\r\n"});
    EXPECT_TRUE(r.contentRangeMalformed());
    feedAll(r, {"HTTP/1.1 206 Partial Content\r\n", "Content-Range: bytes 0-9/10\r\n"});
    EXPECT_FALSE(r.contentRangeMalformed());
    ASSERT_TRUE(r.contentRange().has_value());
    EXPECT_EQ(r.contentRange()->total, 10);
}

TEST(HttpResponseFeed, HundredContinueThenFinal) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 200 OK\r\n", "Content-Length: 7\r\n",
                "\r\n"});
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.contentLength(), 7);
}

TEST(HttpResponseFeed, HeaderNamesAreCaseInsensitive) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 206 Partial Content\r\n", "content-LENGTH: 42\r\n",
                "CONTENT-TYPE: text/plain\r\n", "eTaG: W/\"weak\"\r\n",
                "LAST-modified: Tue, 02 Jan 2024 10:00:00 GMT\r\n", "ACCEPT-RANGES: BYTES\r\n",
                "content-disposition: inline\r\n", "CoNtEnT-RaNgE: bytes 100-141/1000\r\n"});
    EXPECT_EQ(r.contentLength(), 42);
    EXPECT_EQ(r.contentType(), "text/plain");
    EXPECT_EQ(r.etag(), "W/\"weak\"");
    EXPECT_EQ(r.lastModified(), "Tue, 02 Jan 2024 10:00:00 GMT");
    EXPECT_TRUE(r.acceptsRanges());
    EXPECT_EQ(r.contentDisposition(), "inline");
    ASSERT_TRUE(r.contentRange().has_value());
    EXPECT_EQ(r.contentRange()->first, 100);
    EXPECT_EQ(r.contentRange()->last, 141);
    EXPECT_EQ(r.contentRange()->total, 1000);
}

TEST(HttpResponseFeed, CrlfAndWhiteSpaceStrippedFromValues) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 200 OK\r\n", "ETag:   \"x\"  \r\n", "Content-Type:text/csv\r\n",
                "Content-Length:\t99\t\r\n"});
    EXPECT_EQ(r.etag(), "\"x\"");
    EXPECT_EQ(r.contentType(), "text/csv");
    EXPECT_EQ(r.contentLength(), 99);
    EXPECT_EQ(r.etag().find('\r'), std::string::npos);
}

TEST(HttpResponseFeed, LinesWithoutCrlfWorkToo) {
    HttpResponse r;
    EXPECT_TRUE(r.feed("HTTP/1.1 200 OK"));
    r.feed("Content-Length: 5");
    r.feed("Last-Modified: yesterday\n");
    EXPECT_EQ(r.status(), 200);
    EXPECT_EQ(r.contentLength(), 5);
    EXPECT_EQ(r.lastModified(), "yesterday");
}

TEST(HttpResponseFeed, Http2StatusLine) {
    HttpResponse r;
    EXPECT_TRUE(r.feed("HTTP/2 206\r\n"));
    EXPECT_EQ(r.status(), 206);
    r.feed("content-range: bytes 0-0/5\r\n");
    ASSERT_TRUE(r.contentRange().has_value());
    EXPECT_EQ(r.contentRange()->total, 5);
}

TEST(HttpResponseFeed, ContentLengthAbsentOrBadIsMinusOne) {
    HttpResponse absent;
    feedAll(absent, {"HTTP/1.1 200 OK\r\n", "Transfer-Encoding: chunked\r\n", "\r\n"});
    EXPECT_EQ(absent.contentLength(), -1);

    for (const char* bad : {"Content-Length: abc\r\n", "Content-Length: -5\r\n",
                            "Content-Length: 12abc\r\n", "Content-Length: \r\n"}) {
        HttpResponse r;
        feedAll(r, {"HTTP/1.1 200 OK\r\n", bad});
        EXPECT_EQ(r.contentLength(), -1) << bad;
    }
}

TEST(HttpResponseFeed, ContentLengthZeroIsKnown) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 200 OK\r\n", "Content-Length: 0\r\n"});
    EXPECT_EQ(r.contentLength(), 0);
}

TEST(HttpResponseFeed, MalformedContentRangeFlagged) {
    for (const char* bad : {"Content-Range: bytes 5-4/10\r\n", "Content-Range: bytes 0-99/50\r\n",
                            "Content-Range: items 0-1/2\r\n", "Content-Range: garbage\r\n"}) {
        HttpResponse r;
        feedAll(r, {"HTTP/1.1 206 Partial Content\r\n", bad});
        EXPECT_TRUE(r.contentRangeMalformed()) << bad;
        EXPECT_FALSE(r.contentRange().has_value()) << bad;
    }
}

TEST(HttpResponseFeed, ValidContentRangeNotFlagged) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 206 Partial Content\r\n", "Content-Range: bytes 10-19/*\r\n"});
    EXPECT_FALSE(r.contentRangeMalformed());
    ASSERT_TRUE(r.contentRange().has_value());
    EXPECT_EQ(r.contentRange()->first, 10);
    EXPECT_EQ(r.contentRange()->total, -1);
}

TEST(HttpResponseFeed, AcceptRanges) {
    struct Case {
        const char* line;
        bool accepts;
    };
    for (const Case& c :
         {Case{"Accept-Ranges: bytes\r\n", true}, Case{"Accept-Ranges: Bytes\r\n", true},
          Case{"Accept-Ranges:  bytes \r\n", true}, Case{"Accept-Ranges: none\r\n", false},
          Case{"Accept-Ranges: \r\n", false}, Case{"Accept-Ranges: items\r\n", false}}) {
        HttpResponse r;
        feedAll(r, {"HTTP/1.1 200 OK\r\n", c.line});
        EXPECT_EQ(r.acceptsRanges(), c.accepts) << c.line;
    }
    HttpResponse none;
    feedAll(none, {"HTTP/1.1 200 OK\r\n", "\r\n"});
    EXPECT_FALSE(none.acceptsRanges());
}

TEST(HttpResponseFeed, LaterAcceptRangesNoneOverrides) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 200 OK\r\n", "Accept-Ranges: bytes\r\n", "Accept-Ranges: none\r\n"});
    EXPECT_FALSE(r.acceptsRanges());
}

TEST(HttpResponseFeed, HeadersBeforeStatusLineIgnored) {
    HttpResponse r;
    EXPECT_FALSE(r.feed("Content-Length: 10\r\n"));
    EXPECT_FALSE(r.feed("ETag: \"x\"\r\n"));
    EXPECT_FALSE(r.isHttp());
    EXPECT_EQ(r.contentLength(), -1);
    EXPECT_TRUE(r.etag().empty());
}

TEST(HttpResponseFeed, ValueMayContainColons) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 200 OK\r\n", "Last-Modified: Tue, 02 Jan 2024 10:11:12 GMT\r\n"});
    EXPECT_EQ(r.lastModified(), "Tue, 02 Jan 2024 10:11:12 GMT");
}

TEST(HttpResponseFeed, ResetClearsEverything) {
    HttpResponse r;
    feedAll(r, {"HTTP/1.1 206 Partial Content\r\n", "Content-Length: 10\r\n",
                "Content-Range: bytes 0-9/100\r\n", "Accept-Ranges: bytes\r\n"});
    r.reset();
    EXPECT_FALSE(r.isHttp());
    EXPECT_EQ(r.contentLength(), -1);
    EXPECT_FALSE(r.contentRange().has_value());
    EXPECT_FALSE(r.acceptsRanges());
}

TEST(HttpResponseFeed, FtpStyleLinesAreNotHttp) {
    HttpResponse r;
    EXPECT_FALSE(r.feed("220 (vsFTPd 3.0.3)\r\n"));
    EXPECT_FALSE(r.feed("213 12345\r\n"));
    EXPECT_FALSE(r.isHttp());
}

} // namespace
