// Session::applyConfig against the real nginx: a new configuration from the settings dialog
// takes effect at once where the running parts allow it (speed limit, MaxConcurrentDownloads,
// time windows, the governor's thresholds, the log level); the keys the engines copied at start
// come back as "needs a restart"; configChanged follows. And the user file the dialog writes
// (app::saveUserConfig) reads back to the same configuration.
#include "core/config/Config.h"
#include "core/monitor/ResourceSampler.h"
#include "session/AppSetup.h"
#include "session/Session.h"
#include "session/SessionSettings.h"
#include "support/TestServers.h"

#include <QFile>
#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <ctime>
#include <memory>

using namespace maria2;

namespace {

constexpr std::int64_t KiB = 1024;

// Local wall time on a fixed day (Tuesday 15 January 2030), whatever this machine's zone.
std::time_t tuesdayAt(int hour, int minute) {
    std::tm tm{};
    tm.tm_year = 130;
    tm.tm_mon = 0;
    tm.tm_mday = 15;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_isdst = -1;
    return std::mktime(&tm);
}

// A machine whose CPU use the test sets.
class BusySampler final : public ResourceSampler {
public:
    explicit BusySampler(double cpu)
        : m_cpu(cpu) {}
    ResourceSample sample() override {
        ResourceSample s;
        s.systemCpuPercent = m_cpu;
        s.processCpuPercent = 30; // MAria2's own share: a real part of the load
        s.memoryUsedPercent = 20;
        s.processRssBytes = 64ull << 20;
        return s;
    }
    std::optional<std::uint64_t> freeSpace(const std::filesystem::path& /*path*/) override {
        return 100ull << 30;
    }

private:
    double m_cpu;
};

class SessionSettingsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        ASSERT_FALSE(
            test::writeRandomFile(s_nginx->docRoot() + "/settings.bin", 16 * 1024 * 1024, 91)
                .isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.download.directory = (m_dir.path() + "/downloads").toStdString();
        m_config.ui.progressIntervalMs = 100;
        m_config.monitor.sampleIntervalMs = 200;
        m_config.performance.cpuUsagePercent = 100; // the governor stays out unless a test asks
        m_config.performance.memoryUsagePercent = 100;
        m_config.download.split = 1; // one slow connection each: they stay running
        m_clock = tuesdayAt(12, 0);
    }

    SessionOptions options() {
        SessionOptions o;
        o.wallClock = [this] {
            return m_clock.load();
        };
        return o;
    }

    DownloadRequest request(const QString& tag) const {
        DownloadRequest r;
        r.url = s_nginx->httpUrl("slow/settings.bin?" + tag).toStdString();
        r.fileName = (tag + ".bin").toStdString();
        return r;
    }

    static int running(const Session& session) {
        int n = 0;
        for (const auto& s : session.downloads()) {
            n += isBusy(s.state) ? 1 : 0;
        }
        return n;
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    QTemporaryDir m_dir;
    Config m_config;
    std::atomic<std::time_t> m_clock{0};
};

std::unique_ptr<test::NginxServer> SessionSettingsTest::s_nginx;

TEST_F(SessionSettingsTest, LowersTheSpeedLimitAndConcurrentDownloadsAtOnce) {
    m_config.performance.maxConcurrentDownloads = 3;
    m_config.performance.downloadSpeedLimit = 512 * KiB;
    Session session(m_config, options());
    int changes = 0;
    QObject::connect(&session, &Session::configChanged, [&] {
        ++changes;
        EXPECT_EQ(session.config().performance.maxConcurrentDownloads, 1); // already the new one
    });
    for (const char* tag : {"a", "b", "c"}) {
        session.add(request(tag));
    }
    ASSERT_TRUE(test::waitFor([&] { return running(session) == 3; }, 15000)) << running(session);

    Config next = session.config();
    next.performance.maxConcurrentDownloads = 1;
    next.performance.downloadSpeedLimit = 128 * KiB;
    const QStringList restart = session.applyConfig(next);
    EXPECT_TRUE(restart.isEmpty()) << restart.join(", ").toStdString();
    EXPECT_EQ(changes, 1);
    // The limit is in force the moment applyConfig returns; the extra downloads go back to the
    // queue (bytes kept) rather than finishing.
    EXPECT_EQ(session.speedLimit(), 128 * KiB);
    EXPECT_EQ(session.effectiveSpeedLimit(), 128 * KiB);
    ASSERT_TRUE(test::waitFor([&] { return running(session) == 1; }, 10000)) << running(session);
    int queued = 0;
    for (const auto& s : session.downloads()) {
        queued += s.state == DownloadState::Queued ? 1 : 0;
    }
    EXPECT_EQ(queued, 2);

    // The same configuration again changes nothing and says nothing.
    EXPECT_TRUE(session.applyConfig(session.config()).isEmpty());
    EXPECT_EQ(changes, 1);
    session.shutdown();
}

TEST_F(SessionSettingsTest, NewTimeWindowsApplyAtOnce) {
    m_config.performance.downloadSpeedLimit = 0;
    Session session(m_config, options());
    const DownloadId id = session.add(request("window"));
    ASSERT_TRUE(test::waitFor([&] { return isBusy(session.download(id).state); }, 15000));

    // Noon on a Tuesday: inside this window, whose speed becomes the limit in force.
    Config next = session.config();
    next.queue.timeWindows = "weekdays 09:00-17:00 at 100K";
    EXPECT_TRUE(session.applyConfig(next).isEmpty());
    EXPECT_EQ(session.config().queue.timeWindows, "weekdays 09:00-17:00 at 100K");
    EXPECT_EQ(session.effectiveSpeedLimit(), 100 * KiB);
    EXPECT_EQ(session.speedLimit(), 0);

    // Outside the new window: the running download goes back to the queue and waits for it.
    next.queue.timeWindows = "01:00-07:00";
    EXPECT_TRUE(session.applyConfig(next).isEmpty());
    EXPECT_EQ(session.effectiveSpeedLimit(), 0);
    EXPECT_TRUE(test::waitFor(
        [&] {
            const DownloadSnapshot s = session.download(id);
            return s.state == DownloadState::Queued && s.bottleneck == Bottleneck::WaitingWindow;
        },
        10000))
        << toString(session.download(id).state);
    session.shutdown();
}

TEST_F(SessionSettingsTest, KeysTheEnginesCopiedAtStartNeedARestart) {
    Session session(m_config, options());
    int changes = 0;
    QObject::connect(&session, &Session::configChanged, [&] { ++changes; });
    Config next = session.config();
    next.performance.cacheSizeMb = 16;
    next.network.proxy = "http://user:secret@127.0.0.1:3128";
    next.download.split = 4;
    next.retry.maxTries = 2;
    next.ui.closeToTray = false;        // the GUI reads it on configChanged
    next.queue.maxDownloadsPerHost = 2; // the pool has a setter
    const QStringList restart = session.applyConfig(next);
    EXPECT_EQ(restart, QStringList({"PerformanceSettings.CacheSize", "Download.Split",
                                    "Retry.MaxTries", "Network.Proxy"}));
    EXPECT_EQ(changes, 1);
    // config() is the new configuration, restart keys included: it is what gets saved.
    EXPECT_EQ(ConfigLoader::toJson(session.config()), ConfigLoader::toJson(next));
    EXPECT_EQ(restartNeededKeys(m_config, next), restart);
    EXPECT_EQ(changedConfigKeys(m_config, next).size(), 6);
    session.shutdown();
}

TEST_F(SessionSettingsTest, LowerResourceThresholdsReachTheGovernorAtOnce) {
    m_config.monitor.sampleIntervalMs = 100;
    m_config.monitor.dwellSamples = 2;
    SessionOptions o = options();
    o.samplerFactory = [] {
        return std::make_unique<BusySampler>(80);
    };
    Session session(m_config, o);
    std::atomic<int> samples{0};
    QStringList actions;
    QObject::connect(&session, &Session::metricsUpdated, [&] { ++samples; });
    QObject::connect(&session, &Session::governorAction,
                     [&](const QString& message, bool) { actions << message; });
    // 80% CPU is below the 100% threshold: several samples, no action.
    ASSERT_TRUE(test::waitFor([&] { return samples >= 5; }, 10000));
    EXPECT_TRUE(actions.isEmpty()) << actions.join("; ").toStdString();

    Config next = session.config();
    next.performance.cpuUsagePercent = 50;
    EXPECT_TRUE(session.applyConfig(next).isEmpty());
    ASSERT_TRUE(test::waitFor([&] { return !actions.isEmpty(); }, 10000));
    EXPECT_TRUE(actions.front().startsWith("throttled:")) << actions.front().toStdString();
    EXPECT_TRUE(actions.front().contains("CPU 80% > 50%")) << actions.front().toStdString();
    session.shutdown();
}

TEST_F(SessionSettingsTest, TheLogLevelChangesAtOnce) {
    Session session(m_config, options());
    const auto before = spdlog::default_logger()->level();
    Config next = session.config();
    next.logging.level = "error";
    EXPECT_TRUE(session.applyConfig(next).isEmpty());
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);
    next.logging.level = "info";
    EXPECT_TRUE(session.applyConfig(next).isEmpty());
    EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
    spdlog::default_logger()->set_level(before);
    session.shutdown();
}

TEST_F(SessionSettingsTest, ASavedConfigReadsBackTheSameWithOnlyChangedKeys) {
    const QString path = m_dir.path() + "/conf/maria2.json";
    Config config = ConfigLoader::defaults();
    config.download.directory = app::defaultDownloadDirectory().toStdString(); // as loaded
    config.performance.downloadSpeedLimit = 3 * 1024 * KiB;
    config.queue.timeWindows = "weekdays 01:00-07:00 at 2M";
    config.network.proxy = "http://user:secret@127.0.0.1:3128";
    config.logging.level = "debug";
    QString error;
    ASSERT_TRUE(app::saveUserConfig(config, &error, path)) << error.toStdString();
    EXPECT_FALSE(QFile::exists(path + ".bak")); // nothing to keep the first time
    // Only the owner may read it: the proxy URL carries a password.
    EXPECT_EQ(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther), 0);

    const ConfigLoadResult loaded =
        ConfigLoader::loadLayers({std::filesystem::path(path.toStdString())});
    EXPECT_TRUE(loaded.warnings.empty());
    EXPECT_TRUE(loaded.config.download.directory.empty()); // the default folder is not written
    Config back = loaded.config;
    back.download.directory = config.download.directory;
    EXPECT_EQ(ConfigLoader::toJson(back), ConfigLoader::toJson(config));
    // Exactly the changed keys: each of the others reads back from the defaults.
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    file.close();
    for (const char* key : {"DownloadSpeedLimit", "TimeWindows", "Proxy", "Level"}) {
        EXPECT_TRUE(text.contains(key)) << key;
    }
    for (const char* key : {"MaxConcurrentDownloads", "Split", "Directory", "CacheSize"}) {
        EXPECT_FALSE(text.contains(key)) << key << "\n" << text.toStdString();
    }

    // Saving again keeps the previous file as .bak, byte for byte.
    config.logging.level = "warn";
    ASSERT_TRUE(app::saveUserConfig(config, &error, path)) << error.toStdString();
    QFile bak(path + ".bak");
    ASSERT_TRUE(bak.open(QIODevice::ReadOnly));
    EXPECT_EQ(bak.readAll(), text);
    EXPECT_EQ(
        ConfigLoader::loadLayers({std::filesystem::path(path.toStdString())}).config.logging.level,
        "warn");

    // A file that cannot be written is refused with its name, and the old one stays.
    const QString blocked = m_dir.path() + "/blocked";
    ASSERT_TRUE(QFile(blocked).open(QIODevice::WriteOnly)); // a file where the folder should be
    EXPECT_FALSE(app::saveUserConfig(config, &error, blocked + "/maria2.json"));
    EXPECT_TRUE(error.contains("blocked")) << error.toStdString();
}

} // namespace
