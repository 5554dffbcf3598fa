// Unit tests for maria2::log: header redaction (secrets never reach a log), level names, and
// init() with a rotating file in a private temporary directory.
#include "core/log/Log.h"

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
        RedactCase{"Authorization:\r\n", "Authorization: ***\r\n", "\r\n\r\n"}),
    [](const ::testing::TestParamInfo<RedactCase>& info) {
        return "Case" + std::to_string(info.index);
    });

TEST(LogRedact, OtherHeadersUntouched) {
    for (const char* line :
         {"Content-Type: text/plain\r\n", "Host: example.com:8080", "User-Agent: MAria2/0.1\n",
          "Location: http://u@h/x\r\n", "X-Authorization-Hint: not a secret",
          "Cookies-Enabled: yes", "X-Api-Key-Id: 42", "Accept: */*", "Content-Length: 0\r\n"}) {
        EXPECT_EQ(redactHeader(line), line);
    }
}

TEST(LogRedact, LinesWithoutColonUntouched) {
    for (const char* line : {"HTTP/1.1 200 OK\r\n", "GET /secret HTTP/1.1", "", "\r\n",
                             "Authorization Basic abc", "just some text\n"}) {
        EXPECT_EQ(redactHeader(line), line);
    }
}

TEST(LogRedact, IsSecretHeader) {
    for (const char* name : {"Authorization", "authorization", "PROXY-AUTHORIZATION", "Cookie",
                             "set-cookie", "X-Api-Key", "x-api-key"}) {
        EXPECT_TRUE(isSecretHeader(name)) << name;
    }
    for (const char* name :
         {"", "Content-Type", "Authorization2", "X-Authorization", "Cookies", "Api-Key", "Auth"}) {
        EXPECT_FALSE(isSecretHeader(name)) << name;
    }
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

} // namespace
