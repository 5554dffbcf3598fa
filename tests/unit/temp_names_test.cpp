// Unit tests for maria2::io temporary names (TempNames.h): the target's own name plus a random
// suffix, recognised again to clean up after a killed writer.
#include "core/io/PartFile.h"
#include "core/io/TempNames.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <system_error>

namespace fs = std::filesystem;
using maria2::io::isTempNameOf;
using maria2::io::kMaxFileNameBytes;
using maria2::io::removeStaleTemps;
using maria2::io::tempNameFor;

namespace {

TEST(TempNames, AreTheTargetsNameWithARandomSuffix) {
    const std::string a = tempNameFor("f.bin.part.maria2", 1);
    const std::string b = tempNameFor("f.bin.part.maria2", 2);
    EXPECT_EQ(a.rfind("f.bin.part.maria2.t", 0), 0u) << a;
    EXPECT_NE(a, b);
    EXPECT_TRUE(isTempNameOf(a, "f.bin.part.maria2"));
    EXPECT_TRUE(isTempNameOf(b, "f.bin.part.maria2"));
    EXPECT_FALSE(isTempNameOf(a, "g.bin.part.maria2"));
    EXPECT_FALSE(isTempNameOf("f.bin.part.maria2", "f.bin.part.maria2"));
    EXPECT_FALSE(isTempNameOf("f.bin.part.maria2.tABCDE", "f.bin.part.maria2")) << "not ours";
    EXPECT_FALSE(isTempNameOf("f.bin.part.maria2.tabcdef", "f.bin.part.maria2"));
}

TEST(TempNames, ManyDrawsGiveManyNames) {
    std::mt19937_64 random(7);
    std::set<std::string> names;
    for (int i = 0; i < 1000; ++i) {
        names.insert(tempNameFor("x", random()));
    }
    EXPECT_GT(names.size(), 990u);
}

TEST(TempNames, FitBesideTheLongestNameAndFallBackBeyondIt) {
    const std::string longest(kMaxFileNameBytes - 7, 'n'); // + ".t" + 5 = 255
    EXPECT_EQ(tempNameFor(longest, 3).size(), kMaxFileNameBytes);
    const std::string tooLong(kMaxFileNameBytes - 6, 'n');
    const std::string fallback = tempNameFor(tooLong, 3);
    EXPECT_EQ(fallback.rfind(".maria2-", 0), 0u) << fallback;
    EXPECT_LE(fallback.size(), kMaxFileNameBytes);
}

class StaleTempsTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        m_dir = fs::temp_directory_path() / ("maria2-temp-names-" + std::to_string(rd()));
        fs::create_directories(m_dir);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    void touch(const std::string& name) const { std::ofstream(m_dir / name) << "x"; }
    fs::path m_dir;
};

TEST_F(StaleTempsTest, OnlyTheTargetsLeftoversGo) {
    const fs::path control = m_dir / "f.bin.part.maria2";
    touch("f.bin.part.maria2");
    const std::string mine1 = tempNameFor("f.bin.part.maria2", 11);
    const std::string mine2 = tempNameFor("f.bin.part.maria2", 12);
    const std::string theirs = tempNameFor("g.bin.part.maria2", 13);
    touch(mine1);
    touch(mine2);
    touch(theirs);
    touch("f.bin.part");
    removeStaleTemps(control);
    EXPECT_FALSE(fs::exists(m_dir / mine1));
    EXPECT_FALSE(fs::exists(m_dir / mine2));
    EXPECT_TRUE(fs::exists(m_dir / theirs)) << "another download's temp is not ours to remove";
    EXPECT_TRUE(fs::exists(control));
    EXPECT_TRUE(fs::exists(m_dir / "f.bin.part"));
}

#ifndef _WIN32
TEST_F(StaleTempsTest, ALinkUnderATempNameIsNeverFollowed) {
    touch("precious");
    const std::string planted = tempNameFor("f.bin.part.maria2", 21);
    fs::create_symlink(m_dir / "precious", m_dir / planted);
    removeStaleTemps(m_dir / "f.bin.part.maria2");
    EXPECT_TRUE(fs::exists(m_dir / "precious"));
}
#endif

TEST_F(StaleTempsTest, WriteFileAtomicallyLeavesNoTempBehind) {
    const fs::path control = m_dir / "f.bin.part.maria2";
    maria2::io::IoError error;
    ASSERT_TRUE(maria2::io::writeFileAtomically(control, "one", &error)) << error.message;
    ASSERT_TRUE(maria2::io::writeFileAtomically(control, "two", &error)) << error.message;
    int entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(m_dir)) {
        ++entries;
    }
    EXPECT_EQ(entries, 1);
}

} // namespace
