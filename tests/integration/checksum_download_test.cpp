// Checksums end to end: the engine verifies with Qt's hash functions after the last byte.
#include "EngineRecorder.h"
#include "core/config/Config.h"
#include "core/engine/Engine.h"
#include "session/QtDigest.h"
#include "support/TestServers.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace maria2;

namespace {

class ChecksumDownloadTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_sha = test::writeRandomFile(s_nginx->docRoot() + "/sum.bin", 3 * 1024 * 1024, 31);
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    DownloadSnapshot download(const std::string& checksum) {
        Config config = ConfigLoader::defaults();
        config.download.directory = m_dir.path().toStdString();
        Engine engine(config, m_recorder, qtDigestFactory());
        engine.start();
        DownloadRequest r;
        r.url = s_nginx->httpUrl("sum.bin").toStdString();
        r.directory = m_dir.path().toStdString();
        r.split = 4;
        r.minSplitSize = 256 * 1024;
        r.checksum = checksum;
        const DownloadId id = engine.add(r);
        EXPECT_TRUE(m_recorder.waitFinal(id));
        return m_recorder.last(id);
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_sha;
    QTemporaryDir m_dir;
    test::EngineRecorder m_recorder;
};
std::unique_ptr<test::NginxServer> ChecksumDownloadTest::s_nginx;
QString ChecksumDownloadTest::s_sha;

TEST_F(ChecksumDownloadTest, MatchingSha256CompletesAfterVerifying) {
    const auto s = download("sha-256=" + s_sha.toStdString());
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/sum.bin"), s_sha);
}

TEST_F(ChecksumDownloadTest, MismatchFailsAndKeepsThePartName) {
    std::string wrong = s_sha.toStdString();
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    const auto s = download("sha-256=" + wrong);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_EQ(s.error, ErrorCode::ChecksumMismatch);
    EXPECT_NE(s.errorMessage.find(wrong), std::string::npos) << s.errorMessage;
    EXPECT_NE(s.errorMessage.find(s_sha.toStdString()), std::string::npos) << s.errorMessage;
    EXPECT_FALSE(QFileInfo::exists(m_dir.path() + "/sum.bin"));
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/sum.bin.part"), s_sha);
}

TEST_F(ChecksumDownloadTest, Md5AndSha512AreSupportedToo) {
    const auto md5 = download("md5=00000000000000000000000000000000");
    EXPECT_EQ(md5.error, ErrorCode::ChecksumMismatch) << md5.errorMessage;
    EXPECT_NE(md5.errorMessage.find("md5"), std::string::npos);
}

} // namespace
