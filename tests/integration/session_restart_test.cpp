// Session::restart against the real nginx: a running, a paused and a completed download start
// over from the first byte under the same id and queue place, and end as one file of the right
// content under the name they had (no "NAME (1)", no leftover part file).
#include "core/config/Config.h"
#include "core/io/ControlFile.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace maria2;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 kBigSize = 3 * 1024 * KiB + 17;

class SessionRestartTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_bigSha = test::writeRandomFile(s_nginx->docRoot() + "/restart.bin", kBigSize, 91);
        ASSERT_FALSE(s_bigSha.isEmpty());
        s_smallSha = test::writeRandomFile(s_nginx->docRoot() + "/small.bin", 200 * KiB + 3, 92);
        ASSERT_FALSE(s_smallSha.isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0;
        m_config.download.directory = downloads().toStdString();
        m_config.ui.progressIntervalMs = 100;
        m_config.monitor.sampleIntervalMs = 200;
        m_config.performance.cpuUsagePercent = 100; // the governor stays out of it
        m_config.performance.memoryUsagePercent = 100;
        m_config.logging.toFile = false;
        m_config.logging.level = "off";
    }

    QString downloads() const { return m_dir.path() + "/downloads"; }
    QStringList filesInDownloads() const {
        return QDir(downloads()).entryList(QDir::Files | QDir::Hidden, QDir::Name);
    }
    static DownloadRequest request(const QString& file, const QString& name) {
        DownloadRequest r;
        r.url = s_nginx->httpUrl(file).toStdString();
        r.fileName = name.toStdString();
        return r;
    }
    static QString sha(const DownloadSnapshot& s) {
        return test::sha256OfFile(QString::fromStdString(s.filePath));
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_bigSha;
    static QString s_smallSha;
    QTemporaryDir m_dir;
    Config m_config;
};

std::unique_ptr<test::NginxServer> SessionRestartTest::s_nginx;
QString SessionRestartTest::s_bigSha;
QString SessionRestartTest::s_smallSha;

} // namespace

TEST_F(SessionRestartTest, ARunningDownloadStartsOverFromZeroUnderTheSameIdAndPlace) {
    Session session(m_config);
    session.setSpeedLimit(384 * KiB); // slow enough to restart it half way
    DownloadRequest paused = request("small.bin", "first.bin");
    paused.startPaused = true;
    const DownloadId first = session.add(paused);
    const DownloadId id = session.add(request("restart.bin", "restart.bin"));
    paused.fileName = "last.bin";
    const DownloadId last = session.add(paused);
    const QList<DownloadId> order{first, id, last};
    ASSERT_EQ(session.queueOrder(), order);

    ASSERT_TRUE(test::waitFor([&] { return session.download(id).doneBytes >= 512 * KiB; }, 20000))
        << session.download(id).doneBytes;
    const std::int64_t doneBefore = session.download(id).doneBytes;
    const std::string pathBefore = session.download(id).filePath;
    ASSERT_FALSE(pathBefore.empty());

    session.restart(id);
    // At once: the same id and place, nothing done.
    EXPECT_EQ(session.queueOrder(), order);
    EXPECT_EQ(session.downloads().size(), 3);
    EXPECT_EQ(session.download(id).id, id);
    EXPECT_EQ(session.download(id).doneBytes, 0);
    EXPECT_EQ(session.download(id).state, DownloadState::Queued);

    // What the engine reports from now on: the first bytes of the new run, not the old ones.
    std::vector<DownloadSnapshot> after;
    QObject::connect(&session, &Session::downloadStateChanged, [&](const DownloadSnapshot& s) {
        if (s.id == id)
            after.push_back(s);
    });
    QObject::connect(&session, &Session::progress, [&](const QList<DownloadSnapshot>& batch) {
        for (const DownloadSnapshot& s : batch)
            if (s.id == id)
                after.push_back(s);
    });
    ASSERT_TRUE(test::waitFor(
        [&] {
            for (const DownloadSnapshot& s : after)
                if (s.state == DownloadState::Downloading)
                    return true;
            return false;
        },
        20000));
    for (const DownloadSnapshot& s : after) {
        if (s.state == DownloadState::Downloading) {
            EXPECT_LT(s.doneBytes, doneBefore / 2) << "resumed instead of starting over";
            break;
        }
    }

    session.setSpeedLimit(0);
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(id).state); }, 30000));
    const DownloadSnapshot done = session.download(id);
    ASSERT_EQ(done.state, DownloadState::Completed) << done.errorMessage;
    EXPECT_EQ(done.filePath, pathBefore); // the same name, not "restart (1).bin"
    EXPECT_EQ(sha(done), s_bigSha);
    EXPECT_EQ(filesInDownloads(), QStringList{QStringLiteral("restart.bin")});
    EXPECT_EQ(session.queueOrder(), order);
    EXPECT_EQ(session.download(first).state, DownloadState::Paused);
    EXPECT_EQ(session.download(last).state, DownloadState::Paused);
    session.shutdown();
}

TEST_F(SessionRestartTest, APausedDownloadLosesItsPartFileAndRunsAgain) {
    const QString database = m_dir.path() + "/state/maria2.sqlite";
    Session session(m_config, SessionOptions{database});
    session.setSpeedLimit(256 * KiB);
    const DownloadId id = session.add(request("restart.bin", "paused.bin"));
    ASSERT_TRUE(test::waitFor([&] { return session.download(id).doneBytes >= 256 * KiB; }, 20000));
    session.pause(id);
    ASSERT_TRUE(
        test::waitFor([&] { return session.download(id).state == DownloadState::Paused; }, 10000));
    const QString part = QString::fromStdString(
        io::partPathFor(std::filesystem::path(session.download(id).filePath)).string());
    ASSERT_TRUE(QFile::exists(part)) << part.toStdString();

    int queued = 0;
    QObject::connect(&session, &Session::downloadStateChanged, [&](const DownloadSnapshot& s) {
        queued += s.id == id && s.state == DownloadState::Queued ? 1 : 0;
    });
    session.restart(id);
    EXPECT_EQ(queued, 1); // announced at once
    session.setSpeedLimit(0);
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(id).state); }, 30000));
    ASSERT_EQ(session.download(id).state, DownloadState::Completed)
        << session.download(id).errorMessage;
    EXPECT_EQ(sha(session.download(id)), s_bigSha);
    EXPECT_FALSE(QFile::exists(part));
    EXPECT_EQ(filesInDownloads(), QStringList{QStringLiteral("paused.bin")});
    session.shutdown();

    // The database has it as completed, under the same name.
    Session again(m_config, SessionOptions{database});
    ASSERT_EQ(again.downloads().size(), 1);
    EXPECT_EQ(again.downloads().first().state, DownloadState::Completed);
    EXPECT_EQ(QString::fromStdString(again.downloads().first().fileName),
              QStringLiteral("paused.bin"));
    again.shutdown();
}

TEST_F(SessionRestartTest, ACompletedDownloadIsFetchedAgainAndReplacesItsFile) {
    Session session(m_config);
    const DownloadId id = session.add(request("small.bin", "again.bin"));
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(id).state); }, 20000));
    ASSERT_EQ(session.download(id).state, DownloadState::Completed);
    const QString path = QString::fromStdString(session.download(id).filePath);
    ASSERT_EQ(test::sha256OfFile(path), s_smallSha);

    // Spoiled on disk: the person restarts it to get a good copy.
    QFile spoiled(path);
    ASSERT_TRUE(spoiled.open(QIODevice::WriteOnly | QIODevice::Truncate));
    spoiled.write("not the file");
    spoiled.close();
    ASSERT_NE(test::sha256OfFile(path), s_smallSha);

    s_nginx->clearAccessLog();
    session.restart(id);
    EXPECT_EQ(session.download(id).state, DownloadState::Queued);
    ASSERT_TRUE(test::waitFor(
        [&] {
            const DownloadSnapshot s = session.download(id);
            return isFinal(s.state) && test::sha256OfFile(path) == s_smallSha;
        },
        20000))
        << toString(session.download(id).state) << " " << session.download(id).errorMessage;
    EXPECT_EQ(session.download(id).state, DownloadState::Completed);
    EXPECT_EQ(session.download(id).filePath, path.toStdString());
    EXPECT_EQ(filesInDownloads(), QStringList{QStringLiteral("again.bin")});
    EXPECT_EQ(session.downloads().size(), 1);
    EXPECT_TRUE(test::waitFor([&] { return !s_nginx->accessLog().isEmpty(); }, 5000));
    session.shutdown();
}

TEST_F(SessionRestartTest, AnUnknownIdChangesNothing) {
    Session session(m_config);
    int changes = 0;
    QObject::connect(&session, &Session::downloadStateChanged, [&] { ++changes; });
    session.restart(12345);
    EXPECT_EQ(changes, 0);
    EXPECT_TRUE(session.downloads().isEmpty());
    session.shutdown();
}
