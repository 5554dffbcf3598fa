// Unit tests for maria2::io::WriteBatch: the bytes a connection gathers before one write.
#include "core/io/PartFile.h"
#include "core/io/WriteBatch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <thread>

namespace fs = std::filesystem;
using maria2::io::IoError;
using maria2::io::PartFile;
using maria2::io::WriteBatch;

namespace {

class WriteBatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device rd;
        m_dir = fs::temp_directory_path() / ("maria2-write-batch-" + std::to_string(rd()));
        fs::create_directories(m_dir);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    std::string readAll(const fs::path& p) const {
        std::ifstream in(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    fs::path m_dir;
};

TEST_F(WriteBatchTest, GathersContiguousPiecesAndWritesThemAtTheirOffset) {
    PartFile file;
    IoError error;
    ASSERT_TRUE(file.open(m_dir / "a.part", PartFile::Mode::CreateNew, &error)) << error.message;
    WriteBatch batch;
    EXPECT_TRUE(batch.empty());
    ASSERT_TRUE(batch.fits(10, 3));
    batch.add(10, "abc", 3);
    EXPECT_TRUE(batch.fits(13, 2));
    EXPECT_FALSE(batch.fits(14, 1)) << "a gap must be written first";
    EXPECT_FALSE(batch.fits(9, 1)) << "so must a piece before it";
    batch.add(13, "de", 2);
    EXPECT_EQ(batch.begin(), 10);
    EXPECT_EQ(batch.end(), 15);
    EXPECT_EQ(file.size(), 0) << "nothing is written before writeTo";
    ASSERT_TRUE(batch.writeTo(file, &error)) << error.message;
    EXPECT_TRUE(batch.empty());
    EXPECT_EQ(readAll(m_dir / "a.part"), std::string(10, '\0') + "abcde");
}

TEST_F(WriteBatchTest, HoldsAtMostItsCapacity) {
    WriteBatch batch;
    const std::string piece(16 * 1024, 'x');
    EXPECT_FALSE(batch.fits(0, WriteBatch::kCapacity + 1));
    std::int64_t at = 0;
    while (batch.fits(at, piece.size())) {
        batch.add(at, piece.data(), piece.size());
        at += static_cast<std::int64_t>(piece.size());
    }
    EXPECT_EQ(static_cast<std::size_t>(batch.end() - batch.begin()), WriteBatch::kCapacity);
    EXPECT_FALSE(batch.fits(at, 1));
}

TEST_F(WriteBatchTest, AFailedWriteEmptiesItAndSaysWhy) {
    PartFile closed; // never opened: every write fails
    WriteBatch batch;
    batch.add(0, "abc", 3);
    IoError error;
    EXPECT_FALSE(batch.writeTo(closed, &error));
    EXPECT_FALSE(error.message.empty());
    EXPECT_TRUE(batch.empty()) << "the caller records the range as lost; the batch starts over";
    EXPECT_TRUE(batch.fits(100, 1));
}

TEST_F(WriteBatchTest, BuffersGoBackToTheThreadsPoolForTheNextBatch) {
    // A thread of its own: the pool is per thread and starts empty there.
    std::size_t before = 99;
    std::size_t whileHeld = 99;
    std::size_t afterWrite = 99;
    std::size_t afterSecond = 99;
    std::thread([&] {
        PartFile file;
        IoError error;
        ASSERT_TRUE(file.open(m_dir / "b.part", PartFile::Mode::CreateNew, &error));
        before = WriteBatch::pooledOnThisThread();
        {
            WriteBatch batch;
            batch.add(0, "abc", 3);
            whileHeld = WriteBatch::pooledOnThisThread();
            ASSERT_TRUE(batch.writeTo(file, &error));
            afterWrite = WriteBatch::pooledOnThisThread();
            batch.add(3, "def", 3); // takes the pooled buffer again
            afterSecond = WriteBatch::pooledOnThisThread();
            batch.discard();
        }
        EXPECT_EQ(readAll(m_dir / "b.part"), "abc");
    }).join();
    EXPECT_EQ(before, 0u);
    EXPECT_EQ(whileHeld, 0u);
    EXPECT_EQ(afterWrite, 1u);
    EXPECT_EQ(afterSecond, 0u);
}

} // namespace
