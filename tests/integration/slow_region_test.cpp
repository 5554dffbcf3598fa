// A file whose ranges are not all served alike (the fault server's /slow-region/: one region
// crawls, the rest is unpaced): the connections that finish their fast ranges steal from the
// one stuck in the slow region, the last slow piece is raced on a second connection, and the
// file is byte-exact with no byte written twice to disk. Nothing here times the speed: the
// test reads what the server was asked for.
#include "EngineRecorder.h"
#include "ResumeHelpers.h"
#include "core/config/Config.h"
#include "core/pool/EnginePool.h"
#include "session/QtDigest.h"
#include "support/FaultServer.h"
#include "support/TestServers.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace maria2;

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;

class SlowRegionTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_server = std::make_unique<test::FaultServer>();
        QString error;
        ASSERT_TRUE(s_server->start(&error)) << error.toStdString();
    }
    static void TearDownTestSuite() { s_server.reset(); }

    void SetUp() override {
        ASSERT_TRUE(s_server->isRunning());
        ASSERT_TRUE(m_dir.isValid());
        s_server->clearRequests();
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0;
        m_config.queue.retries = 0;
        m_config.download.directory = m_dir.path().toStdString();
        m_config.download.minSplitSize = 64 * KiB;
        m_config.ui.progressIntervalMs = 100;
    }

    static std::unique_ptr<test::FaultServer> s_server;
    QTemporaryDir m_dir;
    Config m_config;
    test::EngineRecorder m_recorder;
};
std::unique_ptr<test::FaultServer> SlowRegionTest::s_server;

struct Served {
    qint64 begin = 0;
    qint64 end = 0;
};

TEST_F(SlowRegionTest, FinishedConnectionsStealFromTheSlowRegionAndRaceItsLastPiece) {
    constexpr qint64 size = 4 * MiB;
    constexpr qint64 slowBegin = 3 * MiB / 2; // inside the second of four even pieces
    constexpr qint64 slowEnd = 2 * MiB;
    const QString sha = test::writeRandomFile(s_server->root() + "/region.bin", size, 83);
    ASSERT_FALSE(sha.isEmpty());
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    pool.start();
    DownloadRequest r;
    r.url = s_server
                ->url(QStringLiteral("slow-region/region.bin?start=%1&end=%2&rate=131072")
                          .arg(slowBegin)
                          .arg(slowEnd))
                .toStdString();
    r.directory = m_dir.path().toStdString();
    r.engine = "segmented";
    r.split = 4; // fixed: the pool's ramp is another test's business
    r.maxConnectionsPerServer = 4;
    const DownloadId id = pool.add(r);
    ASSERT_TRUE(m_recorder.waitFinal(id, std::chrono::seconds(120)));
    ASSERT_EQ(m_recorder.last(id).state, DownloadState::Completed)
        << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(m_dir.path() + "/region.bin"), sha);

    // The server logs a request once it ended (the loser of a race: once it saw the close).
    int steals = 0;
    bool raced = false;
    const auto look = [&] {
        std::vector<Served> served;
        for (const QJsonObject& e : s_server->requests(QStringLiteral("/slow-region/region.bin"))) {
            const qint64 start = test::rangeStart(e.value("range").toString());
            served.push_back({start, start + e.value("sent").toInteger()});
        }
        // The four first pieces start at 0, 1, 2 and 3 MiB: a request starting strictly inside
        // the slow region was work taken from the connection stuck there.
        steals = 0;
        for (const auto& s : served) {
            steals += s.begin > slowBegin && s.begin < slowEnd ? 1 : 0;
        }
        // Two requests that were both sent the same bytes of the slow region: a race.
        raced = false;
        for (std::size_t i = 0; i < served.size(); ++i) {
            for (std::size_t j = i + 1; j < served.size(); ++j) {
                const qint64 from = std::max({served[i].begin, served[j].begin, slowBegin});
                const qint64 to = std::min({served[i].end, served[j].end, slowEnd});
                raced = raced || from < to;
            }
        }
        return steals >= 1 && raced;
    };
    EXPECT_TRUE(test::waitFor(look, 15000)) << steals << " steal(s), raced " << raced;
}

} // namespace
