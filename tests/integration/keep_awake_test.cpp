// KeepAwake against a real Session and a real nginx, with a fake SleepInhibitor that counts:
// held while bytes flow, let go when they stop (completed, paused, Session shut down or gone),
// never asked with Interface.KeepAwake off.
#include "core/config/Config.h"
#include "session/KeepAwake.h"
#include "session/Session.h"
#include "session/SleepInhibitor.h"
#include "support/TestServers.h"

#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <memory>

using namespace maria2;

namespace {

struct InhibitorLog {
    int acquires = 0;
    int releases = 0;
    bool held = false;
    std::string reason;
};

class FakeInhibitor final : public SleepInhibitor {
public:
    explicit FakeInhibitor(std::shared_ptr<InhibitorLog> log)
        : m_log(std::move(log)) {}
    // Deliberately does not release by itself: KeepAwake must.
    bool acquire(const std::string& reason) override {
        ++m_log->acquires;
        m_log->held = true;
        m_log->reason = reason;
        return true;
    }
    void release() override {
        ++m_log->releases;
        m_log->held = false;
    }
    bool held() const override { return m_log->held; }

private:
    std::shared_ptr<InhibitorLog> m_log;
};

class KeepAwakeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        // At /slow/ (256 KiB/s per connection, one connection) this takes a few seconds.
        ASSERT_FALSE(
            test::writeRandomFile(s_nginx->docRoot() + "/awake.bin", 1024 * 1024, 17).isEmpty());
        ASSERT_FALSE(
            test::writeRandomFile(s_nginx->docRoot() + "/short.bin", 512 * 1024, 18).isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0;
        m_config.download.directory = m_dir.path().toStdString();
        m_config.ui.progressIntervalMs = 100;
        m_config.monitor.sampleIntervalMs = 200;
        m_config.performance.cpuUsagePercent = 100; // the governor stays out of it
        m_config.performance.memoryUsagePercent = 100;
        m_config.logging.level = "off";
    }

    static DownloadRequest slowRequest(const char* name) {
        DownloadRequest r;
        r.url = s_nginx->httpUrl(QStringLiteral("/slow/") + QLatin1String(name)).toStdString();
        r.split = 1; // one connection at the server's 256 KiB/s: seconds of flowing bytes
        return r;
    }

    std::unique_ptr<KeepAwake> keepAwake(Session& session, int releaseDelayMs = 0) {
        auto k = std::make_unique<KeepAwake>(&session, std::make_unique<FakeInhibitor>(m_log));
        k->setReleaseDelayMs(releaseDelayMs);
        return k;
    }

    bool waitForState(Session& session, DownloadId id, DownloadState state, int ms = 30000) {
        return test::waitFor([&] { return session.download(id).state == state; }, ms);
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    QTemporaryDir m_dir;
    Config m_config;
    std::shared_ptr<InhibitorLog> m_log = std::make_shared<InhibitorLog>();
};

std::unique_ptr<test::NginxServer> KeepAwakeTest::s_nginx;

TEST_F(KeepAwakeTest, HeldWhileBytesFlowAndReleasedWhenTheDownloadCompletes) {
    Session session(m_config);
    const auto awake = keepAwake(session);
    EXPECT_EQ(m_log->acquires, 0); // nothing runs yet

    const DownloadId id = session.add(slowRequest("awake.bin"));
    ASSERT_TRUE(test::waitFor([&] { return m_log->held; }, 30000))
        << "never acquired; state " << toString(session.download(id).state);
    EXPECT_TRUE(awake->holding());
    EXPECT_FALSE(m_log->reason.empty());
    const DownloadSnapshot whileHeld = session.download(id);
    EXPECT_EQ(whileHeld.state, DownloadState::Downloading);

    ASSERT_TRUE(waitForState(session, id, DownloadState::Completed, 60000))
        << toString(session.download(id).state) << " " << session.download(id).errorMessage;
    ASSERT_TRUE(test::waitFor([&] { return !m_log->held; }, 10000));
    EXPECT_FALSE(awake->holding());
    EXPECT_GE(m_log->acquires, 1);
    EXPECT_EQ(m_log->acquires, m_log->releases); // every acquire given back, nothing extra
    session.shutdown();
}

TEST_F(KeepAwakeTest, ReleasedWhenTheDownloadIsPaused) {
    Session session(m_config);
    const auto awake = keepAwake(session);
    const DownloadId id = session.add(slowRequest("awake.bin"));
    ASSERT_TRUE(test::waitFor([&] { return m_log->held; }, 30000));

    session.pause(id);
    ASSERT_TRUE(waitForState(session, id, DownloadState::Paused));
    ASSERT_TRUE(test::waitFor([&] { return !m_log->held; }, 10000));
    EXPECT_EQ(m_log->acquires, 1);
    EXPECT_EQ(m_log->releases, 1);

    // Going on takes it again.
    session.resume(id);
    ASSERT_TRUE(test::waitFor([&] { return m_log->held; }, 30000));
    EXPECT_EQ(m_log->acquires, 2);
    session.shutdown();
}

TEST_F(KeepAwakeTest, ReleasedWhenTheSessionShutsDown) {
    Session session(m_config);
    const auto awake = keepAwake(session);
    const DownloadId id = session.add(slowRequest("awake.bin"));
    ASSERT_TRUE(test::waitFor([&] { return m_log->held; }, 30000));

    session.shutdown(); // transfers stop; their Paused states follow
    ASSERT_TRUE(test::waitFor([&] { return !m_log->held; }, 10000))
        << toString(session.download(id).state);
    EXPECT_EQ(m_log->releases, 1);
}

TEST_F(KeepAwakeTest, AShortGapIsBridgedButStopAndDestructionAlwaysRelease) {
    {
        Session session(m_config);
        // Let go only a minute after the bytes stop: a pause is bridged ...
        const auto awake = keepAwake(session, 60000);
        const DownloadId id = session.add(slowRequest("awake.bin"));
        ASSERT_TRUE(test::waitFor([&] { return m_log->held; }, 30000));
        session.pause(id);
        ASSERT_TRUE(waitForState(session, id, DownloadState::Paused));
        EXPECT_TRUE(m_log->held);
        EXPECT_EQ(m_log->releases, 0);
        // ... but quitting does not wait for it.
        awake->stop();
        EXPECT_FALSE(m_log->held);
        EXPECT_EQ(m_log->releases, 1);
        session.shutdown();
    }
    {
        m_log = std::make_shared<InhibitorLog>();
        Session session(m_config);
        auto awake = keepAwake(session, 60000);
        session.add(slowRequest("awake.bin"));
        ASSERT_TRUE(test::waitFor([&] { return m_log->held; }, 30000));
        awake.reset(); // destroyed while bytes flow
        EXPECT_FALSE(m_log->held);
        EXPECT_EQ(m_log->releases, 1);
        session.shutdown();
    }
}

TEST_F(KeepAwakeTest, ReleasedWhenTheSessionGoesAway) {
    auto session = std::make_unique<Session>(m_config);
    const auto awake = keepAwake(*session, 60000);
    session->add(slowRequest("awake.bin"));
    ASSERT_TRUE(test::waitFor([&] { return m_log->held; }, 30000));
    session.reset();
    EXPECT_FALSE(m_log->held);
    EXPECT_FALSE(awake->holding());
}

TEST_F(KeepAwakeTest, NeverAcquiredWithKeepAwakeOff) {
    m_config.ui.keepAwake = false;
    Session session(m_config);
    const auto awake = keepAwake(session);
    int flowing = 0; // snapshots that would have taken it, had the option been on
    QObject::connect(
        &session, &Session::progress, &session, [&flowing](const QList<DownloadSnapshot>& batch) {
            for (const auto& s : batch) {
                flowing += s.state == DownloadState::Downloading && s.speedBytesPerSec > 0 ? 1 : 0;
            }
        });
    const DownloadId id = session.add(slowRequest("short.bin"));
    ASSERT_TRUE(waitForState(session, id, DownloadState::Completed, 60000))
        << toString(session.download(id).state);
    EXPECT_GT(flowing, 0);
    EXPECT_EQ(m_log->acquires, 0);
    EXPECT_FALSE(awake->holding());
    session.shutdown();
}

} // namespace
