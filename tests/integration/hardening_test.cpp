// Issue 15's engine findings, each against a real server: a 416 inside the announced size, `-c`
// on a file another tool left, links planted in the download folder, names too long for their
// control file, a control file that cannot be saved, and one name wanted by downloads on two
// engines of the pool.
#include "EngineRecorder.h"
#include "EngineTestConfig.h"
#include "core/config/Config.h"
#include "core/engine/Engine.h"
#include "core/io/ControlFile.h"
#include "core/pool/EnginePool.h"
#include "session/QtDigest.h"
#include "support/FaultServer.h"
#include "support/TestServers.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

#ifdef __linux__
#include <sys/xattr.h>
#endif

using namespace maria2;
using maria2::test::EngineRecorder;
using maria2::test::FaultServer;
namespace fs = std::filesystem;

namespace {

constexpr qint64 MiB = 1024 * 1024;

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

class HardeningTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_server = std::make_unique<FaultServer>();
        QString error;
        ASSERT_TRUE(s_server->start(&error)) << error.toStdString();
    }
    static void TearDownTestSuite() { s_server.reset(); }

    void SetUp() override {
        ASSERT_TRUE(s_server->isRunning());
        ASSERT_TRUE(m_dir.isValid());
        ASSERT_TRUE(s_server->resetCounters());
        s_server->clearRequests();
        m_config = test::engineTestConfig(m_dir.path());
        m_config.download.controlSaveIntervalMs = 200;
    }

    Engine& engine() {
        if (!m_engine) {
            m_engine = std::make_unique<Engine>(m_config, m_recorder);
            m_engine->start();
        }
        return *m_engine;
    }

    DownloadRequest request(const QString& pathAndQuery, const QString& name) const {
        DownloadRequest r;
        r.url = s_server->url(pathAndQuery).toStdString();
        r.directory = m_dir.path().toStdString();
        r.fileName = name.toStdString();
        r.split = 4;
        r.minSplitSize = 256 * 1024;
        r.continuePartial = true;
        return r;
    }

    static QString source(const QString& name) { return s_server->root() + "/" + name; }
    QString path(const QString& name) const { return m_dir.path() + "/" + name; }
    QStringList files() const { return QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden); }

    // Status and Range header of every GET of one URL path, oldest first, once `count` are in.
    QList<QJsonObject> gets(const QString& urlPath, int count) const {
        QList<QJsonObject> out;
        test::waitFor(
            [&] {
                out.clear();
                for (const QJsonObject& e : s_server->requests(urlPath)) {
                    if (e.value("method").toString() == QLatin1String("GET")) {
                        out.append(e);
                    }
                }
                return out.size() >= count;
            },
            10000);
        return out;
    }

    DownloadSnapshot finish(DownloadId id) {
        EXPECT_TRUE(m_recorder.waitFinal(id));
        return m_recorder.last(id);
    }

    static std::unique_ptr<FaultServer> s_server;
    QTemporaryDir m_dir;
    Config m_config;
    EngineRecorder m_recorder;
    std::unique_ptr<Engine> m_engine; // last: stopped before the recorder goes
};

std::unique_ptr<FaultServer> HardeningTest::s_server;

// ---- 416 --------------------------------------------------------------------------------

TEST_F(HardeningTest, A416InsideTheAnnouncedSizeStartsOverOnceWithoutRanges) {
    const QString sha = test::writeRandomFile(source("r416.bin"), 2 * MiB, 71);
    // A partial left by an earlier run: its first MiB, no control file.
    ASSERT_TRUE(writeAll(path("r416.bin.part"), readAll(source("r416.bin")).left(MiB)));
    const DownloadId id = engine().add(request("refuse-range/r416.bin", "r416.bin"));
    const DownloadSnapshot s = finish(id);
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("r416.bin")), sha);
    EXPECT_EQ(files(), QStringList{"r416.bin"});
    // One refused resume, then one whole file without a Range: no loop of retries.
    const auto log = gets("/refuse-range/r416.bin", 2);
    ASSERT_EQ(log.size(), 2);
    EXPECT_EQ(log[0].value("status").toInt(), 416);
    EXPECT_EQ(log[1].value("status").toInt(), 200);
    EXPECT_TRUE(log[1].value("range").toString().isEmpty())
        << log[1].value("range").toString().toStdString();
}

// ---- numbers from the network ----------------------------------------------------------

// A server announcing 2^63-1 bytes: the connection count (pieces of at least minSplit bytes,
// rounded up) and every offset must stay in range; UBSan in CI aborts on an overflow. The
// download fails saying why, in bounded time, and leaves no file claiming to be it.
TEST_F(HardeningTest, ASizeNearInt64MaxFailsCleanlyWithoutOverflow) {
    m_config.download.preallocate = false; // else the free-space check refuses it at once
    m_config.retry.maxTries = 2;
    DownloadRequest r = request("huge-length/huge.bin", "huge.bin");
    r.split = 8;
    r.minSplitSize = MiB; // pieces rounded up: INT64_MAX + MiB - 1 used to overflow
    const DownloadId id = engine().add(r);
    const DownloadSnapshot s = finish(id);
    EXPECT_EQ(s.state, DownloadState::Failed);
    EXPECT_FALSE(s.errorMessage.empty());
    EXPECT_EQ(s.totalBytes, std::numeric_limits<std::int64_t>::max());
    EXPECT_FALSE(QFile::exists(path("huge.bin")));
    EXPECT_FALSE(gets("/huge-length/huge.bin", 1).isEmpty());
}

TEST_F(HardeningTest, A416ThatProvesThePartIsCompleteCompletesIt) {
    const QString sha = test::writeRandomFile(source("done416.bin"), MiB + 5, 72);
    // Every byte is in the part already (a run killed between its last byte and its rename).
    ASSERT_TRUE(writeAll(path("done416.bin.part"), readAll(source("done416.bin"))));
    const DownloadId id = engine().add(request("done416.bin", "done416.bin"));
    const DownloadSnapshot s = finish(id);
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("done416.bin")), sha);
    EXPECT_EQ(files(), QStringList{"done416.bin"});
    const auto log = gets("/done416.bin", 1);
    ASSERT_EQ(log.size(), 1);
    EXPECT_EQ(log[0].value("status").toInt(), 416);
}

TEST_F(HardeningTest, APartLongerThanTheServersFileIsNotTakenForIt) {
    const QString sha = test::writeRandomFile(source("short416.bin"), MiB, 73);
    // Longer than the file: some other file, not a prefix of this one.
    QByteArray other = readAll(source("short416.bin"));
    other.append(QByteArray(4096, 'x'));
    ASSERT_TRUE(writeAll(path("short416.bin.part"), other));
    const DownloadId id = engine().add(request("short416.bin", "short416.bin"));
    const DownloadSnapshot s = finish(id);
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("short416.bin")), sha);
}

// ---- -c on a file another tool left ------------------------------------------------------

TEST_F(HardeningTest, ContinueTakesAnExistingFileAsItsPrefix) {
    const QString sha = test::writeRandomFile(source("prefix.bin"), 3 * MiB, 74);
    ASSERT_TRUE(writeAll(path("prefix.bin"), readAll(source("prefix.bin")).left(MiB)));
    DownloadRequest r = request("prefix.bin", "prefix.bin");
    r.continueExistingFile = true;
    const DownloadSnapshot s = finish(engine().add(r));
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("prefix.bin")), sha);
    EXPECT_EQ(files(), QStringList{"prefix.bin"});
    // Only the missing bytes were fetched.
    qint64 sent = 0;
    for (const auto& e : gets("/prefix.bin", 1)) {
        sent += e.value("sent").toInteger();
    }
    EXPECT_EQ(sent, 2 * MiB);
}

TEST_F(HardeningTest, ContinueAgainstAServerIgnoringRangesRewritesTheSameName) {
    const QString sha = test::writeRandomFile(source("ignored.bin"), 2 * MiB, 75);
    ASSERT_TRUE(writeAll(path("ignored.bin"), QByteArray(MiB, static_cast<char>(0xEE))));
    DownloadRequest r = request("ignore-range/ignored.bin", "ignored.bin");
    r.continueExistingFile = true;
    const DownloadSnapshot s = finish(engine().add(r));
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    // The requested name holds the right bytes; no "ignored (1).bin" beside wrong ones.
    EXPECT_EQ(test::sha256OfFile(path("ignored.bin")), sha);
    EXPECT_EQ(files(), QStringList{"ignored.bin"});
}

TEST_F(HardeningTest, WithoutContinueAnExistingFileIsNeverTouched) {
    const QString sha = test::writeRandomFile(source("keep.bin"), MiB, 76);
    const QByteArray mine(1000, 'm');
    ASSERT_TRUE(writeAll(path("keep.bin"), mine));
    const DownloadSnapshot s = finish(engine().add(request("keep.bin", "keep.bin")));
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(readAll(path("keep.bin")), mine);
    EXPECT_EQ(test::sha256OfFile(path("keep (1).bin")), sha);
}

// ---- a folder others can write to --------------------------------------------------------

TEST_F(HardeningTest, ALinkPlantedAsThePartFileIsNeverFollowed) {
    const QString sha = test::writeRandomFile(source("planted.bin"), MiB, 77);
    QTemporaryDir outside;
    ASSERT_TRUE(outside.isValid());
    const fs::path target = fs::path(outside.path().toStdString()) / "created-outside";
    fs::create_symlink(target, path("planted.bin.part").toStdString());
    const DownloadSnapshot s = finish(engine().add(request("planted.bin", "planted.bin")));
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_FALSE(fs::exists(fs::symlink_status(target))) << "wrote through the planted link";
    EXPECT_EQ(test::sha256OfFile(path("planted (1).bin")), sha);
    EXPECT_TRUE(fs::is_symlink(path("planted.bin.part").toStdString()));
}

TEST_F(HardeningTest, ALinkToAFileElsewhereIsNeitherResumedNorTruncated) {
    test::writeRandomFile(source("linked.bin"), MiB, 78);
    QTemporaryDir outside;
    ASSERT_TRUE(outside.isValid());
    const QString victim = outside.path() + "/victim";
    ASSERT_TRUE(writeAll(victim, QByteArray("precious")));
    fs::create_symlink(victim.toStdString(), path("linked.bin.part").toStdString());
    const DownloadSnapshot s = finish(engine().add(request("linked.bin", "linked.bin")));
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(readAll(victim), QByteArray("precious"));
    EXPECT_TRUE(QFile::exists(path("linked (1).bin")));
}

// ---- names and control files -------------------------------------------------------------

TEST_F(HardeningTest, ALongNameStillHasItsControlFileAndResumes) {
    test::writeRandomFile(source("long.bin"), 4 * MiB, 79);
    const QString longName = QString(300, QLatin1Char('n')) + ".bin";
    DownloadRequest r = request("slow/long.bin?rate=1048576", longName);
    const DownloadId id = engine().add(r);
    // Segmented from the start: the control file must exist before anything but a prefix is.
    bool sawControl = false;
    ASSERT_TRUE(test::waitFor(
        [&] {
            for (const QString& f : files()) {
                sawControl = sawControl || f.endsWith(".part.maria2");
            }
            return sawControl || isFinal(m_recorder.last(id).state);
        },
        30000));
    EXPECT_TRUE(sawControl);
    const DownloadSnapshot s = finish(id);
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_LE(s.fileName.size(), 236u);
}

TEST_F(HardeningTest, AControlFileThatCannotBeSavedFailsTheDownloadClearly) {
    test::writeRandomFile(source("nosave.bin"), 4 * MiB, 80);
    // A folder where the control file must go: every save fails.
    ASSERT_TRUE(QDir().mkpath(path("nosave.bin.part.maria2")));
    const DownloadSnapshot s =
        finish(engine().add(request("slow/nosave.bin?rate=1048576", "nosave.bin")));
    ASSERT_EQ(s.state, DownloadState::Failed);
    EXPECT_NE(s.errorMessage.find("cannot save resume data"), std::string::npos) << s.errorMessage;
    EXPECT_FALSE(QFile::exists(path("nosave.bin")));
}

TEST_F(HardeningTest, OneNameWantedOnTwoEnginesGivesTwoFiles) {
    const QString sha = test::writeRandomFile(source("same.bin"), 2 * MiB, 81);
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    pool.start();
    DownloadRequest a = request("slow/same.bin?rate=2097152", "same.bin");
    DownloadRequest b = a;
    a.engine = "segmented";
    b.engine = "bulk";
    const DownloadId ia = pool.add(a);
    const DownloadId ib = pool.add(b);
    ASSERT_TRUE(m_recorder.waitFinal(ia));
    ASSERT_TRUE(m_recorder.waitFinal(ib));
    ASSERT_EQ(m_recorder.last(ia).state, DownloadState::Completed)
        << m_recorder.last(ia).errorMessage;
    ASSERT_EQ(m_recorder.last(ib).state, DownloadState::Completed)
        << m_recorder.last(ib).errorMessage;
    EXPECT_NE(m_recorder.last(ia).filePath, m_recorder.last(ib).filePath);
    EXPECT_EQ(test::sha256OfFile(path("same.bin")), sha);
    EXPECT_EQ(test::sha256OfFile(path("same (1).bin")), sha);
    pool.stop();
}

// ---- what follows a redirect -------------------------------------------------------------

TEST_F(HardeningTest, ADownloadsOwnHeadersStayWithItsHost) {
    const QString sha = test::writeRandomFile(source("hdr.bin"), MiB, 82);
    DownloadRequest r = request("redirect-host/hdr.bin?to=localhost", "hdr.bin");
    r.headers = {"X-Download-Token: tok-99"};
    const DownloadSnapshot s = finish(engine().add(r));
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("hdr.bin")), sha);
    const auto first = gets("/redirect-host/hdr.bin", 1);
    ASSERT_FALSE(first.isEmpty());
    EXPECT_EQ(first[0]["headers"].toObject()["x-download-token"].toString(), "tok-99");
    const auto second = gets("/hdr.bin", 1);
    ASSERT_FALSE(second.isEmpty());
    EXPECT_TRUE(second[0]["host"].toString().startsWith("localhost:"));
    for (const auto& e : second) {
        EXPECT_FALSE(e["headers"].toObject().contains("x-download-token"));
    }
}

// ---- where a file came from -------------------------------------------------------------

#ifdef __linux__
TEST_F(HardeningTest, AFinishedFileRecordsItsOriginWithoutSecrets) {
    // Only where the file system keeps user attributes (not every tmpfs does).
    const std::string probe = path("probe").toStdString();
    ASSERT_TRUE(writeAll(path("probe"), "p"));
    if (::setxattr(probe.c_str(), "user.maria2.probe", "1", 1, 0) != 0) {
        GTEST_SKIP() << "the test folder's file system keeps no user attributes";
    }
    QFile::remove(path("probe"));
    test::writeRandomFile(source("origin.bin"), 64 * 1024, 83);
    DownloadRequest r = request("origin.bin?token=s3cr3t", "origin.bin");
    r.referer = "https://referrer.example/page?session=abc";
    const DownloadSnapshot s = finish(engine().add(r));
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    char value[512] = {};
    const ssize_t n = ::getxattr(path("origin.bin").toStdString().c_str(), "user.xdg.origin.url",
                                 value, sizeof(value) - 1);
    ASSERT_GT(n, 0) << std::strerror(errno);
    EXPECT_EQ(std::string(value, static_cast<std::size_t>(n)),
              s_server->url("origin.bin").toStdString());
    const ssize_t m = ::getxattr(path("origin.bin").toStdString().c_str(), "user.xdg.referrer.url",
                                 value, sizeof(value) - 1);
    ASSERT_GT(m, 0);
    EXPECT_EQ(std::string(value, static_cast<std::size_t>(m)), "https://referrer.example/page");
}
#endif

} // namespace
