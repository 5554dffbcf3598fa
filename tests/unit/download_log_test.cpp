// Unit tests for maria2::log::DownloadLogBook: the "[#N] " prefix, each download's bounded
// ring of lines, the bound on downloads kept, the levels kept, and log::init giving it info
// lines while the file log is quieter.
#include "core/log/DownloadLogBook.h"
#include "core/log/Log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using maria2::log::DownloadLogBook;

namespace {

// A logger of its own that writes only to the book: the process's default logger is left alone.
struct BookLogger {
    explicit BookLogger(std::shared_ptr<DownloadLogBook> b)
        : book(std::move(b))
        , logger(std::make_shared<spdlog::logger>("book-test", book)) {
        logger->set_level(spdlog::level::trace); // the book's own level decides
    }
    std::shared_ptr<DownloadLogBook> book;
    std::shared_ptr<spdlog::logger> logger;
};

// The text after "HH:MM:SS level ".
std::string textOf(const std::string& line) {
    static const std::regex kLine(R"(^\d\d:\d\d:\d\d [a-z]+ (.*)$)");
    std::smatch m;
    return std::regex_match(line, m, kLine) ? m[1].str() : "<malformed: " + line + ">";
}

TEST(DownloadLogBookParse, ReadsTheIdAndDropsThePrefix) {
    const auto p = DownloadLogBook::parse("[#12] connection 3: GET http://h/x bytes 0-");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->first, 12u);
    EXPECT_EQ(p->second, "connection 3: GET http://h/x bytes 0-");
    const auto big = DownloadLogBook::parse("[#18446744073709551615]x");
    ASSERT_TRUE(big.has_value());
    EXPECT_EQ(big->first, 18446744073709551615u);
    EXPECT_EQ(big->second, "x");
}

TEST(DownloadLogBookParse, LinesOfNoDownloadAreNotTheirs) {
    for (const char* line :
         {"engine pool: segmented (segmented, splits)", "", "[#]", "[#] x", "[#12 x", "[12] x",
          "[#1a] x", "[#-3] x", "[#0] x", " [#12] x", "#12 x", "[#99999999999999999999] x"}) {
        EXPECT_FALSE(DownloadLogBook::parse(line).has_value()) << "'" << line << "'";
    }
}

TEST(DownloadLogBook, KeepsEachDownloadsLinesWithTimeAndLevel) {
    BookLogger b(std::make_shared<DownloadLogBook>());
    b.logger->info("[#1] connection 1: GET bytes 0-");
    b.logger->info("[#2] resuming: 5 bytes already on disk");
    b.logger->warn("[#1] a connection failed for good: boom");
    b.logger->info("engine pool: nothing about one download");

    const auto one = b.book->lines(1);
    ASSERT_EQ(one.size(), 2u);
    EXPECT_TRUE(std::regex_match(one[0], std::regex(R"(^\d\d:\d\d:\d\d info connection 1: .*)")))
        << one[0];
    EXPECT_TRUE(std::regex_match(
        one[1], std::regex(R"(^\d\d:\d\d:\d\d warning a connection failed for good: boom$)")))
        << one[1];
    const auto two = b.book->lines(2);
    ASSERT_EQ(two.size(), 1u);
    EXPECT_EQ(textOf(two[0]), "resuming: 5 bytes already on disk");
    EXPECT_TRUE(b.book->lines(3).empty());
    EXPECT_EQ(b.book->downloadCount(), 2u);
}

TEST(DownloadLogBook, KeepsInfoAndAboveOnly) {
    BookLogger b(std::make_shared<DownloadLogBook>());
    b.logger->trace("[#5] trace line");
    b.logger->debug("[#5] > GET /x HTTP/1.1");
    b.logger->info("[#5] info line");
    b.logger->error("[#5] error line");
    b.logger->critical("[#5] critical line");
    const auto lines = b.book->lines(5);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(textOf(lines[0]), "info line");
    EXPECT_EQ(textOf(lines[1]), "error line");
    EXPECT_EQ(textOf(lines[2]), "critical line");
    EXPECT_NE(lines[1].find(" error "), std::string::npos) << lines[1];
}

TEST(DownloadLogBook, EachDownloadKeepsItsLastLinesOldestFirst) {
    BookLogger b(std::make_shared<DownloadLogBook>(5, 10));
    for (int i = 0; i < 12; ++i) {
        b.logger->info("[#7] line {}", i);
    }
    b.logger->info("[#8] other");
    const auto lines = b.book->lines(7);
    ASSERT_EQ(lines.size(), 5u);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(textOf(lines[static_cast<std::size_t>(i)]), "line " + std::to_string(7 + i));
    }
    EXPECT_EQ(b.book->lines(8).size(), 1u);
}

TEST(DownloadLogBook, DefaultBoundIsTwoHundredLines) {
    BookLogger b(std::make_shared<DownloadLogBook>());
    for (int i = 0; i < 450; ++i) {
        b.logger->info("[#3] line {}", i);
    }
    const auto lines = b.book->lines(3);
    ASSERT_EQ(lines.size(), DownloadLogBook::kLinesPerDownload);
    EXPECT_EQ(textOf(lines.front()), "line 250");
    EXPECT_EQ(textOf(lines.back()), "line 449");
}

TEST(DownloadLogBook, ForgetsTheDownloadWrittenToLeastRecently) {
    BookLogger b(std::make_shared<DownloadLogBook>(4, 3));
    b.logger->info("[#1] a");
    b.logger->info("[#2] b");
    b.logger->info("[#3] c");
    b.logger->info("[#1] a again"); // 1 is now the most recent; 2 the least
    b.logger->info("[#4] d");       // a fourth: 2 goes
    EXPECT_EQ(b.book->downloadCount(), 3u);
    EXPECT_TRUE(b.book->lines(2).empty());
    EXPECT_EQ(b.book->lines(1).size(), 2u);
    EXPECT_EQ(b.book->lines(3).size(), 1u);
    EXPECT_EQ(b.book->lines(4).size(), 1u);
    for (int id = 10; id < 1000; ++id) { // many more: never more than three kept
        b.logger->info("[#{}] x", id);
    }
    EXPECT_EQ(b.book->downloadCount(), 3u);
    EXPECT_EQ(b.book->lines(999).size(), 1u);
    EXPECT_TRUE(b.book->lines(1).empty());
}

TEST(DownloadLogBook, ForgetDropsOneDownload) {
    BookLogger b(std::make_shared<DownloadLogBook>());
    b.logger->info("[#1] a");
    b.logger->info("[#2] b");
    b.book->forget(1);
    b.book->forget(42); // unknown: nothing happens
    EXPECT_TRUE(b.book->lines(1).empty());
    EXPECT_EQ(b.book->lines(2).size(), 1u);
    b.logger->info("[#1] new");
    ASSERT_EQ(b.book->lines(1).size(), 1u);
    EXPECT_EQ(textOf(b.book->lines(1)[0]), "new");
}

TEST(DownloadLogBook, WritersOnSeveralThreadsAndAReader) {
    BookLogger b(std::make_shared<DownloadLogBook>(50, 8));
    std::vector<std::thread> writers;
    for (int t = 1; t <= 4; ++t) {
        writers.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                b.logger->info("[#{}] line {}", t, i);
            }
        });
    }
    std::size_t seen = 0;
    for (int i = 0; i < 200; ++i) {
        seen = std::max(seen, b.book->lines(1).size());
    }
    for (auto& w : writers) {
        w.join();
    }
    EXPECT_LE(seen, 50u);
    for (int t = 1; t <= 4; ++t) {
        const auto lines = b.book->lines(static_cast<std::uint64_t>(t));
        ASSERT_EQ(lines.size(), 50u);
        EXPECT_EQ(textOf(lines.back()), "line 499");
    }
}

// log::init: the process's book hears info lines even when the file log is at warn.
class DownloadLogInit : public ::testing::Test {
protected:
    void SetUp() override { m_previous = spdlog::default_logger(); }
    void TearDown() override { spdlog::set_default_logger(m_previous); }
    std::shared_ptr<spdlog::logger> m_previous;
};

TEST_F(DownloadLogInit, InfoLinesReachTheBookWhenTheFileLevelIsWarn) {
    maria2::log::LogSetup setup;
    setup.level = "warn";
    maria2::log::init(setup);
    const auto& book = DownloadLogBook::shared();
    book->forget(900001);
    spdlog::info("[#900001] connection 1: GET bytes 0-");
    spdlog::debug("[#900001] > GET / HTTP/1.1");
    const auto lines = book->lines(900001);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(textOf(lines[0]), "connection 1: GET bytes 0-");
    // The file logs stay quiet: debug is not even formatted.
    EXPECT_FALSE(spdlog::should_log(spdlog::level::debug));
    book->forget(900001);
}

// maria2c has no details pane: without the book, a quiet run does not even format info lines.
TEST_F(DownloadLogInit, WithoutTheBookInfoLinesAreNeitherKeptNorFormatted) {
    maria2::log::LogSetup setup;
    setup.level = "error";
    setup.downloadLogBook = false;
    maria2::log::init(setup);
    const auto& book = DownloadLogBook::shared();
    book->forget(900003);
    EXPECT_FALSE(spdlog::should_log(spdlog::level::info));
    spdlog::info("[#900003] saving as x.bin");
    EXPECT_TRUE(book->lines(900003).empty());
    EXPECT_TRUE(spdlog::should_log(spdlog::level::err));
}

TEST_F(DownloadLogInit, SetFileLevelChangesTheFileAndKeepsTheBookAtInfo) {
    const fs::path dir =
        fs::temp_directory_path() /
        ("maria2-unit-book-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    ASSERT_TRUE(fs::create_directory(dir)) << dir;
    const fs::path file = dir / "maria2.log";
    maria2::log::LogSetup setup;
    setup.level = "info";
    setup.rotatingFile = file.string();
    maria2::log::init(setup);
    const auto& book = DownloadLogBook::shared();
    book->forget(900002);

    EXPECT_TRUE(maria2::log::setFileLevel("error"));
    EXPECT_FALSE(maria2::log::setFileLevel("loud"));
    spdlog::info("[#900002] kept by the book only");
    EXPECT_TRUE(maria2::log::setFileLevel("debug"));
    spdlog::debug("[#900002] debug to the file only");
    spdlog::default_logger()->flush();

    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("kept by the book only"), std::string::npos) << text;
    EXPECT_NE(text.find("debug to the file only"), std::string::npos) << text;
    const auto lines = book->lines(900002);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(textOf(lines[0]), "kept by the book only");
    book->forget(900002);
    spdlog::set_default_logger(m_previous); // closes the file before its folder goes
    std::error_code ec;
    fs::remove_all(dir, ec);
}

} // namespace
