// What a downloaded file records of where it came from (io::originUrlForRecord): never a secret.
#include "core/io/OriginMark.h"

#include <gtest/gtest.h>

using maria2::io::originUrlForRecord;

TEST(OriginMark, KeepsSchemeHostPortAndPath) {
    EXPECT_EQ(originUrlForRecord("https://example.org:8443/dir/file.iso"),
              "https://example.org:8443/dir/file.iso");
}

TEST(OriginMark, DropsCredentialsQueryAndFragment) {
    EXPECT_EQ(originUrlForRecord("https://user:secret@example.org/f.bin?X-Amz-Signature=abc#part"),
              "https://example.org/f.bin");
    EXPECT_EQ(originUrlForRecord("ftp://TOKEN@ftp.example.org/pub/x.tar.gz"),
              "ftp://ftp.example.org/pub/x.tar.gz");
}

TEST(OriginMark, NothingForWhatIsNotAUrl) {
    EXPECT_EQ(originUrlForRecord(""), "");
    EXPECT_EQ(originUrlForRecord("not a url"), "");
}
