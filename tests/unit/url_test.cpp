// Unit tests for maria2::net URL handling: what a person may type or paste, the error
// messages when it is wrong, and redaction of passwords before a URL reaches a log.
#include "core/net/Url.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

using maria2::net::isSupportedScheme;
using maria2::net::parseUrl;
using maria2::net::redactUrl;
using maria2::net::schemeOf;

namespace {

// ---------------------------------------------------------------------------------------------
// Accepted input

TEST(UrlParse, AcceptsSupportedSchemes) {
    struct Case {
        const char* input;
        const char* scheme;
        const char* host;
    };
    for (const Case& c : {Case{"http://example.com/f.zip", "http", "example.com"},
                          Case{"https://example.com/f.zip", "https", "example.com"},
                          Case{"ftp://ftp.example.com/pub/f.iso", "ftp", "ftp.example.com"},
                          Case{"ftps://files.example.org:990/f", "ftps", "files.example.org"},
                          Case{"http://127.0.0.1:8080/x", "http", "127.0.0.1"},
                          Case{"http://[::1]:8080/x", "http", "[::1]"}}) {
        SCOPED_TRACE(c.input);
        std::string error = "untouched";
        const auto parsed = parseUrl(c.input, &error);
        ASSERT_TRUE(parsed.has_value()) << error;
        EXPECT_EQ(parsed->scheme, c.scheme);
        EXPECT_EQ(parsed->host, c.host);
        EXPECT_EQ(parsed->url, c.input);
        EXPECT_EQ(error, "untouched"); // no error written on success
    }
}

TEST(UrlParse, SchemeIsLowerCased) {
    const auto parsed = parseUrl("HTTPS://Example.com/File.ZIP");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->scheme, "https");
    EXPECT_EQ(parsed->url.rfind("https://", 0), 0u) << parsed->url;
    EXPECT_NE(parsed->url.find("/File.ZIP"), std::string::npos) << "path case must be kept";
}

TEST(UrlParse, GuessesHttpWhenSchemeMissing) {
    const auto parsed = parseUrl("example.com/f.zip");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->scheme, "http");
    EXPECT_EQ(parsed->host, "example.com");
    EXPECT_EQ(parsed->url, "http://example.com/f.zip");
}

TEST(UrlParse, GuessesFtpForFtpHost) {
    const auto parsed = parseUrl("ftp.example.com/pub/f.iso");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->scheme, "ftp");
    EXPECT_EQ(parsed->url, "ftp://ftp.example.com/pub/f.iso");
}

TEST(UrlParse, TrimsSurroundingWhiteSpace) {
    const auto parsed = parseUrl("  \t https://example.com/f.zip \r\n ");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->url, "https://example.com/f.zip");
    EXPECT_EQ(parsed->host, "example.com");
}

TEST(UrlParse, EncodesSpaces) {
    const auto parsed = parseUrl("http://example.com/my file.zip");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->url, "http://example.com/my%20file.zip");
    EXPECT_EQ(parsed->url.find(' '), std::string::npos);
}

TEST(UrlParse, KeepsQueryAndPort) {
    const auto parsed = parseUrl("https://example.com:8443/get?id=42&x=y");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->host, "example.com");
    EXPECT_EQ(parsed->url, "https://example.com:8443/get?id=42&x=y");
}

TEST(UrlParse, ErrorPointerIsOptional) {
    EXPECT_TRUE(parseUrl("http://example.com/").has_value());
    EXPECT_FALSE(parseUrl("gopher://example.com/").has_value()); // must not crash on nullptr
}

// ---------------------------------------------------------------------------------------------
// Rejected input

TEST(UrlParse, RejectsEmpty) {
    for (const char* input : {"", "   ", "\t\r\n"}) {
        std::string error;
        EXPECT_FALSE(parseUrl(input, &error).has_value()) << "'" << input << "'";
        EXPECT_NE(error.find("empty"), std::string::npos) << error;
    }
}

TEST(UrlParse, RejectsUnsupportedSchemeNamingIt) {
    std::string error;
    EXPECT_FALSE(parseUrl("gopher://example.com/1", &error).has_value());
    EXPECT_NE(error.find("gopher://example.com/1"), std::string::npos) << error;
    EXPECT_NE(error.find("unsupported scheme 'gopher'"), std::string::npos) << error;
}

TEST(UrlParse, RejectsFileUrls) {
    std::string error;
    EXPECT_FALSE(parseUrl("file:///etc/passwd", &error).has_value());
    EXPECT_NE(error.find("file:///etc/passwd"), std::string::npos) << error;
    EXPECT_NE(error.find("'file'"), std::string::npos) << error;
}

TEST(UrlParse, RejectsUpperCaseUnsupportedScheme) {
    std::string error;
    EXPECT_FALSE(parseUrl("FILE:///etc/passwd", &error).has_value());
    EXPECT_NE(error.find("unsupported scheme 'file'"), std::string::npos) << error;
}

TEST(UrlParse, RejectsMissingHost) {
    for (const char* input : {"http://", "https://", "ftp://", "http://:80/x"}) {
        std::string error;
        EXPECT_FALSE(parseUrl(input, &error).has_value()) << input;
        EXPECT_NE(error.find(input), std::string::npos) << error;
        std::string lowerError = error;
        for (char& ch : lowerError) {
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
        EXPECT_NE(lowerError.find("host"), std::string::npos) << error;
    }
}

TEST(UrlParse, RejectsGarbage) {
    for (const char* input :
         {"not a url at all", "::::", "http://exa mple.com/", "http://[::1/x", "ht tp://x"}) {
        std::string error;
        EXPECT_FALSE(parseUrl(input, &error).has_value()) << input;
        EXPECT_NE(error.find(std::string("'") + input + "'"), std::string::npos) << error;
        // Names the problem too, not just the URL.
        EXPECT_GT(error.size(), std::string(input).size() + 20) << error;
    }
}

TEST(UrlParse, ErrorNeverContainsPassword) {
    for (const char* input :
         {"gopher://alice:s3cretPw@example.com/", "http://alice:s3cretPw@/x",
          "file://alice:s3cretPw@localhost/etc/passwd", "http://alice:s3cretPw@exa mple.com/",
          "http://alice:s3cretPw@[::1/x", "  ftp://alice:s3cretPw@  "}) {
        std::string error;
        EXPECT_FALSE(parseUrl(input, &error).has_value()) << input;
        EXPECT_FALSE(error.empty()) << input;
        EXPECT_EQ(error.find("s3cretPw"), std::string::npos) << error;
    }
}

TEST(UrlParse, ErrorMessageStartsWithInvalidUrl) {
    std::string error;
    ASSERT_FALSE(parseUrl("gopher://h/", &error).has_value());
    EXPECT_EQ(error.rfind("invalid URL 'gopher://h/'", 0), 0u) << error;
}

// ---------------------------------------------------------------------------------------------
// Redaction

TEST(UrlRedact, MasksUserinfo) {
    const std::string out = redactUrl("http://u:p@h/x");
    EXPECT_EQ(out, "http://***@h/x");
    EXPECT_EQ(out.find(":p@"), std::string::npos);
}

TEST(UrlRedact, MasksLongPasswordAndUserEverywhere) {
    const std::string out = redactUrl("ftp://bob:hunter2@files.example.com:21/pub/a.iso");
    EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
    EXPECT_EQ(out.find("bob"), std::string::npos) << out;
    EXPECT_NE(out.find("files.example.com:21"), std::string::npos) << out;
    EXPECT_NE(out.find("/pub/a.iso"), std::string::npos) << out;
}

TEST(UrlRedact, MasksPasswordOfUnsupportedScheme) {
    const std::string out = redactUrl("gopher://u:topsecret@h/");
    EXPECT_EQ(out.find("topsecret"), std::string::npos) << out;
    EXPECT_NE(out.find("gopher://"), std::string::npos) << out;
}

TEST(UrlRedact, LeavesUrlsWithoutSecretsUnchanged) {
    for (const char* url : {"http://example.com/f.zip", "ftp://h:2121/a%20b", "http://[::1]:8080/",
                            "example.com/no-scheme", "https://h/a/b/c.iso"}) {
        EXPECT_EQ(redactUrl(url), url);
    }
}

// A signed link's signature and a token used as the user name are what leak most often.
struct RedactUrlCase {
    const char* url;
    const char* expected;
    const char* secret;
};

class UrlRedactSecret : public ::testing::TestWithParam<RedactUrlCase> {};

TEST_P(UrlRedactSecret, OnlySchemeHostPortPathKept) {
    const RedactUrlCase c = GetParam();
    const std::string out = redactUrl(c.url);
    EXPECT_EQ(out, c.expected);
    EXPECT_EQ(out.find(c.secret), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(
    Urls, UrlRedactSecret,
    ::testing::Values(
        RedactUrlCase{"https://ghp_TOKEN123@github.com/o/r.tar.gz",
                      "https://***@github.com/o/r.tar.gz", "ghp_TOKEN123"},
        RedactUrlCase{
            "https://cdn.example.com:8443/f.iso?X-Amz-Signature=abc123&X-Amz-Credential=k",
            "https://cdn.example.com:8443/f.iso?***", "abc123"},
        RedactUrlCase{"https://user@example.com/x?y=1#z", "https://***@example.com/x?***", "y=1"},
        RedactUrlCase{"https://h/x#access_token=s3cret", "https://h/x#***", "s3cret"},
        RedactUrlCase{"http://u:p@h:81/a/b?token=s3cret#frag", "http://***@h:81/a/b?***", "s3cret"},
        RedactUrlCase{"http://h/x?", "http://h/x?***", "?&"},
        // Not URLs curl accepts: masked by hand.
        RedactUrlCase{"/relative/path?sig=s3cret", "/relative/path?***", "s3cret"},
        RedactUrlCase{"http://exa mple.com/x?sig=s3cret", "http://exa mple.com/x?***", "s3cret"},
        RedactUrlCase{"http://u:pa/ss@host/x?q=s3cret", "http://***@host/x?***", "pa/ss"}),
    [](const ::testing::TestParamInfo<RedactUrlCase>& info) {
        return "Case" + std::to_string(info.index);
    });

TEST(UrlRedact, IsIdempotent) {
    for (const char* url : {"https://***@h/x?***", "http://h/x#***", "https://h:8443/a?***"}) {
        EXPECT_EQ(redactUrl(url), url);
    }
}

TEST(UrlRedact, MasksUnparseableUserinfo) {
    for (const char* url : {"http://u:s3cretPw@exa mple.com/", "http://u:s3cretPw@[::1/x",
                            "http://a b:s3cretPw@host/"}) {
        const std::string out = redactUrl(url);
        EXPECT_EQ(out.find("s3cretPw"), std::string::npos) << out;
        EXPECT_EQ(out.rfind("http://", 0), 0u) << out;
        EXPECT_NE(out.find("***"), std::string::npos) << out;
    }
}

TEST(UrlRedact, PasswordWithAtSignMasked) {
    // '@' inside the password must be percent-encoded, but pasted URLs do not always do so.
    const std::string out = redactUrl("http://u:p@ss@host/x");
    EXPECT_EQ(out.find("p@ss"), std::string::npos) << out;
    EXPECT_EQ(out.find("ss@"), std::string::npos) << out;
}

TEST(UrlRedact, EmptyInput) {
    EXPECT_EQ(redactUrl(""), "");
}

// ---------------------------------------------------------------------------------------------
// schemeOf / isSupportedScheme

TEST(UrlScheme, SchemeOf) {
    EXPECT_EQ(schemeOf("https://example.com/"), "https");
    EXPECT_EQ(schemeOf("HTTP://example.com/"), "http");
    EXPECT_EQ(schemeOf("FtP://x"), "ftp");
    EXPECT_EQ(schemeOf("gopher://x"), "gopher");
    EXPECT_EQ(schemeOf("ftp://"), "ftp");
    EXPECT_EQ(schemeOf("example.com/f.zip"), "");
    EXPECT_EQ(schemeOf(""), "");
    EXPECT_EQ(schemeOf("mailto:x@y"), "");
}

TEST(UrlScheme, IsSupportedScheme) {
    for (const char* s : {"http", "https", "ftp", "ftps", "HTTP", "Https"}) {
        EXPECT_TRUE(isSupportedScheme(s)) << s;
    }
    for (const char* s : {"", "file", "gopher", "sftp", "ws", "https2", "htt"}) {
        EXPECT_FALSE(isSupportedScheme(s)) << s;
    }
}

} // namespace

namespace {

// A NUL ends the C string curl reads, so the part after it was never checked (issue 15,
// tests/fuzz/fuzz_url).
TEST(Url, NulCharacterIsRefused) {
    std::string url = "https://example.com/a";
    url += '\0';
    url += "/../../evil";
    std::string error;
    EXPECT_FALSE(parseUrl(url, &error));
    EXPECT_NE(error.find("NUL"), std::string::npos) << error;
}

// Found by tests/fuzz/fuzz_url: "http:/user:pw@host" with bytes curl refuses in its query went
// to the hand masking, which looked for "://" only; once the query was masked, curl read the
// password from the result.
TEST(Url, UnparseableUrlWithOneSlashStillHidesItsPassword) {
    for (const std::string& url : {std::string("http:/user:secret@host.example/f.iso?a\x01\x1f"),
                                   std::string("http:user:secret@host.example/f\x7f.iso"),
                                   std::string("user:secret@host.example/f\x01.iso"),
                                   std::string("http:\\\\user:secret@host.example/f\x01.iso"),
                                   std::string("http:/\\user:secret@host.example/f\x01.iso")}) {
        const std::string shown = redactUrl(url);
        EXPECT_EQ(shown.find("secret"), std::string::npos) << shown;
        EXPECT_EQ(shown.find("user"), std::string::npos) << shown;
    }
}

} // namespace

namespace {

// Found by tests/fuzz/fuzz_url: curl decodes "%7F" in a host name and writes a raw DEL into
// the normalised URL, which it then refuses ("Bad hostname"); parseUrl passed that URL on.
TEST(Url, HostWhoseNormalFormCurlRefusesIsRefused) {
    std::string error;
    EXPECT_FALSE(parseUrl("https://exa%7Fmple.com/f.iso", &error));
    EXPECT_NE(error.find("cannot be normalised"), std::string::npos) << error;
    // Escapes that decode to ordinary characters are still fine.
    const auto ok = parseUrl("https://ex%61mple.com/f.iso", &error);
    ASSERT_TRUE(ok) << error;
    EXPECT_TRUE(parseUrl(ok->url)) << ok->url;
}

} // namespace
