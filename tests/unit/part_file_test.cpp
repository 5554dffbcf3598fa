// Unit tests for maria2::io::PartFile (positional writes into NAME.part) and
// writeFileAtomically, on a private temporary directory.
#include "core/io/PartFile.h"

#include <gtest/gtest.h>

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using maria2::io::IoError;
using maria2::io::PartFile;
using maria2::io::writeFileAtomically;

namespace {

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeText(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
}

bool writeString(PartFile& f, std::int64_t offset, const std::string& s, IoError* error) {
    return f.writeAt(offset, s.data(), s.size(), error);
}

class PartFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        m_dir = fs::temp_directory_path() /
                ("maria2-unit-partfile-" + std::to_string(::getpid()) + "-" +
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

TEST_F(PartFileTest, ClosedFileReportsSoAndCannotWrite) {
    PartFile f;
    EXPECT_FALSE(f.isOpen());
    EXPECT_EQ(f.size(), -1);
    IoError error;
    EXPECT_FALSE(writeString(f, 0, "x", &error));
    EXPECT_FALSE(error.message.empty());
}

TEST_F(PartFileTest, OpenCreatesEmptyFile) {
    const fs::path p = m_dir / "a.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::Reopen, &error)) << error.message;
    EXPECT_TRUE(f.isOpen());
    EXPECT_EQ(f.path(), p);
    EXPECT_EQ(f.size(), 0);
    EXPECT_TRUE(fs::exists(p));
    f.close();
    EXPECT_FALSE(f.isOpen());
    EXPECT_EQ(f.size(), -1);
}

TEST_F(PartFileTest, OutOfOrderWritesProduceTheRightBytes) {
    const fs::path p = m_dir / "segments.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    // Three segments arriving last, first, middle.
    ASSERT_TRUE(writeString(f, 15, "PQRST", &error)) << error.message;
    ASSERT_TRUE(writeString(f, 0, "ABCDEFGHIJ", &error)) << error.message;
    ASSERT_TRUE(writeString(f, 10, "KLMNO", &error)) << error.message;
    EXPECT_EQ(f.size(), 20);
    ASSERT_TRUE(f.sync(&error)) << error.message;
    f.close();
    EXPECT_EQ(readAll(p), "ABCDEFGHIJKLMNOPQRST");
}

TEST_F(PartFileTest, OverlappingWriteOverwrites) {
    const fs::path p = m_dir / "overlap.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    ASSERT_TRUE(writeString(f, 0, "aaaaaaaaaa", &error));
    ASSERT_TRUE(writeString(f, 3, "XYZ", &error));
    f.close();
    EXPECT_EQ(readAll(p), "aaaXYZaaaa");
}

TEST_F(PartFileTest, WriteBeyondEndLeavesZeroGap) {
    const fs::path p = m_dir / "gap.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    ASSERT_TRUE(writeString(f, 100, "z", &error)) << error.message;
    EXPECT_EQ(f.size(), 101);
    f.close();
    EXPECT_EQ(readAll(p), std::string(100, '\0') + "z");
}

TEST_F(PartFileTest, WriteDoesNotMoveAFilePosition) {
    // writeAt is positional: a later write at offset 0 lands at 0, not after the last write.
    const fs::path p = m_dir / "pos.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    ASSERT_TRUE(writeString(f, 5, "56789", &error));
    ASSERT_TRUE(writeString(f, 0, "01234", &error));
    f.close();
    EXPECT_EQ(readAll(p), "0123456789");
}

TEST_F(PartFileTest, LargeWrite) {
    const fs::path p = m_dir / "large.part";
    std::string data(3 * 1024 * 1024 + 17, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<char>((i * 131) % 251);
    }
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    ASSERT_TRUE(f.writeAt(4096, data.data(), data.size(), &error)) << error.message;
    EXPECT_EQ(f.size(), static_cast<std::int64_t>(4096 + data.size()));
    f.close();
    const std::string back = readAll(p);
    ASSERT_EQ(back.size(), 4096 + data.size());
    EXPECT_EQ(back.substr(0, 4096), std::string(4096, '\0'));
    EXPECT_TRUE(back.compare(4096, std::string::npos, data) == 0);
}

TEST_F(PartFileTest, ZeroLengthWriteSucceeds) {
    const fs::path p = m_dir / "empty.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    EXPECT_TRUE(f.writeAt(50, "", 0, &error));
    EXPECT_EQ(f.size(), 0);
}

TEST_F(PartFileTest, TruncateShrinksAndExtends) {
    const fs::path p = m_dir / "trunc.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    ASSERT_TRUE(writeString(f, 0, "ABCDEFGHIJ", &error));
    ASSERT_TRUE(f.truncate(4, &error)) << error.message;
    EXPECT_EQ(f.size(), 4);
    ASSERT_TRUE(f.truncate(8, &error)) << error.message;
    EXPECT_EQ(f.size(), 8);
    ASSERT_TRUE(f.truncate(0, &error)) << error.message;
    EXPECT_EQ(f.size(), 0);
    ASSERT_TRUE(f.truncate(6, &error)) << error.message;
    f.close();
    EXPECT_EQ(readAll(p), std::string(6, '\0'));
}

TEST_F(PartFileTest, TruncateKeepsPrefix) {
    const fs::path p = m_dir / "prefix.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    ASSERT_TRUE(writeString(f, 0, "ABCDEFGHIJ", &error));
    ASSERT_TRUE(f.truncate(5, &error)) << error.message;
    ASSERT_TRUE(f.truncate(7, &error)) << error.message;
    f.close();
    EXPECT_EQ(readAll(p), std::string("ABCDE") + std::string(2, '\0'));
}

TEST_F(PartFileTest, TruncateToNegativeFailsNamingPath) {
    const fs::path p = m_dir / "neg.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    EXPECT_FALSE(f.truncate(-1, &error));
    EXPECT_NE(error.message.find(p.string()), std::string::npos) << error.message;
}

TEST_F(PartFileTest, OpenWithoutTruncateKeepsContent) {
    const fs::path p = m_dir / "resume.part";
    writeText(p, "first half|");
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::Reopen, &error)) << error.message;
    EXPECT_EQ(f.size(), 11);
    ASSERT_TRUE(writeString(f, 11, "second half", &error)) << error.message;
    f.close();
    EXPECT_EQ(readAll(p), "first half|second half");
}

TEST_F(PartFileTest, ReplaceStartsAnEmptyFile) {
    const fs::path p = m_dir / "restart.part";
    writeText(p, "stale bytes");
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::Replace, &error)) << error.message;
    EXPECT_EQ(f.size(), 0);
    f.close();
    EXPECT_EQ(readAll(p), "");
}

TEST_F(PartFileTest, ReopenSwitchesFiles) {
    const fs::path a = m_dir / "a.part";
    const fs::path b = m_dir / "b.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(a, PartFile::Mode::CreateNew, &error)) << error.message;
    ASSERT_TRUE(writeString(f, 0, "AAA", &error));
    ASSERT_TRUE(f.open(b, PartFile::Mode::CreateNew, &error)) << error.message;
    EXPECT_EQ(f.path(), b);
    ASSERT_TRUE(writeString(f, 0, "B", &error));
    f.close();
    EXPECT_EQ(readAll(a), "AAA");
    EXPECT_EQ(readAll(b), "B");
}

TEST_F(PartFileTest, DestructorCloses) {
    const fs::path p = m_dir / "scoped.part";
    {
        PartFile f;
        IoError error;
        ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
        ASSERT_TRUE(writeString(f, 0, "kept", &error));
    }
    EXPECT_EQ(readAll(p), "kept");
}

TEST_F(PartFileTest, OpeningADirectoryFailsNamingThePath) {
    const fs::path dir = m_dir / "i-am-a-directory";
    ASSERT_TRUE(fs::create_directory(dir));
    PartFile f;
    IoError error;
    EXPECT_FALSE(f.open(dir, PartFile::Mode::Reopen, &error));
    EXPECT_FALSE(f.isOpen());
    EXPECT_NE(error.message.find(dir.string()), std::string::npos) << error.message;
    EXPECT_FALSE(error.diskFull);
    EXPECT_FALSE(f.open(dir, PartFile::Mode::Replace, &error));
    EXPECT_TRUE(fs::is_directory(dir));
}

TEST_F(PartFileTest, OpeningInAMissingDirectoryFailsNamingThePath) {
    const fs::path p = m_dir / "missing" / "f.part";
    PartFile f;
    IoError error;
    EXPECT_FALSE(f.open(p, PartFile::Mode::Reopen, &error));
    EXPECT_NE(error.message.find(p.string()), std::string::npos) << error.message;
    EXPECT_FALSE(error.diskFull);
}

TEST_F(PartFileTest, OpenErrorPointerIsOptional) {
    PartFile f;
    EXPECT_FALSE(f.open(m_dir / "missing" / "f.part", PartFile::Mode::Reopen, nullptr));
}

// ---------------------------------------------------------------------------------------------
// A download folder others can write to: what is planted under our names is never followed.

#ifndef _WIN32
TEST_F(PartFileTest, CreateNewRefusesADanglingLinkAndCreatesNothingElsewhere) {
    const fs::path outside = m_dir / "outside";
    fs::create_directory(outside);
    const fs::path target = outside / "victim";
    const fs::path p = m_dir / "x.part";
    fs::create_symlink(target, p);
    for (const auto mode : {PartFile::Mode::CreateNew, PartFile::Mode::Reopen}) {
        PartFile f;
        IoError error;
        EXPECT_FALSE(f.open(p, mode, &error));
        EXPECT_NE(error.message.find(p.string()), std::string::npos) << error.message;
        EXPECT_FALSE(fs::exists(target)) << "created the link's target outside the folder";
    }
}

TEST_F(PartFileTest, ReopenRefusesALinkToAFileAndLeavesItIntact) {
    const fs::path target = m_dir / "precious";
    writeText(target, "keep me");
    const fs::path p = m_dir / "y.part";
    fs::create_symlink(target, p);
    PartFile f;
    IoError error;
    EXPECT_FALSE(f.open(p, PartFile::Mode::Reopen, &error));
    EXPECT_NE(error.message.find("symbolic link"), std::string::npos) << error.message;
    EXPECT_EQ(readAll(target), "keep me");
}

TEST_F(PartFileTest, ReplaceRemovesTheLinkNotItsTarget) {
    const fs::path target = m_dir / "precious";
    writeText(target, "keep me");
    const fs::path p = m_dir / "z.part";
    fs::create_symlink(target, p);
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::Replace, &error)) << error.message;
    ASSERT_TRUE(writeString(f, 0, "new", &error));
    f.close();
    EXPECT_FALSE(fs::is_symlink(p));
    EXPECT_EQ(readAll(p), "new");
    EXPECT_EQ(readAll(target), "keep me");
}

TEST_F(PartFileTest, ReopenRefusesAHardLinkedFile) {
    const fs::path target = m_dir / "precious";
    writeText(target, "keep me");
    const fs::path p = m_dir / "h.part";
    fs::create_hard_link(target, p);
    PartFile f;
    IoError error;
    EXPECT_FALSE(f.open(p, PartFile::Mode::Reopen, &error));
    EXPECT_NE(error.message.find("hard link"), std::string::npos) << error.message;
    EXPECT_EQ(readAll(target), "keep me");
}

TEST_F(PartFileTest, ReopenRefusesAFifoWithoutHanging) {
    const fs::path p = m_dir / "f.part";
    ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
    PartFile f;
    IoError error;
    EXPECT_FALSE(f.open(p, PartFile::Mode::Reopen, &error));
    EXPECT_NE(error.message.find("not a regular file"), std::string::npos) << error.message;
}

TEST_F(PartFileTest, ReopenRefusesAnotherUsersFile) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to give a file to another user";
    }
    const fs::path p = m_dir / "theirs.part";
    writeText(p, "theirs");
    ASSERT_EQ(::chown(p.c_str(), 65534, 65534), 0);
    PartFile f;
    IoError error;
    EXPECT_FALSE(f.open(p, PartFile::Mode::Reopen, &error));
    EXPECT_NE(error.message.find("another user"), std::string::npos) << error.message;
}

TEST_F(PartFileTest, AtomicWriteNeverWritesThroughAPlantedTempName) {
    // The old fixed temp name (NAME.tmp) let a planted link truncate a file elsewhere.
    const fs::path target = m_dir / "precious";
    writeText(target, "keep me");
    const fs::path p = m_dir / "x.part.maria2";
    fs::create_symlink(target, m_dir / "x.part.maria2.tmp");
    IoError error;
    ASSERT_TRUE(writeFileAtomically(p, "control", &error)) << error.message;
    EXPECT_EQ(readAll(p), "control");
    EXPECT_EQ(readAll(target), "keep me");
    // No temp file is left behind either: only the target, its planted link and the file.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(m_dir)) {
        ++entries;
    }
    EXPECT_EQ(entries, 3);
}
#endif

// ---------------------------------------------------------------------------------------------
// writeFileAtomically

TEST_F(PartFileTest, AtomicWriteCreates) {
    const fs::path p = m_dir / "new.json";
    IoError error;
    ASSERT_TRUE(writeFileAtomically(p, "{\"a\": 1}\n", &error)) << error.message;
    EXPECT_EQ(readAll(p), "{\"a\": 1}\n");
}

TEST_F(PartFileTest, AtomicWriteReplacesContent) {
    const fs::path p = m_dir / "settings.json";
    writeText(p, "old content that is much longer than the new one");
    IoError error;
    ASSERT_TRUE(writeFileAtomically(p, "new", &error)) << error.message;
    EXPECT_EQ(readAll(p), "new");
    ASSERT_TRUE(writeFileAtomically(p, "", &error)) << error.message;
    EXPECT_EQ(readAll(p), "");
    EXPECT_TRUE(fs::is_regular_file(p));
}

TEST_F(PartFileTest, AtomicWriteLeavesNoTempFile) {
    const fs::path p = m_dir / "c.maria2";
    IoError error;
    ASSERT_TRUE(writeFileAtomically(p, "one", &error)) << error.message;
    ASSERT_TRUE(writeFileAtomically(p, "two", &error)) << error.message;
    const auto names = entries();
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], "c.maria2");
}

TEST_F(PartFileTest, AtomicWriteOverADirectoryFailsNamingThePath) {
    const fs::path dir = m_dir / "target-is-a-dir";
    ASSERT_TRUE(fs::create_directory(dir));
    IoError error;
    EXPECT_FALSE(writeFileAtomically(dir, "content", &error));
    EXPECT_NE(error.message.find(dir.string()), std::string::npos) << error.message;
    EXPECT_TRUE(fs::is_directory(dir));
    // No temp file left beside it.
    const auto names = entries();
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0], "target-is-a-dir");
}

TEST_F(PartFileTest, AtomicWriteIntoMissingDirectoryFails) {
    const fs::path p = m_dir / "missing" / "x.json";
    IoError error;
    EXPECT_FALSE(writeFileAtomically(p, "content", &error));
    EXPECT_NE(error.message.find((m_dir / "missing").string()), std::string::npos) << error.message;
    EXPECT_FALSE(fs::exists(p));
}

} // namespace

namespace {

// Reads `n` bytes at `offset` of a file.
std::string readAt(const fs::path& p, std::int64_t offset, std::size_t n) {
    std::ifstream in(p, std::ios::binary);
    in.seekg(offset);
    std::string out(n, '\0');
    in.read(out.data(), static_cast<std::streamsize>(n));
    out.resize(static_cast<std::size_t>(in.gcount()));
    return out;
}

TEST_F(PartFileTest, BackgroundAllocationGivesTheFullSizeAndKeepsBytesWrittenMeanwhile) {
    const fs::path p = m_dir / "big.part";
    const std::int64_t size = std::int64_t{48} << 20;
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error)) << error.message;
    ASSERT_TRUE(f.allocateInBackground(size, &error)) << error.message;
    EXPECT_EQ(f.size(), size); // the size is there at once; blocks follow in the background
    // Writes race the helper thread on purpose: fallocate must never zero written bytes.
    for (std::int64_t at = 0; at < size; at += std::int64_t{3} << 20) {
        ASSERT_TRUE(writeString(f, at, "segment@" + std::to_string(at), &error)) << error.message;
    }
    ASSERT_TRUE(writeString(f, size - 4, "tail", &error));
    f.close(); // waits for the helper
    EXPECT_EQ(static_cast<std::int64_t>(fs::file_size(p)), size);
    for (std::int64_t at = 0; at < size; at += std::int64_t{3} << 20) {
        const std::string expected = "segment@" + std::to_string(at);
        EXPECT_EQ(readAt(p, at, expected.size()), expected) << at;
    }
    EXPECT_EQ(readAt(p, size - 4, 4), "tail");
}

TEST_F(PartFileTest, TruncateStopsABackgroundAllocationFromGrowingTheFileAgain) {
    const fs::path p = m_dir / "restart.part";
    PartFile f;
    IoError error;
    ASSERT_TRUE(f.open(p, PartFile::Mode::CreateNew, &error));
    ASSERT_TRUE(f.allocateInBackground(std::int64_t{256} << 20, &error)) << error.message;
    ASSERT_TRUE(f.truncate(0, &error)) << error.message; // starting over from zero
    EXPECT_EQ(f.size(), 0);
    ASSERT_TRUE(writeString(f, 0, "new", &error));
    f.close();
    EXPECT_EQ(readAll(p), "new");
}

} // namespace
