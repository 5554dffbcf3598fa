// maria2core's Engine against a real nginx and a real FTP server on loopback.
#include "EngineRecorder.h"
#include "EngineTestConfig.h"
#include "ResumeHelpers.h"
#include "core/config/Config.h"
#include "core/engine/Engine.h"
#include "core/segment/IntervalSet.h"
#include "support/TestServers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <memory>

using namespace maria2;
using maria2::test::EngineRecorder;

namespace {

class EngineDownloadTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        const QString root = s_nginx->docRoot();
        s_small = test::writeRandomFile(root + "/small.bin", 3 * 1024 * 1024 + 17, 1);
        s_slow = test::writeRandomFile(root + "/slowfile.bin", 2 * 1024 * 1024, 2);
        ASSERT_FALSE(s_small.isEmpty());
        QFile empty(root + "/empty.txt");
        ASSERT_TRUE(empty.open(QIODevice::WriteOnly));
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = test::engineTestConfig(m_dir.path());
    }

    Engine& engine() {
        if (!m_engine) {
            m_engine = std::make_unique<Engine>(m_config, m_recorder);
            m_engine->start();
        }
        return *m_engine;
    }

    DownloadId add(const QString& url, const std::string& name = {}) {
        DownloadRequest r;
        r.url = url.toStdString();
        r.directory = m_dir.path().toStdString();
        r.fileName = name;
        return engine().add(r);
    }

    QString path(const QString& name) const { return m_dir.path() + "/" + name; }
    QStringList files() const { return QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden); }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_small;
    static QString s_slow;
    QTemporaryDir m_dir;
    Config m_config;
    EngineRecorder m_recorder;
    std::unique_ptr<Engine> m_engine;
};

std::unique_ptr<test::NginxServer> EngineDownloadTest::s_nginx;
QString EngineDownloadTest::s_small;
QString EngineDownloadTest::s_slow;

TEST_F(EngineDownloadTest, PlainHttpIsByteIdenticalAndLeavesNoPartFile) {
    const DownloadId id = add(s_nginx->httpUrl("small.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("small.bin")), s_small);
    EXPECT_EQ(s.doneBytes, 3 * 1024 * 1024 + 17);
    EXPECT_EQ(s.totalBytes, s.doneBytes);
    EXPECT_EQ(files(), QStringList{"small.bin"});
    EXPECT_TRUE(m_recorder.sawState(id, DownloadState::Downloading));
}

TEST_F(EngineDownloadTest, HttpsWithItsCaIsAccepted) {
    m_config.network.caCertificate = s_nginx->caCertPath().toStdString();
    const DownloadId id = add(s_nginx->httpsUrl("small.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("small.bin")), s_small);
}

TEST_F(EngineDownloadTest, HttpsWithoutItsCaIsRefusedAndLeavesNothing) {
    const DownloadId id = add(s_nginx->httpsUrl("small.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_EQ(s.error, ErrorCode::Network);
    EXPECT_NE(s.errorMessage.find("certificate"), std::string::npos) << s.errorMessage;
    EXPECT_TRUE(files().isEmpty()) << files().join(",").toStdString();
}

TEST_F(EngineDownloadTest, FollowsRedirectsAndNamesFileAfterTheTarget) {
    const DownloadId id = add(s_nginx->httpUrl("redirect2/small.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_EQ(test::sha256OfFile(path("small.bin")), s_small);
}

TEST_F(EngineDownloadTest, AnHttpsDownloadRedirectedToHttpFailsSayingWhyAndAsksNothingOverHttp) {
    m_config.network.caCertificate = s_nginx->caCertPath().toStdString();
    s_nginx->clearAccessLog();
    const DownloadId id = add(s_nginx->httpsUrl("redirect-http/small.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_NE(s.errorMessage.find("redirect from https to http"), std::string::npos)
        << s.errorMessage;
    EXPECT_TRUE(files().isEmpty()) << files().join(",").toStdString();
    bool sawHttps = false;
    for (const auto& entry : s_nginx->accessLog()) {
        EXPECT_NE(entry.scheme, "http") << entry.requestUri.toStdString();
        sawHttps = sawHttps || entry.scheme == "https";
    }
    EXPECT_TRUE(sawHttps) << "the https request itself must be in the log";
}

TEST_F(EngineDownloadTest, AnHttpsDownloadFollowsARedirectToHttpWhenTheSettingsAllowIt) {
    m_config.network.caCertificate = s_nginx->caCertPath().toStdString();
    m_config.network.allowInsecureRedirect = true;
    const DownloadId id = add(s_nginx->httpsUrl("redirect-http/small.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("small.bin")), s_small);
}

TEST_F(EngineDownloadTest, RedirectLoopFailsWithTooManyRedirects) {
    m_config.network.maxRedirects = 5;
    const DownloadId id = add(s_nginx->httpUrl("loop"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    EXPECT_EQ(m_recorder.last(id).state, DownloadState::Failed);
    EXPECT_EQ(m_recorder.last(id).error, ErrorCode::TooManyRedirects);
    EXPECT_TRUE(files().isEmpty());
}

TEST_F(EngineDownloadTest, NotFoundFailsWithCode3AndLeavesNoFile) {
    const DownloadId id = add(s_nginx->httpUrl("does-not-exist.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_EQ(s.error, ErrorCode::NotFound);
    EXPECT_NE(s.errorMessage.find("404"), std::string::npos) << s.errorMessage;
    EXPECT_EQ(s.attempt, 1) << "a 404 is not worth retrying";
    EXPECT_TRUE(files().isEmpty());
}

TEST_F(EngineDownloadTest, ContentDispositionNamesTheFile) {
    const DownloadId id = add(s_nginx->httpUrl("cd/small.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_EQ(test::sha256OfFile(path(QString::fromUtf8("r\xC3\xA9sum\xC3\xA9.bin"))), s_small);
}

TEST_F(EngineDownloadTest, HostileContentDispositionCannotEscapeTheFolder) {
    QTemporaryDir outer;
    const QString inner = outer.path() + "/a/b";
    ASSERT_TRUE(QDir().mkpath(inner));
    DownloadRequest r;
    r.url = s_nginx->httpUrl("evil-cd/small.bin").toStdString();
    r.directory = inner.toStdString();
    const DownloadId id = engine().add(r);
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_FALSE(QFileInfo::exists(outer.path() + "/escape.bin"));
    EXPECT_FALSE(QFileInfo::exists(outer.path() + "/a/escape.bin"));
    const QString saved = QString::fromStdString(m_recorder.last(id).filePath);
    EXPECT_EQ(QFileInfo(saved).absolutePath(), QFileInfo(inner).absoluteFilePath());
    EXPECT_EQ(test::sha256OfFile(saved), s_small);
}

TEST_F(EngineDownloadTest, ExistingFileIsNeverOverwrittenSilently) {
    QFile existing(path("small.bin"));
    ASSERT_TRUE(existing.open(QIODevice::WriteOnly));
    existing.write("precious");
    existing.close();
    const DownloadId id = add(s_nginx->httpUrl("small.bin"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_EQ(test::sha256OfFile(path("small (1).bin")), s_small);
    QFile check(path("small.bin"));
    ASSERT_TRUE(check.open(QIODevice::ReadOnly));
    EXPECT_EQ(check.readAll(), QByteArray("precious"));
}

TEST_F(EngineDownloadTest, AllowOverwriteReplacesTheExistingFile) {
    QFile existing(path("small.bin"));
    ASSERT_TRUE(existing.open(QIODevice::WriteOnly));
    existing.write("old");
    existing.close();
    DownloadRequest r;
    r.url = s_nginx->httpUrl("small.bin").toStdString();
    r.directory = m_dir.path().toStdString();
    r.allowOverwrite = true;
    const DownloadId id = engine().add(r);
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_EQ(test::sha256OfFile(path("small.bin")), s_small);
    EXPECT_EQ(files(), QStringList{"small.bin"});
}

TEST_F(EngineDownloadTest, AMissingFolderIsCreatedAndAFileInItsPlaceFailsNamingIt) {
    DownloadRequest nested;
    nested.url = s_nginx->httpUrl("empty.txt").toStdString();
    nested.directory = path("a/b").toStdString();
    const DownloadId created = engine().add(nested);
    ASSERT_TRUE(m_recorder.waitFinal(created));
    ASSERT_EQ(m_recorder.last(created).state, DownloadState::Completed)
        << m_recorder.last(created).errorMessage;
    EXPECT_TRUE(QFileInfo(path("a/b/empty.txt")).isFile());

    QFile blocker(path("not-a-folder"));
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    DownloadRequest blocked;
    blocked.url = s_nginx->httpUrl("empty.txt").toStdString();
    blocked.directory = path("not-a-folder").toStdString();
    const DownloadId refused = engine().add(blocked);
    ASSERT_TRUE(m_recorder.waitFinal(refused));
    const auto s = m_recorder.last(refused);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_EQ(s.error, ErrorCode::CannotCreateDir);
    EXPECT_NE(s.errorMessage.find("not-a-folder"), std::string::npos) << s.errorMessage;
    EXPECT_EQ(QFileInfo(path("not-a-folder")).size(), 0) << "the file in the way is untouched";
}

TEST_F(EngineDownloadTest, EmptyFileIsStillCreated) {
    const DownloadId id = add(s_nginx->httpUrl("empty.txt"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_TRUE(QFileInfo::exists(path("empty.txt")));
    EXPECT_EQ(QFileInfo(path("empty.txt")).size(), 0);
}

TEST_F(EngineDownloadTest, PauseThenResumeFetchesOnlyWhatIsMissing) {
    s_nginx->clearAccessLog();
    const DownloadId id = add(s_nginx->httpUrl("slow/slowfile.bin"));
    ASSERT_TRUE(m_recorder.waitUntil([&](const auto& m) {
        auto it = m.find(id);
        return it != m.end() && it->second.doneBytes >= 300 * 1024;
    }));
    engine().pause(id);
    ASSERT_TRUE(m_recorder.waitState(id, DownloadState::Paused));
    EXPECT_FALSE(QFileInfo::exists(path("slowfile.bin")));
    const IntervalSet onDisk = test::controlRanges(path("slowfile.bin.part.maria2"));
    EXPECT_GE(onDisk.coveredBytes(), 300 * 1024);
    EXPECT_LT(onDisk.coveredBytes(), 2 * 1024 * 1024);
    ASSERT_TRUE(test::waitFor([&] { return !s_nginx->accessLog().isEmpty(); }, 10000));
    const int before = static_cast<int>(s_nginx->accessLog().size());

    engine().resume(id);
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_EQ(test::sha256OfFile(path("slowfile.bin")), s_slow);
    EXPECT_EQ(files(), QStringList{"slowfile.bin"});
    // Every request after the pause starts on a byte that was not on disk yet.
    const auto log = s_nginx->accessLog();
    ASSERT_GT(log.size(), before);
    for (int i = before; i < log.size(); ++i) {
        const qint64 first = test::rangeStart(log[i].range);
        EXPECT_EQ(log[i].status, 206) << log[i].range.toStdString();
        EXPECT_FALSE(onDisk.containsByte(first)) << log[i].range.toStdString();
    }
}

TEST_F(EngineDownloadTest, ANewEngineResumesWhatAStoppedOneLeft) {
    const DownloadId first = add(s_nginx->httpUrl("slow/slowfile.bin"));
    ASSERT_TRUE(m_recorder.waitUntil([&](const auto& m) {
        auto it = m.find(first);
        return it != m.end() && it->second.doneBytes >= 200 * 1024;
    }));
    m_engine.reset(); // like quitting the app mid-download
    const IntervalSet onDisk = test::controlRanges(path("slowfile.bin.part.maria2"));
    ASSERT_GT(onDisk.coveredBytes(), 0);

    s_nginx->clearAccessLog();
    DownloadRequest r;
    r.url = s_nginx->httpUrl("slowfile.bin").toStdString(); // full speed this time
    r.directory = m_dir.path().toStdString();
    r.continuePartial = true;
    const DownloadId second = engine().add(r);
    ASSERT_TRUE(m_recorder.waitFinal(second));
    ASSERT_EQ(m_recorder.last(second).state, DownloadState::Completed)
        << m_recorder.last(second).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("slowfile.bin")), s_slow);
    EXPECT_EQ(files(), QStringList{"slowfile.bin"});
    // Only the second download's requests: nginx logs the first engine's cut-off ones when it
    // notices the close, which under the slow location's rate limit can come after the clear.
    const auto resumed = [] {
        QList<test::AccessLogEntry> out;
        for (const auto& e : s_nginx->accessLog()) {
            if (e.uri == QStringLiteral("/slowfile.bin")) {
                out.append(e);
            }
        }
        return out;
    };
    ASSERT_TRUE(test::waitFor([&] { return !resumed().isEmpty(); }, 10000));
    qint64 fetched = 0;
    for (const auto& e : resumed()) {
        EXPECT_FALSE(onDisk.containsByte(test::rangeStart(e.range))) << e.range.toStdString();
        fetched += e.bytesSent;
    }
    EXPECT_LE(fetched, 2 * 1024 * 1024 - onDisk.coveredBytes());
}

TEST_F(EngineDownloadTest, AFileChangedOnTheServerIsDownloadedAfreshNotSpliced) {
    const QString root = s_nginx->docRoot();
    const QString original = test::writeRandomFile(root + "/changing.bin", 1024 * 1024, 7);
    // A part file and control data from "an earlier run" of the original file.
    const DownloadId first = add(s_nginx->httpUrl("slow/changing.bin"));
    ASSERT_TRUE(m_recorder.waitUntil([&](const auto& m) {
        auto it = m.find(first);
        return it != m.end() && it->second.doneBytes >= 100 * 1024;
    }));
    m_engine.reset();
    ASSERT_TRUE(QFileInfo::exists(path("changing.bin.part")));
    const QString changed = test::writeRandomFile(root + "/changing.bin", 1024 * 1024 + 5, 8);
    ASSERT_NE(original, changed);

    DownloadRequest r;
    r.url = s_nginx->httpUrl("changing.bin").toStdString();
    r.directory = m_dir.path().toStdString();
    r.continuePartial = true;
    const DownloadId second = engine().add(r);
    ASSERT_TRUE(m_recorder.waitFinal(second));
    ASSERT_EQ(m_recorder.last(second).state, DownloadState::Completed);
    EXPECT_EQ(test::sha256OfFile(path("changing.bin")), changed);
}

TEST_F(EngineDownloadTest, ServerWithoutRangesRestartsFromZeroWithoutCorruption) {
    // A part file from an earlier run, but this server ignores Range and sends 200.
    const QString root = s_nginx->docRoot();
    QFile src(root + "/small.bin");
    ASSERT_TRUE(src.open(QIODevice::ReadOnly));
    QFile part(path("small.bin.part"));
    ASSERT_TRUE(part.open(QIODevice::WriteOnly));
    part.write(src.read(500 * 1024));
    part.close();
    DownloadRequest r;
    r.url = s_nginx->httpUrl("noranges/small.bin").toStdString();
    r.directory = m_dir.path().toStdString();
    r.continuePartial = true;
    const DownloadId id = engine().add(r);
    ASSERT_TRUE(m_recorder.waitFinal(id));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_EQ(test::sha256OfFile(path("small.bin")), s_small);
}

TEST_F(EngineDownloadTest, ServiceUnavailableIsRetriedThenFailsAsOverloaded) {
    m_config.retry.maxTries = 2;
    m_config.retry.maxDelayMs = 100; // caps Retry-After: 1 so the test stays quick
    const DownloadId id = add(s_nginx->httpUrl("status/503"));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    EXPECT_TRUE(m_recorder.sawState(id, DownloadState::Retrying));
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_EQ(s.error, ErrorCode::ServerOverloaded);
    EXPECT_EQ(s.attempt, 2);
    EXPECT_TRUE(files().isEmpty());
}

TEST_F(EngineDownloadTest, ConnectionRefusedIsRetriedThenFailsAsNetworkProblem) {
    m_config.retry.maxTries = 3;
    const quint16 port = test::findFreePort();
    const DownloadId id = add(QStringLiteral("http://127.0.0.1:%1/x.bin").arg(port));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto s = m_recorder.last(id);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_EQ(s.error, ErrorCode::Network);
    EXPECT_EQ(s.attempt, 3);
}

TEST_F(EngineDownloadTest, ATransientFailureIsRetriedByTheQueueAndNeverAnnouncedAsFailedEarly) {
    m_config.retry.maxTries = 1;
    m_config.queue.retries = 1;
    m_config.queue.retryDelaySeconds = 1;
    const quint16 port = test::findFreePort();
    const DownloadId id = add(QStringLiteral("http://127.0.0.1:%1/x.bin").arg(port));
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const auto states = m_recorder.states(id);
    // Connecting -> Queued (waiting to retry, the error kept) -> Connecting -> Failed.
    int failed = 0;
    bool sawRetryWait = false;
    for (const auto& s : states) {
        failed += s.state == DownloadState::Failed ? 1 : 0;
        if (s.state == DownloadState::Queued && s.bottleneck == maria2::Bottleneck::WaitingRetry) {
            sawRetryWait = true;
            EXPECT_FALSE(s.errorMessage.empty());
            EXPECT_GE(s.nextRetryInMs, 0);
        }
    }
    EXPECT_TRUE(sawRetryWait);
    EXPECT_EQ(failed, 1) << "Failed only once, at the very end";
    EXPECT_EQ(states.back().state, DownloadState::Failed);
    EXPECT_EQ(states.back().error, ErrorCode::Network);
}

TEST_F(EngineDownloadTest, RunsNoMoreThanMaxConcurrentDownloadsAtOnce) {
    m_config.performance.maxConcurrentDownloads = 2;
    std::vector<DownloadId> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(add(s_nginx->httpUrl("small.bin"), "copy" + std::to_string(i) + ".bin"));
    }
    for (DownloadId id : ids) {
        ASSERT_TRUE(m_recorder.waitFinal(id));
        EXPECT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    }
    EXPECT_LE(m_recorder.maxBusy(), 2);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(test::sha256OfFile(path(QStringLiteral("copy%1.bin").arg(i))), s_small);
    }
}

TEST_F(EngineDownloadTest, RemoveWithFilesDeletesThePartFile) {
    const DownloadId id = add(s_nginx->httpUrl("slow/slowfile.bin"));
    ASSERT_TRUE(m_recorder.waitUntil([&](const auto& m) {
        auto it = m.find(id);
        return it != m.end() && it->second.doneBytes > 0;
    }));
    engine().remove(id, true);
    ASSERT_TRUE(m_recorder.waitState(id, DownloadState::Removed));
    EXPECT_TRUE(files().isEmpty()) << files().join(",").toStdString();
}

class FtpDownloadTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_ftp = std::make_unique<test::FtpServer>();
        QString error;
        ASSERT_TRUE(s_ftp->start(&error)) << error.toStdString();
        s_sha = test::writeRandomFile(s_ftp->root() + "/pub.bin", 2 * 1024 * 1024 + 3, 11);
    }
    static void TearDownTestSuite() { s_ftp.reset(); }
    static std::unique_ptr<test::FtpServer> s_ftp;
    static QString s_sha;
};
std::unique_ptr<test::FtpServer> FtpDownloadTest::s_ftp;
QString FtpDownloadTest::s_sha;

TEST_F(FtpDownloadTest, DownloadsAndResumesOverFtp) {
    QTemporaryDir dir;
    Config config = ConfigLoader::defaults();
    config.performance.downloadSpeedLimit = 0; // full speed: limits have their own tests
    config.queue.retries = 0; // failures show as Failed at once: queue retries have their own test
    config.download.directory = dir.path().toStdString();
    EngineRecorder recorder;
    Engine engine(config, recorder);
    engine.start();

    DownloadRequest r;
    r.url = s_ftp->url("pub.bin").toStdString();
    r.directory = dir.path().toStdString();
    const DownloadId id = engine.add(r);
    ASSERT_TRUE(recorder.waitFinal(id));
    ASSERT_EQ(recorder.last(id).state, DownloadState::Completed) << recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(dir.path() + "/pub.bin"), s_sha);

    // Resume: a part file with the first 1 MiB, as an interrupted run leaves it.
    QFile done(dir.path() + "/pub.bin");
    ASSERT_TRUE(done.open(QIODevice::ReadOnly));
    const QByteArray head = done.read(1024 * 1024);
    done.close();
    ASSERT_TRUE(QFile::remove(dir.path() + "/pub.bin"));
    QFile part(dir.path() + "/pub.bin.part");
    ASSERT_TRUE(part.open(QIODevice::WriteOnly));
    part.write(head);
    part.close();
    r.continuePartial = true;
    const DownloadId again = engine.add(r);
    ASSERT_TRUE(recorder.waitFinal(again));
    ASSERT_EQ(recorder.last(again).state, DownloadState::Completed)
        << recorder.last(again).errorMessage;
    EXPECT_EQ(test::sha256OfFile(dir.path() + "/pub.bin"), s_sha);
    EXPECT_TRUE(s_ftp->logLines().join("\n").contains("REST 1048576"))
        << s_ftp->logLines().join("\n").toStdString();
}

TEST_F(FtpDownloadTest, MissingFtpFileFailsAsNotFound) {
    QTemporaryDir dir;
    Config config = ConfigLoader::defaults();
    config.performance.downloadSpeedLimit = 0; // full speed: limits have their own tests
    config.queue.retries = 0; // failures show as Failed at once: queue retries have their own test
    EngineRecorder recorder;
    Engine engine(config, recorder);
    engine.start();
    DownloadRequest r;
    r.url = s_ftp->url("nope.bin").toStdString();
    r.directory = dir.path().toStdString();
    const DownloadId id = engine.add(r);
    ASSERT_TRUE(recorder.waitFinal(id));
    EXPECT_EQ(recorder.last(id).state, DownloadState::Failed);
    EXPECT_EQ(recorder.last(id).error, ErrorCode::NotFound);
    EXPECT_TRUE(QDir(dir.path()).entryList(QDir::Files).isEmpty());
}

} // namespace
