// QueueFinishedWatch against a real Session and a real nginx: "the queue has finished" once
// every download that ran has ended - once per run of the queue - and not when downloads were
// merely paused, stopped by a shutdown, or when Interface.WhenQueueFinishes says "nothing".
#include "core/config/Config.h"
#include "session/QueueFinishedWatch.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace maria2;

namespace {

class QueueFinishedTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        ASSERT_FALSE(
            test::writeRandomFile(s_nginx->docRoot() + "/done.bin", 128 * 1024, 31).isEmpty());
        ASSERT_FALSE(
            test::writeRandomFile(s_nginx->docRoot() + "/long.bin", 4 * 1024 * 1024, 32).isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0;
        m_config.download.directory = m_dir.path().toStdString();
        m_config.ui.progressIntervalMs = 100;
        m_config.monitor.sampleIntervalMs = 200;
        m_config.performance.cpuUsagePercent = 100;
        m_config.performance.memoryUsagePercent = 100;
        m_config.logging.level = "off";
        m_config.queue.retries = 0; // a 404 fails at once
        m_config.retry.maxTries = 1;
        m_config.ui.whenQueueFinishes = "sleep";
    }

    // Counts what the watch and the Session say.
    void watch(Session& session, QueueFinishedWatch& w) {
        QObject::connect(&w, &QueueFinishedWatch::queueFinished, &w,
                         [this](PowerKind kind) { m_finished.push_back(kind); });
        QObject::connect(&w, &QueueFinishedWatch::queueBusyAgain, &w, [this] { ++m_busyAgain; });
        QObject::connect(&session, &Session::idle, &w, [this] { ++m_idle; });
    }

    static DownloadRequest request(const QString& path, const QString& fileName = {}) {
        DownloadRequest r;
        r.url = s_nginx->httpUrl(path).toStdString();
        r.fileName = fileName.toStdString();
        return r;
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    QTemporaryDir m_dir;
    Config m_config;
    std::vector<PowerKind> m_finished;
    int m_busyAgain = 0;
    int m_idle = 0;
};

std::unique_ptr<test::NginxServer> QueueFinishedTest::s_nginx;

TEST_F(QueueFinishedTest, AnnouncedOnceWhenEveryDownloadHasEndedAndAgainAfterTheNextRun) {
    Session session(m_config);
    QueueFinishedWatch w(&session);
    watch(session, w);

    const DownloadId done = session.add(request("/done.bin"));
    const DownloadId missing = session.add(request("/status/404/gone.bin"));
    ASSERT_TRUE(test::waitFor([&] { return !m_finished.empty(); }, 60000))
        << toString(session.download(done).state) << " / "
        << toString(session.download(missing).state);
    EXPECT_EQ(session.download(done).state, DownloadState::Completed);
    EXPECT_EQ(session.download(missing).state, DownloadState::Failed); // ended too
    ASSERT_EQ(m_finished.size(), 1u);
    EXPECT_EQ(m_finished.front(), PowerKind::Sleep);
    EXPECT_EQ(m_busyAgain, 0);
    const int idleAfterFirst = m_idle;
    EXPECT_GE(idleAfterFirst, 1);

    // The next run of the queue: busy again first, then one more announcement.
    const DownloadId again = session.add(request("/done.bin", "again.bin"));
    ASSERT_TRUE(test::waitFor([&] { return m_finished.size() == 2; }, 60000))
        << toString(session.download(again).state);
    EXPECT_EQ(m_busyAgain, 1);
    EXPECT_GT(m_idle, idleAfterFirst);
    EXPECT_EQ(session.download(again).state, DownloadState::Completed);
    session.shutdown();
}

TEST_F(QueueFinishedTest, ShutdownIsTheOtherChoice) {
    m_config.ui.whenQueueFinishes = "shutdown";
    Session session(m_config);
    QueueFinishedWatch w(&session);
    watch(session, w);
    session.add(request("/done.bin"));
    ASSERT_TRUE(test::waitFor([&] { return !m_finished.empty(); }, 60000));
    EXPECT_EQ(m_finished.front(), PowerKind::Shutdown);
    session.shutdown();
}

TEST_F(QueueFinishedTest, NotWhenTheDownloadsWereOnlyPaused) {
    Session session(m_config);
    QueueFinishedWatch w(&session);
    watch(session, w);
    const DownloadId id = session.add(request("/slow/long.bin"));
    ASSERT_TRUE(test::waitFor(
        [&] { return session.download(id).state == DownloadState::Downloading; }, 30000));
    session.pause(id);
    // Paused: nothing runs, so the Session is idle - but the queue is not finished.
    ASSERT_TRUE(test::waitFor([&] { return m_idle > 0; }, 30000))
        << toString(session.download(id).state);
    EXPECT_EQ(session.download(id).state, DownloadState::Paused);
    EXPECT_TRUE(m_finished.empty());
    session.shutdown();
}

TEST_F(QueueFinishedTest, NotWhenTheSessionShutsDown) {
    Session session(m_config);
    QueueFinishedWatch w(&session);
    watch(session, w);
    const DownloadId id = session.add(request("/slow/long.bin"));
    ASSERT_TRUE(test::waitFor(
        [&] { return session.download(id).state == DownloadState::Downloading; }, 30000));
    session.shutdown();
    ASSERT_TRUE(
        test::waitFor([&] { return session.download(id).state == DownloadState::Paused; }, 30000));
    EXPECT_TRUE(m_finished.empty());
}

TEST_F(QueueFinishedTest, NothingWhenTheConfigSaysNothing) {
    m_config.ui.whenQueueFinishes = "nothing";
    Session session(m_config);
    QueueFinishedWatch w(&session);
    watch(session, w);
    const DownloadId id = session.add(request("/done.bin"));
    ASSERT_TRUE(test::waitFor([&] { return m_idle > 0; }, 60000));
    EXPECT_EQ(session.download(id).state, DownloadState::Completed);
    EXPECT_TRUE(m_finished.empty());
    session.shutdown();
}

TEST(PowerKindTest, ReadsTheConfigValues) {
    EXPECT_EQ(powerKindFromConfig("sleep"), PowerKind::Sleep);
    EXPECT_EQ(powerKindFromConfig("shutdown"), PowerKind::Shutdown);
    EXPECT_FALSE(powerKindFromConfig("nothing").has_value());
    EXPECT_FALSE(powerKindFromConfig("").has_value());
    EXPECT_STREQ(toString(PowerKind::Sleep), "sleep");
    EXPECT_STREQ(toString(PowerKind::Shutdown), "shutdown");
}

} // namespace
