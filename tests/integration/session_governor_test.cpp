// The Session's resource monitor and governor (docs/throttling.md, "Session"): a fake machine
// (SessionOptions::samplerFactory) that is busy or short of space drives the governor through
// the real Session; metrics from the real platform sampler while nginx serves a download.
#include "core/config/Config.h"
#include "core/monitor/ResourceSampler.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

using namespace maria2;

namespace {

// What the fake machine reports; the test changes it while the Session samples it.
struct FakeMachine {
    std::atomic<double> cpu{10};
    std::atomic<double> ownCpu{30}; // MAria2's share of the machine: a real part of the load
    std::atomic<double> memory{20};
    std::atomic<std::uint64_t> freeBytes{100ull << 30};
    std::atomic<int> samples{0};
};

class FakeSampler final : public ResourceSampler {
public:
    explicit FakeSampler(std::shared_ptr<FakeMachine> machine)
        : m_machine(std::move(machine)) {}

    ResourceSample sample() override {
        ++m_machine->samples;
        ResourceSample s;
        s.systemCpuPercent = m_machine->cpu.load();
        s.processCpuPercent = m_machine->ownCpu.load();
        s.memoryUsedPercent = m_machine->memory.load();
        s.processRssBytes = 64ull << 20;
        return s;
    }

    std::optional<std::uint64_t> freeSpace(const std::filesystem::path& /*path*/) override {
        return m_machine->freeBytes.load();
    }

private:
    std::shared_ptr<FakeMachine> m_machine;
};

struct GovernorEvent {
    QString message;
    bool throttled = false;
};

class SessionGovernorTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_spaceSha =
            test::writeRandomFile(s_nginx->docRoot() + "/space.bin", 2 * 1024 * 1024 + 11, 71);
        s_metricsSha =
            test::writeRandomFile(s_nginx->docRoot() + "/metrics.bin", 1024 * 1024 + 3, 72);
        ASSERT_FALSE(s_spaceSha.isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0; // full speed unless a test limits it
        m_config.download.directory = (m_dir.path() + "/downloads").toStdString();
        m_config.ui.progressIntervalMs = 100;
        m_config.monitor.sampleIntervalMs = 100;
        m_config.monitor.dwellSamples = 2;
    }

    SessionOptions fakeMachineOptions() const {
        SessionOptions options;
        options.samplerFactory = [machine = m_machine] {
            return std::make_unique<FakeSampler>(machine);
        };
        return options;
    }

    void record(Session& session) {
        QObject::connect(&session, &Session::governorAction,
                         [this](const QString& message, bool throttled) {
                             m_events.push_back({message, throttled});
                         });
    }
    bool sawEvent(const QString& prefix, bool throttled) const {
        for (const auto& e : m_events) {
            if (e.message.startsWith(prefix) && e.throttled == throttled) {
                return true;
            }
        }
        return false;
    }

    QString downloaded(const QString& name) const { return m_dir.path() + "/downloads/" + name; }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_spaceSha;
    static QString s_metricsSha;
    QTemporaryDir m_dir;
    Config m_config;
    std::shared_ptr<FakeMachine> m_machine = std::make_shared<FakeMachine>();
    std::vector<GovernorEvent> m_events;
};

std::unique_ptr<test::NginxServer> SessionGovernorTest::s_nginx;
QString SessionGovernorTest::s_spaceSha;
QString SessionGovernorTest::s_metricsSha;

TEST_F(SessionGovernorTest, BusyCpuThrottlesThenCalmRestoresEverything) {
    m_machine->cpu = 95;
    Session session(m_config, fakeMachineOptions());
    record(session);
    std::vector<qint64> limits;
    QObject::connect(&session, &Session::speedLimitChanged,
                     [&](qint64 bytesPerSecond) { limits.push_back(bytesPerSecond); });
    EXPECT_EQ(session.effectiveSpeedLimit(), 0);

    // Cut after DwellSamples busy samples: downloads and connections first.
    ASSERT_TRUE(test::waitFor([&] { return !m_events.empty(); }, 10000));
    const GovernorEvent first = m_events.front();
    EXPECT_TRUE(first.throttled);
    EXPECT_TRUE(first.message.startsWith("throttled:")) << first.message.toStdString();
    EXPECT_TRUE(first.message.contains("CPU 95% > 70%")) << first.message.toStdString();
    EXPECT_TRUE(test::waitFor([&] { return session.metrics().throttled; }, 5000));
    EXPECT_TRUE(session.metrics().governorMessage.rfind("throttled:", 0) == 0)
        << session.metrics().governorMessage;

    // Still busy once downloads and connections are at one: a speed cap joins the limit.
    ASSERT_TRUE(test::waitFor([&] { return session.effectiveSpeedLimit() > 0; }, 15000));
    ASSERT_FALSE(limits.empty());
    EXPECT_GT(limits.back(), 0);
    EXPECT_EQ(session.speedLimit(), 0); // the person's own limit is untouched
    EXPECT_TRUE(test::waitFor([&] { return session.metrics().speedLimit > 0; }, 5000));

    // Calm: restored step by step, the cap first, until nothing is cut any more.
    m_machine->cpu = 10;
    ASSERT_TRUE(test::waitFor([&] { return sawEvent("restored:", false); }, 20000));
    EXPECT_TRUE(sawEvent("restoring:", true)); // several steps, not one jump
    EXPECT_EQ(session.effectiveSpeedLimit(), 0);
    EXPECT_EQ(limits.back(), 0);
    EXPECT_TRUE(test::waitFor([&] { return !session.metrics().throttled; }, 5000));
    EXPECT_EQ(session.metrics().speedLimit, 0);
}

TEST_F(SessionGovernorTest, FullMemoryIsNamedInTheMessage) {
    m_machine->memory = 97;
    Session session(m_config, fakeMachineOptions());
    record(session);
    ASSERT_TRUE(test::waitFor([&] { return !m_events.empty(); }, 10000));
    EXPECT_TRUE(m_events.front().throttled);
    EXPECT_TRUE(m_events.front().message.contains("memory 97% > 80%"))
        << m_events.front().message.toStdString();
    EXPECT_FALSE(m_events.front().message.contains("CPU"))
        << m_events.front().message.toStdString();
}

TEST_F(SessionGovernorTest, LowFreeSpacePausesTheFolderAndItsReturnResumesIt) {
    Session session(m_config, fakeMachineOptions());
    record(session);
    DownloadRequest r;
    r.url = s_nginx->httpUrl("space.bin").toStdString();
    r.split = 1;
    r.maxSpeed = 128 * 1024; // still running when the space runs out
    const DownloadId id = session.add(r);
    ASSERT_TRUE(test::waitFor(
        [&] {
            const DownloadSnapshot s = session.download(id);
            return s.state == DownloadState::Downloading && s.doneBytes > 0;
        },
        20000))
        << toString(session.download(id).state);
    EXPECT_EQ(session.download(id).maxSpeed, 128 * 1024);

    m_machine->freeBytes = 100ull << 20; // 100 MiB < the 256 MiB floor
    ASSERT_TRUE(test::waitFor(
        [&] {
            const DownloadSnapshot s = session.download(id);
            return s.state == DownloadState::Paused && s.bottleneck == Bottleneck::DiskFull;
        },
        10000))
        << toString(session.download(id).state);
    const DownloadSnapshot paused = session.download(id);
    const std::string folder = m_config.download.directory;
    EXPECT_NE(paused.errorMessage.find(folder), std::string::npos) << paused.errorMessage;
    EXPECT_NE(paused.errorMessage.find("100.0 MiB free"), std::string::npos) << paused.errorMessage;
    EXPECT_NE(paused.errorMessage.find("256.0 MiB floor"), std::string::npos)
        << paused.errorMessage;
    EXPECT_LT(paused.doneBytes, paused.totalBytes);
    EXPECT_TRUE(sawEvent("paused downloads on " + QString::fromStdString(folder), true));
    EXPECT_TRUE(QFileInfo::exists(downloaded("space.bin.part")));
    EXPECT_FALSE(QFileInfo::exists(downloaded("space.bin")));

    // A download added to that folder meanwhile waits with the others.
    DownloadRequest another;
    another.url = s_nginx->httpUrl("metrics.bin").toStdString();
    const DownloadId anotherId = session.add(another);
    EXPECT_EQ(session.download(anotherId).state, DownloadState::Paused);
    EXPECT_EQ(session.download(anotherId).bottleneck, Bottleneck::DiskFull);

    // Room again (above floor + margin): exactly those resume and finish byte for byte.
    m_machine->freeBytes = 10ull << 30;
    session.setDownloadSpeedLimit(id, 0);
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(id).state); }, 60000));
    ASSERT_EQ(session.download(id).state, DownloadState::Completed)
        << session.download(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(downloaded("space.bin")), s_spaceSha);
    EXPECT_TRUE(sawEvent("resumed downloads on " + QString::fromStdString(folder), false));
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(anotherId).state); }, 60000));
    EXPECT_EQ(session.download(anotherId).state, DownloadState::Completed);
    EXPECT_EQ(test::sha256OfFile(downloaded("metrics.bin")), s_metricsSha);
}

TEST_F(SessionGovernorTest, APersonsPauseIsNotUndoneWhenTheSpaceComesBack) {
    Session session(m_config, fakeMachineOptions());
    record(session);
    DownloadRequest r;
    r.url = s_nginx->httpUrl("space.bin?person").toStdString();
    r.fileName = "person.bin";
    r.maxSpeed = 128 * 1024; // still running when the space runs out
    r.split = 1;             // one request, logged by nginx once the pause closes it
    const DownloadId id = session.add(r);
    ASSERT_TRUE(test::waitFor([&] { return session.download(id).doneBytes > 0; }, 20000));
    m_machine->freeBytes = 50ull << 20;
    ASSERT_TRUE(test::waitFor(
        [&] {
            const DownloadSnapshot s = session.download(id);
            return s.state == DownloadState::Paused && s.bottleneck == Bottleneck::DiskFull;
        },
        10000));
    session.pause(id); // the person's pause from now on
    EXPECT_EQ(session.download(id).bottleneck, Bottleneck::None);
    EXPECT_TRUE(session.download(id).errorMessage.empty());
    const auto personRequests = [&] {
        int n = 0;
        for (const auto& e : s_nginx->accessLog()) {
            n += e.requestUri.contains("person") ? 1 : 0;
        }
        return n;
    };
    ASSERT_TRUE(test::waitFor([&] { return personRequests() >= 1; }, 10000));
    const int before = personRequests();

    m_machine->freeBytes = 10ull << 30;
    ASSERT_TRUE(test::waitFor([&] { return sawEvent("resumed downloads on", false); }, 10000));
    // Another download through the same pool after that: had the paused one been resumed,
    // its request would be logged by the time this one is done.
    DownloadRequest later;
    later.url = s_nginx->httpUrl("metrics.bin?later").toStdString();
    later.fileName = "later.bin";
    const DownloadId laterId = session.add(later);
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(laterId).state); }, 30000));
    EXPECT_EQ(session.download(laterId).state, DownloadState::Completed);
    EXPECT_EQ(session.download(id).state, DownloadState::Paused);
    EXPECT_EQ(personRequests(), before);
    EXPECT_FALSE(QFileInfo::exists(downloaded("person.bin")));
}

TEST_F(SessionGovernorTest, MetricsArriveEverySampleWithSaneFigures) {
    // The real platform sampler; the governor must not cap this run however busy the machine.
    m_config.performance.cpuUsagePercent = 100;
    m_config.performance.memoryUsagePercent = 100;
    Session session(m_config);
    std::vector<MetricsSnapshot> seen;
    QObject::connect(&session, &Session::metricsUpdated,
                     [&](const MetricsSnapshot& m) { seen.push_back(m); });
    DownloadRequest r;
    r.url = s_nginx->httpUrl("metrics.bin").toStdString();
    r.maxSpeed = 512 * 1024; // about two seconds: several samples see it running
    const DownloadId id = session.add(r);
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(id).state); }, 60000));
    ASSERT_EQ(session.download(id).state, DownloadState::Completed);
    const std::size_t afterDone = seen.size();
    ASSERT_TRUE(test::waitFor([&] { return seen.size() > afterDone + 1; }, 10000));
    ASSERT_GE(seen.size(), 3u);

    bool sawRunning = false;
    bool sawReceiving = false;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        const MetricsSnapshot& m = seen[i];
        EXPECT_GT(m.atUnixMs, 0);
        EXPECT_GT(m.processRssBytes, 0u);
        EXPECT_GT(m.memoryUsedPercent, 0.0);
        EXPECT_LE(m.memoryUsedPercent, 100.0);
        EXPECT_GT(m.networkEfficiency, 0.0);
        EXPECT_LE(m.networkEfficiency, 1.0);
        EXPECT_GE(m.diskWriteBytesPerSec, 0.0);
        if (i >= 1) { // a CPU figure needs two readings
            ASSERT_TRUE(m.systemCpuPercent.has_value()) << "sample " << i;
            EXPECT_GE(*m.systemCpuPercent, 0.0);
            EXPECT_LE(*m.systemCpuPercent, 100.0);
            ASSERT_TRUE(m.processCpuPercent.has_value());
            EXPECT_GE(*m.processCpuPercent, 0.0);
            EXPECT_LE(*m.processCpuPercent, 100.0);
        }
        if (m.active == 1 && m.downloads.size() == 1 && m.totalSpeedBytesPerSec > 0) {
            sawRunning = true;
            EXPECT_EQ(m.downloads[0].id, id);
            EXPECT_EQ(m.downloads[0].name, "metrics.bin");
        }
        sawReceiving = sawReceiving || m.networkReceiveBytesPerSec > 0;
    }
    EXPECT_TRUE(sawRunning);
    EXPECT_TRUE(sawReceiving); // the pool's counter reached the monitor
    const MetricsSnapshot last = session.metrics();
    EXPECT_GE(last.receivedBytes, 1024u * 1024u + 3u);
    EXPECT_GE(last.keptBytes, 1024u * 1024u + 3u);
    EXPECT_EQ(last.active, 0);
    EXPECT_TRUE(last.downloads.empty()); // finished ones are not listed
    EXPECT_EQ(last.speedLimit, 0);
    EXPECT_FALSE(last.throttled);
    const auto json = toJson(last);
    for (const char* key : {"time", "speed", "cpu", "memory", "rss", "efficiency", "downloads"}) {
        EXPECT_TRUE(json.contains(key)) << key;
    }
}

TEST_F(SessionGovernorTest, AShutdownBeforeAnySampleStillLeavesMetrics) {
    // As maria2c does for a run shorter than one sample: nothing delivered yet, figures anyway.
    Session session(m_config, fakeMachineOptions());
    session.shutdown();
    const MetricsSnapshot m = session.metrics();
    EXPECT_GT(m.atUnixMs, 0);
    EXPECT_EQ(m.processRssBytes, 64ull << 20);
    EXPECT_EQ(m.memoryUsedPercent, 20.0);
    EXPECT_EQ(m.networkEfficiency, 1.0);
}

TEST(SessionMetricsTest, MakeMetricsListsRunningAndQueuedAndSumsTheirSpeed) {
    ResourceSnapshot r;
    r.sequence = 2;
    r.sample.systemCpuPercent = 42.0;
    r.sample.memoryUsedPercent = 55.0;
    r.sample.processRssBytes = 1234;
    r.networkReceiveBytesPerSecond = 900;
    r.diskWriteBytesPerSecond = 800;
    std::vector<DownloadSnapshot> downloads(4);
    downloads[0].id = 1;
    downloads[0].state = DownloadState::Downloading;
    downloads[0].fileName = "a.bin";
    downloads[0].speedBytesPerSec = 300;
    downloads[0].bottleneck = Bottleneck::SpeedLimit;
    downloads[1].id = 2;
    downloads[1].state = DownloadState::Completed;
    downloads[1].speedBytesPerSec = 999; // finished: neither listed nor counted
    downloads[2].id = 3;
    downloads[2].state = DownloadState::Queued;
    downloads[2].url = "http://h/c";
    downloads[2].bottleneck = Bottleneck::WaitingWindow;
    downloads[3].id = 4;
    downloads[3].state = DownloadState::Retrying;
    downloads[3].speedBytesPerSec = 200;
    const MetricsSnapshot m = makeMetrics(r, downloads, 1000, 750);
    EXPECT_EQ(m.active, 2);
    EXPECT_EQ(m.queued, 1);
    EXPECT_EQ(m.totalSpeedBytesPerSec, 500.0);
    ASSERT_EQ(m.downloads.size(), 3u);
    EXPECT_EQ(m.downloads[0].name, "a.bin");
    EXPECT_EQ(m.downloads[0].bottleneck, Bottleneck::SpeedLimit);
    EXPECT_EQ(m.downloads[1].name, "http://h/c"); // no name yet: its URL
    EXPECT_EQ(m.downloads[1].bottleneck, Bottleneck::WaitingWindow);
    EXPECT_EQ(m.downloads[2].id, 4u);
    EXPECT_EQ(m.systemCpuPercent, 42.0);
    EXPECT_EQ(m.memoryUsedPercent, 55.0);
    EXPECT_EQ(m.processRssBytes, 1234u);
    EXPECT_EQ(m.networkReceiveBytesPerSec, 900.0);
    EXPECT_EQ(m.diskWriteBytesPerSec, 800.0);
    EXPECT_EQ(m.networkEfficiency, 0.75);
    const auto json = toJson(m);
    EXPECT_EQ(json["downloads"][1]["bottleneck"], "waiting-window");
    EXPECT_EQ(json["efficiency"], 0.75);
}

TEST(SessionMetricsTest, EfficiencyIsOneBeforeAnyByteAndNeverAboveOne) {
    EXPECT_EQ(networkEfficiency(0, 0), 1.0);
    EXPECT_EQ(networkEfficiency(100, 100), 1.0);
    EXPECT_EQ(networkEfficiency(100, 120), 1.0); // kept read a chunk after received
    EXPECT_EQ(networkEfficiency(200, 50), 0.25);
}

} // namespace
