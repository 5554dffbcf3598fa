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
        // --verify=auto fixtures: NAME.sha256 beside one file, a SHA256SUMS list in a folder,
        // and a folder with nothing published.
        const QString root = s_nginx->docRoot();
        QDir(root).mkpath("side");
        QDir(root).mkpath("sums");
        QDir(root).mkpath("bare");
        s_sideSha = test::writeRandomFile(root + "/side/one.iso", 2 * 1024 * 1024, 32);
        writeText(root + "/side/one.iso.sha256", s_sideSha + "  one.iso\n");
        s_goodSha = test::writeRandomFile(root + "/sums/good.bin", 1024 * 1024, 33);
        test::writeRandomFile(root + "/sums/bad.bin", 1024 * 1024, 34);
        writeText(root + "/sums/SHA256SUMS", "# release 1.0\n" + s_goodSha + " *good.bin\n" +
                                                 QString(64, 'a') + "  ./bad.bin\n");
        test::writeRandomFile(root + "/bare/plain.bin", 1024 * 1024, 35);
    }
    static void writeText(const QString& path, const QString& text) {
        QFile f(path);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(text.toUtf8());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    DownloadSnapshot download(const std::string& checksum, const std::string& path = "sum.bin",
                              int split = 4) {
        Config config = ConfigLoader::defaults();
        config.performance.downloadSpeedLimit = 0; // full speed: limits have their own tests
        config.queue.retries =
            0; // failures show as Failed at once: queue retries have their own test
        config.download.directory = m_dir.path().toStdString();
        test::EngineRecorder recorder; // one per engine: ids start at 1 in each
        Engine engine(config, recorder, qtDigestFactory());
        engine.start();
        DownloadRequest r;
        r.url = s_nginx->httpUrl(QString::fromStdString(path)).toStdString();
        r.directory = m_dir.path().toStdString();
        r.split = split;
        r.minSplitSize = 256 * 1024;
        r.checksum = checksum;
        const DownloadId id = engine.add(r);
        EXPECT_TRUE(recorder.waitFinal(id));
        return recorder.last(id);
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_sha;
    static inline QString s_sideSha, s_goodSha;
    QTemporaryDir m_dir;
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

TEST_F(ChecksumDownloadTest, OneConnectionHashesAsItStreamsAndStillCatchesAMismatch) {
    // split 1: every byte arrives in order and is hashed on the way; nothing is read back.
    const auto ok = download("sha-256=" + s_sha.toStdString(), "sum.bin", 1);
    ASSERT_EQ(ok.state, DownloadState::Completed) << ok.errorMessage;
    QFile::remove(m_dir.path() + "/sum.bin");
    std::string wrong = s_sha.toStdString();
    wrong[5] = wrong[5] == 'f' ? 'e' : 'f';
    const auto bad = download("sha-256=" + wrong, "sum.bin", 1);
    EXPECT_EQ(bad.error, ErrorCode::ChecksumMismatch) << bad.errorMessage;
}

TEST_F(ChecksumDownloadTest, VerifyAutoFindsNameDotSha256BesideTheUrl) {
    const auto s = download("auto", "side/one.iso", 4);
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/one.iso"), s_sideSha);
}

TEST_F(ChecksumDownloadTest, VerifyAutoReadsTheFolderSha256Sums) {
    const auto good = download("auto", "sums/good.bin", 1);
    ASSERT_EQ(good.state, DownloadState::Completed) << good.errorMessage;
    const auto bad = download("auto", "sums/bad.bin", 2);
    EXPECT_EQ(bad.state, DownloadState::Failed);
    EXPECT_EQ(bad.error, ErrorCode::ChecksumMismatch);
    EXPECT_NE(bad.errorMessage.find("SHA256SUMS"), std::string::npos) << bad.errorMessage;
    EXPECT_FALSE(QFileInfo::exists(m_dir.path() + "/bad.bin"));
    EXPECT_TRUE(QFileInfo::exists(m_dir.path() + "/bad.bin.part"));
}

TEST_F(ChecksumDownloadTest, VerifyAutoWithNothingPublishedStillCompletes) {
    const auto s = download("auto", "bare/plain.bin", 2);
    EXPECT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_TRUE(QFileInfo::exists(m_dir.path() + "/plain.bin"));
}

} // namespace
