// Parsing the checksums a person gives, and hashing a file through the Digest interface.
#include "core/integrity/Checksum.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

using maria2::ChecksumSpec;
using maria2::parseChecksum;

namespace {

const std::string kSha256(64, 'a');

TEST(ParseChecksum, Aria2FormWithEveryAlgorithmSpelling) {
    const struct {
        std::string text;
        std::string algorithm;
    } cases[] = {
        {"sha-256=" + kSha256, "sha-256"},
        {"SHA-256=" + kSha256, "sha-256"},
        {"sha256=" + kSha256, "sha-256"},
        {"md5=" + std::string(32, '0'), "md5"},
        {"sha-1=" + std::string(40, 'f'), "sha-1"},
        {"sha1=" + std::string(40, 'f'), "sha-1"},
        {"sha-512=" + std::string(128, '9'), "sha-512"},
    };
    for (const auto& c : cases) {
        const auto spec = parseChecksum(c.text);
        ASSERT_TRUE(spec.has_value()) << c.text;
        EXPECT_EQ(spec->algorithm, c.algorithm) << c.text;
    }
}

TEST(ParseChecksum, BareDigestNamesItsAlgorithmByLength) {
    EXPECT_EQ(parseChecksum(std::string(32, 'a'))->algorithm, "md5");
    EXPECT_EQ(parseChecksum(std::string(40, 'a'))->algorithm, "sha-1");
    EXPECT_EQ(parseChecksum(std::string(64, 'a'))->algorithm, "sha-256");
    EXPECT_EQ(parseChecksum(std::string(128, 'a'))->algorithm, "sha-512");
}

TEST(ParseChecksum, DigestIsLowerCased) {
    const auto spec = parseChecksum("sha-256=" + std::string(64, 'A'));
    ASSERT_TRUE(spec.has_value());
    EXPECT_EQ(spec->hex, kSha256);
}

TEST(ParseChecksum, BadInputIsRejectedWithAReason) {
    const struct {
        std::string text;
        std::string mentions;
    } cases[] = {
        {"crc32=deadbeef", "unknown algorithm"},
        {"sha-256=" + std::string(63, 'a'), "64 hex digits"},
        {"md5=" + std::string(31, 'a') + "g", "hexadecimal"},
        {"abc", "ALGORITHM=HEX"},
        {"", "ALGORITHM=HEX"},
        {"sha-256=", "64 hex digits"},
    };
    for (const auto& c : cases) {
        std::string error;
        EXPECT_FALSE(parseChecksum(c.text, &error).has_value()) << c.text;
        EXPECT_NE(error.find(c.mentions), std::string::npos) << c.text << " -> " << error;
        EXPECT_NE(error.find("invalid checksum"), std::string::npos) << error;
    }
}

// A digest that sums bytes: enough to prove hashFile feeds every byte exactly once, in order.
class SumDigest final : public maria2::Digest {
public:
    void update(const char* data, std::size_t size) override {
        for (std::size_t i = 0; i < size; ++i) {
            m_sum = m_sum * 31 + static_cast<unsigned char>(data[i]);
            ++m_count;
        }
    }
    std::string hexDigest() override {
        return std::to_string(m_count) + ":" + std::to_string(m_sum);
    }

private:
    std::uint64_t m_sum = 0;
    std::uint64_t m_count = 0;
};

TEST(HashFile, FeedsEveryByteInOrderAcrossBufferBoundaries) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("maria2-hash-" + std::to_string(std::random_device{}()) + ".bin");
    std::string content((3 << 20) + 123, '\0');
    std::mt19937 rng(5);
    for (auto& ch : content) {
        ch = static_cast<char>(rng());
    }
    {
        std::ofstream out(path, std::ios::binary);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    SumDigest expected;
    expected.update(content.data(), content.size());
    SumDigest actual;
    EXPECT_EQ(maria2::hashFile(path.string(), actual), expected.hexDigest());
    std::filesystem::remove(path);
    SumDigest missing;
    EXPECT_FALSE(maria2::hashFile(path.string(), missing).has_value());
}

} // namespace
