// Unit tests for maria2::log: header redaction (secrets never reach a log), level names, and
// init() with a rotating file in a private temporary directory.
#include "core/log/Log.h"

#include "core/log/DownloadLogBook.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;
using maria2::log::init;
using maria2::log::isSecretHeader;
using maria2::log::isValidLevel;
using maria2::log::LogSetup;
using maria2::log::redactHeader;

namespace {

// ---------------------------------------------------------------------------------------------
// redactHeader

struct RedactCase {
    const char* line;
    const char* expected;
    const char* secret; // must not appear in the output
};

class LogRedactSecret : public ::testing::TestWithParam<RedactCase> {};

TEST_P(LogRedactSecret, ValueGoneNameAndEndingKept) {
    const RedactCase c = GetParam();
    const std::string out = redactHeader(c.line);
    EXPECT_EQ(out, c.expected);
    EXPECT_EQ(out.find(c.secret), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(
    Headers, LogRedactSecret,
    ::testing::Values(
        RedactCase{"Authorization: Basic dXNlcjpwYXNz", "Authorization: ***", "dXNlcjpwYXNz"},
        RedactCase{"Authorization: Bearer tok.en:with:colons\r\n", "Authorization: ***\r\n",
                   "tok.en"},
        RedactCase{"authorization:Basic abc\n", "authorization: ***\n", "abc"},
        RedactCase{"proxy-authorization: Basic cHJveHk6cHc=\r\n", "proxy-authorization: ***\r\n",
                   "cHJveHk6cHc"},
        RedactCase{"Proxy-Authorization: Digest x=1", "Proxy-Authorization: ***", "Digest"},
        RedactCase{"COOKIE: session=abc123; theme=dark\r\n", "COOKIE: ***\r\n", "abc123"},
        RedactCase{"Cookie: a=b\n", "Cookie: ***\n", "a=b"},
        RedactCase{"Set-Cookie: sid=s3cr3t; Path=/; HttpOnly\r\n", "Set-Cookie: ***\r\n", "s3cr3t"},
        RedactCase{"set-cookie: x=y", "set-cookie: ***", "x=y"},
        RedactCase{"X-Api-Key: k-123456\r\n", "X-Api-Key: ***\r\n", "k-123456"},
        RedactCase{"X-API-KEY: k-654321", "X-API-KEY: ***", "k-654321"},
        RedactCase{"Authorization :  Basic zzz\r\n", "Authorization : ***\r\n", "zzz"},
        RedactCase{"Authorization:\r\n", "Authorization: ***\r\n", "\r\n\r\n"},
        // Any name that says it holds a credential.
        RedactCase{"X-Auth-Token: tk-1\r\n", "X-Auth-Token: ***\r\n", "tk-1"},
        RedactCase{"Private-Token: glpat-xyz", "Private-Token: ***", "glpat-xyz"},
        RedactCase{"X-Amz-Security-Token: FQoGZXIvYXdzE", "X-Amz-Security-Token: ***", "FQoG"},
        RedactCase{"X-Goog-Api-Key: AIzaSy", "X-Goog-Api-Key: ***", "AIzaSy"},
        RedactCase{"Api-Key: k1", "Api-Key: ***", "k1"},
        RedactCase{"X-Client-Secret: cs-9", "X-Client-Secret: ***", "cs-9"},
        RedactCase{"X-Csrftoken: c5rf", "X-Csrftoken: ***", "c5rf"},
        // URL-valued headers lose userinfo, query and fragment.
        RedactCase{"Location: https://cdn.example/f.iso?Signature=s1g\r\n",
                   "Location: https://cdn.example/f.iso?***\r\n", "s1g"},
        RedactCase{"location: http://u@h/x\n", "location: http://***@h/x\n", "u@"},
        RedactCase{"Location: /next?token=t0k", "Location: /next?***", "t0k"},
        RedactCase{"Content-Location: https://h/a?k=v", "Content-Location: https://h/a?***", "k=v"},
        RedactCase{"Referer: https://site/page?session=55", "Referer: https://site/page?***",
                   "session=55"},
        // Request lines: the query of the target goes, method, path and version stay.
        RedactCase{"GET /file.iso?token=abc HTTP/1.1\r\n", "GET /file.iso?*** HTTP/1.1\r\n", "abc"},
        RedactCase{"HEAD /a/b#frag HTTP/2", "HEAD /a/b#*** HTTP/2", "frag"},
        RedactCase{"GET http://u:pw@h/x?q=1 HTTP/1.1", "GET http://***@h/x?*** HTTP/1.1", "pw"},
        // libcurl 7.88's HTTP/2 lines and 8.x's.
        RedactCase{"h2h3 [authorization: Bearer xyz]", "h2h3 [authorization: ***]", "xyz"},
        RedactCase{"h2h3 [:path: /f.iso?sig=zz9]", "h2h3 [:path: /f.iso?***]", "zz9"},
        RedactCase{"[HTTP/2] [1] [cookie: sid=77]", "[HTTP/2] [1] [cookie: ***]", "sid=77"},
        RedactCase{"Set-Cookie: a=b; x=[1]", "Set-Cookie: ***", "a=b"}),
    [](const ::testing::TestParamInfo<RedactCase>& info) {
        return "Case" + std::to_string(info.index);
    });

TEST(LogRedact, OtherHeadersUntouched) {
    for (const char* line :
         {"Content-Type: text/plain\r\n", "Host: example.com:8080", "User-Agent: MAria2/0.1\n",
          "Location: http://h/x\r\n", "X-Authorization-Hint: not a secret", "Cookies-Enabled: yes",
          "X-Api-Key-Id: 42", "Accept: */*", "Content-Length: 0\r\n"}) {
        EXPECT_EQ(redactHeader(line), line);
    }
}

TEST(LogRedact, LinesWithoutColonUntouched) {
    for (const char* line : {"HTTP/1.1 200 OK\r\n", "GET /secret HTTP/1.1", "", "\r\n",
                             "Authorization Basic abc", "just some text\n", "h2h3 [:method: GET]",
                             "CONNECT h:443 HTTP/1.1", "Get /x?y HTTP/1.1"}) {
        EXPECT_EQ(redactHeader(line), line);
    }
}

TEST(LogRedact, IsSecretHeader) {
    for (const char* name :
         {"Authorization", "authorization", "PROXY-AUTHORIZATION", "Cookie", "set-cookie",
          "X-Api-Key", "x-api-key", "X-Auth-Token", "x-amz-security-token", "Api-Key", "X-Token",
          "Token", "X-Upload-Secret", "X-Password", "X-Hub-Signature", "X-Custom-Auth",
          " Cookie "}) {
        EXPECT_TRUE(isSecretHeader(name)) << name;
    }
    for (const char* name : {"", "Content-Type", "Authorization2", "X-Authorization", "Cookies",
                             "Auth", "X-Api-Key-Id", "Keep-Alive", "Tokens-Left", "Accept"}) {
        EXPECT_FALSE(isSecretHeader(name)) << name;
    }
}

TEST(LogRedact, RegisteredUserHeaderNamesAreSecret) {
    // Names no pattern knows, as a person passes them with --header.
    EXPECT_FALSE(isSecretHeader("X-Tenant-Pass-Unit7"));
    EXPECT_EQ(redactHeader("X-Tenant-Pass-Unit7: hunter2"), "X-Tenant-Pass-Unit7: hunter2");
    maria2::log::addSecretHeaders({"X-Tenant-Pass-Unit7: hunter2", "X-Empty-Unit7;"});
    maria2::log::addSecretHeaderName("  Session-Unit7  ");
    EXPECT_TRUE(isSecretHeader("x-tenant-pass-unit7"));
    EXPECT_TRUE(isSecretHeader("X-EMPTY-UNIT7"));
    EXPECT_TRUE(isSecretHeader("Session-Unit7"));
    EXPECT_EQ(redactHeader("X-Tenant-Pass-Unit7: hunter2\r\n"), "X-Tenant-Pass-Unit7: ***\r\n");
    EXPECT_EQ(redactHeader("h2h3 [x-tenant-pass-unit7: hunter2]"),
              "h2h3 [x-tenant-pass-unit7: ***]");
    maria2::log::addSecretHeaderName(""); // ignored
    maria2::log::addSecretHeaderName(": value");
    EXPECT_FALSE(isSecretHeader(""));
}

// ---------------------------------------------------------------------------------------------
// scrubMessage: the logger's last pass over every message

TEST(LogScrub, UrlsInFreeTextLoseSecrets) {
    const std::string out = maria2::log::scrubMessage(
        "[#3] new URL https://tok3n@cdn.example/f.iso?sig=s1g and 'ftp://u:pw@h/x' done");
    EXPECT_EQ(out, "[#3] new URL https://***@cdn.example/f.iso?*** and 'ftp://***@h/x' done");
}

TEST(LogScrub, EscapesControlCharacters) {
    EXPECT_EQ(maria2::log::scrubMessage("etag \x1b]0;owned\x07 \x1b[2J\nfake line"),
              "etag \\x1b]0;owned\\x07 \\x1b[2J\\x0afake line");
}

TEST(LogScrub, PlainTextUnchanged) {
    for (const char* text :
         {"", "connection 3: GET bytes 0-100", "no scheme ://here", "r\xc3\xa9sum\xc3\xa9"}) {
        EXPECT_EQ(maria2::log::scrubMessage(text), text);
    }
    EXPECT_FALSE(maria2::log::needsScrub("connection 3: GET bytes 0-100"));
    EXPECT_TRUE(maria2::log::needsScrub("see http://h/"));
    EXPECT_TRUE(maria2::log::needsScrub("bell\x07"));
}

// ---------------------------------------------------------------------------------------------
// isValidLevel

TEST(LogLevel, ValidNames) {
    for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
        EXPECT_TRUE(isValidLevel(level)) << level;
    }
}

TEST(LogLevel, InvalidNames) {
    for (const char* level : {"", "notice", "verbose", "warning!", "inf", "debug ", "all"}) {
        EXPECT_FALSE(isValidLevel(level)) << "'" << level << "'";
    }
}

// ---------------------------------------------------------------------------------------------
// init

class LogInit : public ::testing::Test {
protected:
    void SetUp() override {
        m_previous = spdlog::default_logger();
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        m_dir =
            fs::temp_directory_path() / ("maria2-unit-log-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(stamp) + "-" + std::to_string(counter++));
        ASSERT_TRUE(fs::create_directory(m_dir)) << m_dir;
    }
    void TearDown() override {
        // Drop our logger (and its open file) before the directory goes.
        spdlog::set_default_logger(m_previous);
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    static std::string readAll(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    std::shared_ptr<spdlog::logger> m_previous;
    fs::path m_dir;
};

TEST_F(LogInit, InfoLevelWritesInfoNotDebug) {
    const fs::path file = m_dir / "maria2.log";
    LogSetup setup;
    setup.level = "info";
    setup.rotatingFile = file.string();
    ASSERT_NO_THROW(init(setup));

    spdlog::info("visible-info-line-4711");
    spdlog::debug("hidden-debug-line-4712");
    spdlog::warn("visible-warn-line-4713");
    spdlog::default_logger()->flush();

    const std::string text = readAll(file);
    EXPECT_NE(text.find("visible-info-line-4711"), std::string::npos) << text;
    EXPECT_NE(text.find("visible-warn-line-4713"), std::string::npos) << text;
    EXPECT_EQ(text.find("hidden-debug-line-4712"), std::string::npos) << text;
}

TEST_F(LogInit, DebugLevelWritesDebug) {
    const fs::path file = m_dir / "debug.log";
    LogSetup setup;
    setup.level = "debug";
    setup.rotatingFile = file.string();
    ASSERT_NO_THROW(init(setup));

    spdlog::debug("debug-line-0815");
    spdlog::trace("trace-line-0816");
    spdlog::default_logger()->flush();

    const std::string text = readAll(file);
    EXPECT_NE(text.find("debug-line-0815"), std::string::npos) << text;
    EXPECT_EQ(text.find("trace-line-0816"), std::string::npos) << text;
}

TEST_F(LogInit, ErrorLevelDropsInfo) {
    const fs::path file = m_dir / "error.log";
    LogSetup setup;
    setup.level = "error";
    setup.rotatingFile = file.string();
    ASSERT_NO_THROW(init(setup));

    spdlog::info("info-line-1");
    spdlog::error("error-line-2");
    spdlog::default_logger()->flush();

    const std::string text = readAll(file);
    EXPECT_EQ(text.find("info-line-1"), std::string::npos) << text;
    EXPECT_NE(text.find("error-line-2"), std::string::npos) << text;
}

TEST_F(LogInit, CanBeCalledAgain) {
    const fs::path first = m_dir / "first.log";
    const fs::path second = m_dir / "second.log";
    LogSetup setup;
    setup.rotatingFile = first.string();
    ASSERT_NO_THROW(init(setup));
    spdlog::info("to-first");
    setup.rotatingFile = second.string();
    ASSERT_NO_THROW(init(setup)); // flushes and drops the first logger
    spdlog::info("to-second");
    spdlog::default_logger()->flush();

    EXPECT_NE(readAll(first).find("to-first"), std::string::npos);
    EXPECT_EQ(readAll(first).find("to-second"), std::string::npos);
    EXPECT_NE(readAll(second).find("to-second"), std::string::npos);
}

TEST_F(LogInit, ExtraFileGetsTheSameLines) {
    const fs::path rotating = m_dir / "rot.log";
    const fs::path extra = m_dir / "extra.log";
    LogSetup setup;
    setup.rotatingFile = rotating.string();
    setup.extraFile = extra.string();
    ASSERT_NO_THROW(init(setup));
    spdlog::info("both-files-line");
    spdlog::default_logger()->flush();
    EXPECT_NE(readAll(rotating).find("both-files-line"), std::string::npos);
    EXPECT_NE(readAll(extra).find("both-files-line"), std::string::npos);
}

TEST_F(LogInit, UnwritableRotatingFileThrowsNamingIt) {
    // A regular file where a directory should be: cannot be created, even by root.
    const fs::path blocker = m_dir / "not-a-dir";
    { std::ofstream(blocker) << "x"; }
    const fs::path file = blocker / "maria2.log";
    LogSetup setup;
    setup.rotatingFile = file.string();
    try {
        init(setup);
        FAIL() << "init() should have thrown for " << file;
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
}

TEST_F(LogInit, UnwritableExtraFileThrowsNamingIt) {
    const fs::path blocker = m_dir / "blocker";
    { std::ofstream(blocker) << "x"; }
    const fs::path file = blocker / "extra.log";
    LogSetup setup;
    setup.extraFile = file.string();
    try {
        init(setup);
        FAIL() << "init() should have thrown for " << file;
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
}

TEST_F(LogInit, FailedInitKeepsThePreviousLogger) {
    const fs::path good = m_dir / "good.log";
    LogSetup setup;
    setup.rotatingFile = good.string();
    ASSERT_NO_THROW(init(setup));
    const auto before = spdlog::default_logger();

    const fs::path blocker = m_dir / "blocker2";
    { std::ofstream(blocker) << "x"; }
    LogSetup bad;
    bad.rotatingFile = (blocker / "x.log").string();
    EXPECT_THROW(init(bad), std::runtime_error);
    EXPECT_EQ(spdlog::default_logger(), before);
    spdlog::info("still-logging");
    spdlog::default_logger()->flush();
    EXPECT_NE(readAll(good).find("still-logging"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// init: every sink gets scrubbed text; files are the owner's

TEST_F(LogInit, EverySinkGetsScrubbedText) {
    const fs::path file = m_dir / "scrub.log";
    LogSetup setup;
    setup.rotatingFile = file.string();
    ASSERT_NO_THROW(init(setup));
    auto& book = *maria2::log::DownloadLogBook::shared();
    book.forget(987654);
    // A call site that forgot net::redactUrl, and a server's escape sequence.
    spdlog::info("[#987654] GET https://ghp_t0ken@h.example/x.iso?X-Amz-Signature=s1g "
                 "etag \x1b[2Jcleared");
    spdlog::default_logger()->flush();

    const std::string text = readAll(file);
    for (const char* secret : {"ghp_t0ken", "s1g", "\x1b"}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
    }
    EXPECT_NE(text.find("GET https://***@h.example/x.iso?*** etag \\x1b[2Jcleared"),
              std::string::npos)
        << text;
    const auto lines = book.lines(987654);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].find("ghp_t0ken"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("https://***@h.example/x.iso?***"), std::string::npos) << lines[0];
    book.forget(987654);
}

// Log files and the folders made for them are the owner's alone, whatever the umask.
class LogFileMode : public LogInit {
protected:
    void SetUp() override {
        LogInit::SetUp();
        m_umask = ::umask(0); // the most permissive: spdlog's fopen alone would give 0666
    }
    void TearDown() override {
        ::umask(m_umask);
        LogInit::TearDown();
    }
    static unsigned modeOf(const fs::path& p) {
        struct stat st {};
        EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
        return st.st_mode & 07777;
    }
    mode_t m_umask = 0;
};

TEST_F(LogFileMode, RotatingFileAndNewFoldersAreOwnerOnly) {
    const fs::path file = m_dir / "new" / "logs" / "maria2.log";
    LogSetup setup;
    setup.rotatingFile = file.string();
    ASSERT_NO_THROW(init(setup));
    spdlog::info("line");
    spdlog::default_logger()->flush();
    EXPECT_EQ(modeOf(file), 0600u);
    EXPECT_EQ(modeOf(m_dir / "new" / "logs"), 0700u);
    EXPECT_EQ(modeOf(m_dir / "new"), 0700u);
}

TEST_F(LogFileMode, RotatedFilesAreOwnerOnly) {
    const fs::path file = m_dir / "rot.log";
    LogSetup setup;
    setup.rotatingFile = file.string();
    setup.maxFileSizeBytes = 1024;
    setup.maxFiles = 2;
    ASSERT_NO_THROW(init(setup));
    const std::string filler(200, 'x');
    for (int i = 0; i < 30; ++i) { // ~6 KiB: rotates several times
        spdlog::info("{} {}", i, filler);
    }
    spdlog::default_logger()->flush();
    ASSERT_TRUE(fs::exists(m_dir / "rot.1.log"));
    EXPECT_EQ(modeOf(file), 0600u);
    EXPECT_EQ(modeOf(m_dir / "rot.1.log"), 0600u);
}

TEST_F(LogFileMode, ExtraFileIsOwnerOnlyAndAnOpenOneIsNarrowed) {
    const fs::path extra = m_dir / "extra.log";
    { std::ofstream(extra) << "old\n"; }
    fs::permissions(extra, fs::perms::all);
    ASSERT_EQ(modeOf(extra), 0777u);
    LogSetup setup;
    setup.extraFile = extra.string();
    ASSERT_NO_THROW(init(setup));
    spdlog::info("appended");
    spdlog::default_logger()->flush();
    EXPECT_EQ(modeOf(extra), 0600u);
    EXPECT_NE(readAll(extra).find("old\n"), std::string::npos); // appended, not truncated
}

} // namespace
