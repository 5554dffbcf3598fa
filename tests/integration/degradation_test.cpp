// Adaptive timeouts and degradation detection end to end (docs/adaptive.md), through the
// EnginePool: a download whose only connection slows down far below its own recent speed is
// re-planned (reconnected, resuming where it was); and a host seen often enough gets timeouts
// derived from its measurements ("timeouts for HOST: ..." in the log).
#include "EngineRecorder.h"
#include "core/config/Config.h"
#include "core/hosts/HostProfile.h"
#include "core/pool/EnginePool.h"
#include "session/QtDigest.h"
#include "support/FaultServer.h"
#include "support/TestServers.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace maria2;

namespace {

// Forwards to an EngineRecorder and keeps the highest `replans` any snapshot showed (the
// recorder keeps only the byte counts of progress batches).
class ReplanListener final : public EngineListener {
public:
    explicit ReplanListener(test::EngineRecorder& inner)
        : m_inner(inner) {}
    void onStateChanged(const DownloadSnapshot& s) override {
        note(s);
        m_inner.onStateChanged(s);
    }
    void onProgress(const std::vector<DownloadSnapshot>& batch) override {
        for (const auto& s : batch) {
            note(s);
        }
        m_inner.onProgress(batch);
    }
    int maxReplans() const { return m_maxReplans.load(); }

private:
    void note(const DownloadSnapshot& s) {
        int seen = m_maxReplans.load();
        while (s.replans > seen && !m_maxReplans.compare_exchange_weak(seen, s.replans)) {
        }
    }
    test::EngineRecorder& m_inner;
    std::atomic<int> m_maxReplans{0};
};

// Copies every spdlog line (info and up) into a ring buffer while it lives, on top of the
// default logger's own sinks. Install and remove it only while no engine thread logs.
class LogCapture {
public:
    LogCapture()
        : m_previous(spdlog::default_logger())
        , m_ring(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096)) {
        std::vector<spdlog::sink_ptr> sinks = m_previous->sinks();
        sinks.push_back(m_ring);
        auto logger = std::make_shared<spdlog::logger>("capture", sinks.begin(), sinks.end());
        logger->set_level(spdlog::level::info);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(m_previous); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    // The captured lines (formatted) that contain `needle`.
    std::vector<std::string> linesWith(const std::string& needle) const {
        std::vector<std::string> out;
        for (const std::string& line : m_ring->last_formatted()) {
            if (line.find(needle) != std::string::npos) {
                out.push_back(line);
            }
        }
        return out;
    }

private:
    std::shared_ptr<spdlog::logger> m_previous;
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> m_ring;
};

// "bytes=123-" / "bytes=123-456" -> 123; -1 for anything else.
qint64 rangeStart(const QString& header) {
    if (!header.startsWith(QStringLiteral("bytes="))) {
        return -1;
    }
    bool ok = false;
    const qint64 start = header.mid(6).section(QLatin1Char('-'), 0, 0).toLongLong(&ok);
    return ok ? start : -1;
}

class DegradationTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0; // a limit's dips are not a degradation
        m_config.queue.retries = 0; // a failure shows as Failed at once, not as a retry
        m_config.download.directory = m_dir.path().toStdString();
        m_config.ui.progressIntervalMs = 100;
    }

    QTemporaryDir m_dir;
    Config m_config;
    test::EngineRecorder m_recorder;
};

TEST_F(DegradationTest, ASlowedConnectionIsReplacedAndTheDownloadResumesWhereItWas) {
    // One connection at 1 MiB/s for B = 11 MiB (11 s: the detector's 10 s warm-up is over
    // before the speed it measures over 3 s falls), then 64 KiB/s: below 0.3 x the baseline
    // about 2 s after the drop, an event 10 s later. The slow part alone would need 24 s for
    // the last 1.5 MiB, so only a re-plan finishes in time; the new connection gets 1 MiB/s.
    constexpr qint64 kRate = 1024 * 1024;
    constexpr qint64 kAfter = 11 * 1024 * 1024;
    constexpr qint64 kSlow = 64 * 1024;
    constexpr qint64 kSize = kAfter + 3 * 512 * 1024 + 7;
    test::FaultServer server;
    QString error;
    ASSERT_TRUE(server.start(&error)) << error.toStdString();
    const QString sha = test::writeRandomFile(server.root() + "/degrade.bin", kSize, 71);
    ASSERT_FALSE(sha.isEmpty());

    ReplanListener listener(m_recorder);
    LogCapture log;
    EnginePool pool(m_config, listener, qtDigestFactory());
    pool.start();
    DownloadRequest r;
    r.url = server
                .url(QStringLiteral("degrade-once/degrade.bin?rate=%1&after=%2&slow=%3")
                         .arg(kRate)
                         .arg(kAfter)
                         .arg(kSlow))
                .toStdString();
    r.directory = m_dir.path().toStdString();
    r.allowOverwrite = true;
    r.split = 1; // one connection: its slowdown is the download's
    const auto began = std::chrono::steady_clock::now();
    const DownloadId id = pool.add(r);
    ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120)));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::cout << "[ degradation ] completed in " << seconds << " s\n";
    const DownloadSnapshot last = m_recorder.last(id);
    ASSERT_EQ(last.state, DownloadState::Completed) << last.errorMessage;
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/degrade.bin"), sha);
    EXPECT_GE(listener.maxReplans(), 1);
    EXPECT_GE(last.replans, 1);
    const auto degraded = log.linesWith("degraded:");
    ASSERT_FALSE(degraded.empty());
    EXPECT_NE(degraded.front().find("reconnecting 1 connection"), std::string::npos)
        << degraded.front();
    for (const std::string& line : degraded) {
        std::cout << "[ degradation ] " << line;
    }

    // The server saw the slowed GET cut by the client after more than B bytes, then a ranged
    // GET resuming at most where that one had got to, not from byte 0.
    const QString path = QStringLiteral("/degrade-once/degrade.bin");
    ASSERT_TRUE(test::waitFor(
        [&] {
            int gets = 0;
            for (const QJsonObject& e : server.requests(path)) {
                gets += e.value("method").toString() == QLatin1String("GET") ? 1 : 0;
            }
            return gets >= 2;
        },
        10000));
    QList<QJsonObject> gets;
    for (const QJsonObject& e : server.requests(path)) {
        if (e.value("method").toString() == QLatin1String("GET")) {
            gets.append(e);
        }
    }
    ASSERT_GE(gets.size(), 2);
    // Lines are written when a response ends: put them in the order the connections opened.
    std::sort(gets.begin(), gets.end(), [](const QJsonObject& a, const QJsonObject& b) {
        return a.value("conn").toInt() < b.value("conn").toInt();
    });
    const qint64 firstSent = static_cast<qint64>(gets[0].value("sent").toDouble());
    EXPECT_LE(rangeStart(gets[0].value("range").toString()), 0); // from the start (or no Range)
    EXPECT_GT(firstSent, kAfter);
    EXPECT_LT(firstSent, kSize);
    EXPECT_EQ(gets[0].value("outcome").toString(), QStringLiteral("client-closed"));
    const qint64 resumedAt = rangeStart(gets[1].value("range").toString());
    EXPECT_GE(resumedAt, kAfter - 1024 * 1024) << gets[1].value("range").toString().toStdString();
    EXPECT_LE(resumedAt, firstSent);
    EXPECT_EQ(gets[1].value("status").toInt(), 206);
    for (const QJsonObject& e : gets) {
        std::cout << "[ degradation ] GET range=" << e.value("range").toString().toStdString()
                  << " sent=" << static_cast<qint64>(e.value("sent").toDouble())
                  << " outcome=" << e.value("outcome").toString().toStdString() << '\n';
    }
}

TEST_F(DegradationTest, AHostSeenThreeTimesGetsTimeoutsFromItsMeasurements) {
    test::NginxServer nginx;
    QString error;
    ASSERT_TRUE(nginx.start(&error)) << error.toStdString();
    const QString sha = test::writeRandomFile(nginx.docRoot() + "/timeouts.bin", 512 * 1024, 72);
    ASSERT_FALSE(sha.isEmpty());

    LogCapture log;
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    pool.start();
    DownloadRequest r;
    r.url = nginx.httpUrl("timeouts.bin").toStdString();
    r.directory = m_dir.path().toStdString();
    r.allowOverwrite = true;
    const auto host = hostKeyFromUrl(r.url);
    ASSERT_TRUE(host);
    for (int i = 0; i < 3; ++i) {
        const DownloadId id = pool.add(r);
        ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120)));
        ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
            << m_recorder.last(id).errorMessage;
        // Wait for this transfer's report, so the next add() sees it.
        ASSERT_TRUE(test::waitFor(
            [&] {
                const auto p = pool.hosts().snapshot(*host);
                return p && p->downloads >= i + 1;
            },
            10000));
    }
    const auto profile = pool.hosts().snapshot(*host);
    ASSERT_TRUE(profile);
    ASSERT_GE(profile->ttfbSeconds.samples, 3) << "TTFB not measured on each transfer";
    // Until now the host had fewer than 3 samples: the config's values, nothing logged.
    EXPECT_TRUE(log.linesWith("timeouts for").empty()) << log.linesWith("timeouts for").front();

    const DownloadId id = pool.add(r); // logs its timeouts in add() itself
    const auto lines = log.linesWith("timeouts for");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines.front().find(hostLabel(*host)), std::string::npos) << lines.front();
    EXPECT_NE(lines.front().find("connect"), std::string::npos) << lines.front();
    // Loopback TTFB is milliseconds: the 6 s floor, well under the configured 30 s.
    EXPECT_NE(lines.front().find("connect 6 s"), std::string::npos) << lines.front();
    std::cout << "[ timeouts ] " << lines.front();
    ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120)));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/timeouts.bin"), sha);
}

} // namespace
