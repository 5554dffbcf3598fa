// The engine pool against the real nginx: routing, forcing an engine, the shared limit on
// downloads at once, and what the pool learns from each transfer (host profile, cache).
#include "EngineRecorder.h"
#include "core/config/Config.h"
#include "core/pool/EnginePool.h"
#include "core/pool/EngineReport.h"
#include "session/QtDigest.h"
#include "support/FaultServer.h"
#include "support/TestServers.h"

#include <QTemporaryDir>
#include <atomic>
#include <gtest/gtest.h>

using namespace maria2;

namespace {

class EnginePoolTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_sha = test::writeRandomFile(s_nginx->docRoot() + "/pool.bin", 2 * 1024 * 1024 + 7, 51);
        test::writeRandomFile(s_nginx->docRoot() + "/ramp.bin", 6 * 1024 * 1024 + 3, 52);
        for (int i = 0; i < 6; ++i) {
            test::writeRandomFile(s_nginx->docRoot() + QString("/small-%1.bin").arg(i), 200 * 1024,
                                  60 + i);
        }
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0; // full speed: limits have their own tests
        m_config.queue.retries =
            0; // failures show as Failed at once: queue retries have their own test
        m_config.download.directory = m_dir.path().toStdString();
        m_config.ui.progressIntervalMs = 100;
    }

    DownloadRequest request(const QString& path) const {
        DownloadRequest r;
        r.url = s_nginx->httpUrl(path).toStdString();
        r.directory = m_dir.path().toStdString();
        r.allowOverwrite = true;
        return r;
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_sha;
    QTemporaryDir m_dir;
    Config m_config;
    test::EngineRecorder m_recorder;
};
std::unique_ptr<test::NginxServer> EnginePoolTest::s_nginx;
QString EnginePoolTest::s_sha;

TEST_F(EnginePoolTest, HasAnEngineForEachProfileAndSaysWhatLibcurlCanDo) {
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    const auto names = pool.engineNames();
    for (const char* expected : {"segmented", "bulk", "generic"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    }
    const CurlCapabilities caps = curlCapabilities();
    EXPECT_EQ(std::find(names.begin(), names.end(), "multiplex") != names.end(), caps.http2);
    EXPECT_NE(caps.summary().find("HTTP/2"), std::string::npos);
}

TEST_F(EnginePoolTest, AForcedEngineRunsTheDownloadAndTheSnapshotSaysSo) {
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    pool.start();
    DownloadRequest r = request("pool.bin");
    r.engine = "bulk";
    const DownloadId id = pool.add(r);
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const DownloadSnapshot s = m_recorder.last(id);
    ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
    EXPECT_EQ(s.engine, "bulk");
    EXPECT_NE(s.route.find("bulk"), std::string::npos) << s.route;
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/pool.bin"), s_sha);
}

TEST_F(EnginePoolTest, EachTransferTeachesTheHostProfileAndTheCache) {
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    pool.start();
    const DownloadRequest r = request("pool.bin");
    for (int i = 0; i < 3; ++i) {
        const DownloadId id = pool.add(r);
        ASSERT_TRUE(m_recorder.waitFinal(id));
        ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
        EXPECT_FALSE(m_recorder.last(id).route.empty());
    }
    const auto host = hostKeyFromUrl(r.url);
    ASSERT_TRUE(host);
    // The report arrives just after the final state: wait for the third.
    ASSERT_TRUE(test::waitFor(
        [&] {
            const auto p = pool.hosts().snapshot(*host);
            return p && p->downloads >= 3;
        },
        10000));
    const auto profile = pool.hosts().snapshot(*host);
    EXPECT_GT(profile->totalThroughput.value, 0);
    EXPECT_FALSE(profile->engines.empty());
    const auto stats = pool.cache().stats();
    EXPECT_GE(stats.entries, 1u);
    EXPECT_GE(stats.hits, 2u); // routing the 2nd and 3rd download found the 1st one's metadata
}

TEST_F(EnginePoolTest, MaxConcurrentDownloadsHoldsAcrossEngines) {
    m_config.performance.maxConcurrentDownloads = 2;
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    pool.start();
    const char* engines[] = {"segmented", "bulk", "generic"};
    std::vector<DownloadId> ids;
    for (int i = 0; i < 6; ++i) {
        DownloadRequest r = request(QString("slow/small-%1.bin").arg(i));
        r.engine = engines[i % 3];
        ids.push_back(pool.add(r));
    }
    for (const DownloadId id : ids) {
        ASSERT_TRUE(m_recorder.waitFinal(id));
        EXPECT_EQ(m_recorder.last(id).state, DownloadState::Completed)
            << m_recorder.last(id).errorMessage;
    }
    EXPECT_LE(m_recorder.maxBusy(), 2);
    EXPECT_GE(m_recorder.maxBusy(), 1);
}

TEST_F(EnginePoolTest, EngineReportDownloadsWithEachEngineAndMarksTheChoice) {
    QTemporaryDir scratch;
    const auto rows = runEngineReport(m_config, request("pool.bin"), scratch.path().toStdString(),
                                      qtDigestFactory());
    ASSERT_GE(rows.size(), 3u);
    int chosen = 0;
    for (const auto& row : rows) {
        EXPECT_TRUE(row.ok) << row.engine << ": " << row.error;
        EXPECT_GT(row.megabytesPerSecond, 0) << row.engine;
        EXPECT_GE(row.connections, 1) << row.engine;
        chosen += row.chosen ? 1 : 0;
    }
    EXPECT_EQ(chosen, 1);
    const std::string table = formatEngineReport(rows);
    EXPECT_NE(table.find("segmented"), std::string::npos) << table;
    EXPECT_NE(table.find("MB/s"), std::string::npos) << table;
    EXPECT_TRUE(QDir(scratch.path()).isEmpty()); // each run's file is deleted
}

// Records the most connections any progress batch showed, and the transfer reports.
class PeakListener final : public EngineListener {
public:
    explicit PeakListener(test::EngineRecorder& inner)
        : m_inner(inner) {}
    void onStateChanged(const DownloadSnapshot& s) override { m_inner.onStateChanged(s); }
    void onProgress(const std::vector<DownloadSnapshot>& batch) override {
        for (const auto& s : batch) {
            int seen = m_peak.load();
            while (s.connections > seen && !m_peak.compare_exchange_weak(seen, s.connections)) {
            }
        }
        m_inner.onProgress(batch);
    }
    int peak() const { return m_peak.load(); }

private:
    test::EngineRecorder& m_inner;
    std::atomic<int> m_peak{0};
};

TEST_F(EnginePoolTest, AutoConnectionsRampUpWhileTheTotalKeepsRising) {
    // /slow/ caps every request at 256 KiB/s: each added connection adds speed, so the tuner
    // must climb from its start (Download.Split = 2 here) during the download itself.
    m_config.download.split = 2;
    m_config.download.minSplitSize = 64 * 1024;
    PeakListener listener(m_recorder);
    EnginePool pool(m_config, listener, qtDigestFactory());
    pool.setTuningPeriod(std::chrono::milliseconds(600));
    pool.start();
    const DownloadId id = pool.add(request("slow/ramp.bin")); // no -s, no -x: auto
    ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120)));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_GT(listener.peak(), 2);
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/ramp.bin"),
              test::sha256OfFile(s_nginx->docRoot() + "/ramp.bin"));
}

TEST_F(EnginePoolTest, AGivenSplitIsAnUpperBoundTheTunerNeverPasses) {
    m_config.download.minSplitSize = 64 * 1024;
    PeakListener listener(m_recorder);
    EnginePool pool(m_config, listener, qtDigestFactory());
    pool.setTuningPeriod(std::chrono::milliseconds(300));
    pool.start();
    DownloadRequest r = request("slow/pool.bin"); // each added connection would add speed
    r.split = 3;
    const DownloadId id = pool.add(r);
    ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120)));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed);
    EXPECT_EQ(listener.peak(), 3); // started at the bound and never passed it
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/pool.bin"), s_sha);
}

TEST_F(EnginePoolTest, AServerThatResetsConnectionsMakesTheTunerBackOffAndRememberACap) {
    test::FaultServer faults;
    QString error;
    ASSERT_TRUE(faults.start(&error)) << error.toStdString();
    const QString sha =
        test::writeRandomFile(faults.root() + "/pushback.bin", 3 * 1024 * 1024 + 11, 53);
    m_config.download.split = 8;
    m_config.download.minSplitSize = 64 * 1024;
    m_config.retry.initialDelayMs = 10;
    m_config.retry.maxDelayMs = 100;
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    pool.start();
    DownloadRequest r;
    r.url = faults.url("reset-every/pushback.bin?after=200000").toStdString();
    r.directory = m_dir.path().toStdString();
    const DownloadId id = pool.add(r); // auto: starts at Download.Split = 8
    ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120)));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/pushback.bin"), sha);
    const auto host = hostKeyFromUrl(r.url);
    ASSERT_TRUE(host);
    ASSERT_TRUE(test::waitFor([&] { return pool.hosts().snapshot(*host).has_value(); }, 10000));
    const int cap = pool.hosts().snapshot(*host)->learnedConnectionCap;
    EXPECT_GE(cap, 1);
    EXPECT_LT(cap, 8); // halved at least once from where it started, and remembered
}

} // namespace
