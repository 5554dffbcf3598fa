// --verify=auto: where a published checksum is looked for, and how its lines are read.
#include "core/integrity/SidecarChecksum.h"

#include <gtest/gtest.h>

using namespace maria2;

namespace {

const std::string kHex(64, 'a');
const std::string kOther = std::string(63, 'b') + "c";

TEST(SidecarChecksumUrls, NameDotSha256ThenTheFolderList) {
    const auto urls = sidecarChecksumUrls("https://example.org/pub/v1/tool.tar.gz");
    ASSERT_EQ(urls.size(), 2u);
    EXPECT_EQ(urls[0], "https://example.org/pub/v1/tool.tar.gz.sha256");
    EXPECT_EQ(urls[1], "https://example.org/pub/v1/SHA256SUMS");
}

TEST(SidecarChecksumUrls, DropsTheQueryAndFragmentOfASignedLink) {
    const auto urls = sidecarChecksumUrls("http://h:8080/a/b.iso?token=secret#x");
    ASSERT_EQ(urls.size(), 2u);
    EXPECT_EQ(urls[0], "http://h:8080/a/b.iso.sha256");
    EXPECT_EQ(urls[1], "http://h:8080/a/SHA256SUMS");
}

TEST(SidecarChecksumUrls, NothingForAFolderOrGarbage) {
    EXPECT_TRUE(sidecarChecksumUrls("http://h/dir/").empty());
    EXPECT_TRUE(sidecarChecksumUrls("not a url").empty());
}

TEST(ChecksumList, GnuLinesTextAndBinaryMode) {
    const std::string text = kOther + "  other.bin\n" + kHex + " *tool.bin\n";
    const auto spec = parseChecksumList(text, "tool.bin", false);
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->algorithm, "sha-256");
    EXPECT_EQ(spec->hex, kHex);
    EXPECT_EQ(parseChecksumList(text, "other.bin", false)->hex, kOther);
}

TEST(ChecksumList, PathPrefixesAndUpperCaseHex) {
    std::string upper(64, 'A');
    const auto spec = parseChecksumList(upper + "  ./dist/tool.bin\r\n", "tool.bin", false);
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->hex, kHex); // lower-cased
}

TEST(ChecksumList, BsdTags) {
    const auto spec = parseChecksumList(
        "SHA256 (x.iso) = " + kOther + "\nSHA256 (tool.bin) = " + kHex + "\n", "tool.bin", false);
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->hex, kHex);
}

TEST(ChecksumList, ABareDigestCountsOnlyInNameDotSha256) {
    EXPECT_TRUE(parseChecksumList(kHex + "\n", "tool.bin", true));
    EXPECT_FALSE(parseChecksumList(kHex + "\n", "tool.bin", false));
}

TEST(ChecksumList, NoLineForTheFileMeansNone) {
    EXPECT_FALSE(parseChecksumList(kHex + "  else.bin\n", "tool.bin", false));
    EXPECT_FALSE(parseChecksumList(kHex + "  else.bin\n", "tool.bin", true));
    EXPECT_FALSE(parseChecksumList("<html>404</html>", "tool.bin", true));
    EXPECT_FALSE(parseChecksumList("", "tool.bin", true));
    // An md5 or sha-1 list is not a SHA-256 list.
    EXPECT_FALSE(parseChecksumList(std::string(32, 'a') + "  tool.bin\n", "tool.bin", false));
}

TEST(ChecksumList, ANameThatOnlyEndsTheSameIsNotTheFile) {
    EXPECT_FALSE(parseChecksumList(kHex + "  mytool.bin\n", "tool.bin", false));
}

} // namespace
