// Connections are reused, never wasted, counted where it counts: at the server. nginx logs
// each request's connection serial number ($connection) and its place on that connection
// ($connection_requests), so the test sees exactly how many TCP/TLS connections the pool
// opened for a list of small files, and whether HTTP/2 downloads shared one.
#include "EngineRecorder.h"
#include "core/config/Config.h"
#include "core/pool/EnginePool.h"
#include "session/QtDigest.h"
#include "support/TestServers.h"

#include <QFileInfo>
#include <QSet>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace maria2;

namespace {

constexpr int kFiles = 24;
constexpr int kAtOnce = 4;
constexpr qint64 kSize = 48 * 1024;

class ConnectionReuseTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        for (int i = 0; i < kFiles; ++i) {
            s_sha.append(test::writeRandomFile(s_nginx->docRoot() + QString("/r%1.bin").arg(i),
                                               kSize, 700 + i));
        }
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.performance.downloadSpeedLimit = 0;
        m_config.performance.maxConcurrentDownloads = kAtOnce;
        m_config.queue.retries = 0;
        m_config.download.directory = m_dir.path().toStdString();
        m_config.network.caCertificate = s_nginx->caCertPath().toStdString();
        s_nginx->clearAccessLog();
    }

    // Adds every file (as a list arrives: all at once), waits for all, checks the bytes.
    void downloadAll(bool https) {
        EnginePool pool(m_config, m_recorder, qtDigestFactory());
        pool.start();
        std::vector<DownloadId> ids;
        for (int i = 0; i < kFiles; ++i) {
            DownloadRequest r;
            const QString path = QString("r%1.bin").arg(i);
            r.url = (https ? s_nginx->httpsUrl(path) : s_nginx->httpUrl(path)).toStdString();
            r.directory = m_dir.path().toStdString();
            ids.push_back(pool.add(r));
        }
        for (int i = 0; i < kFiles; ++i) {
            ASSERT_TRUE(m_recorder.waitFinal(ids[static_cast<std::size_t>(i)]));
            const DownloadSnapshot s = m_recorder.last(ids[static_cast<std::size_t>(i)]);
            ASSERT_EQ(s.state, DownloadState::Completed) << s.errorMessage;
            EXPECT_EQ(test::sha256OfFile(m_dir.path() + QString("/r%1.bin").arg(i)), s_sha[i]);
        }
        pool.stop();
    }

    // The access log once it holds every file's request (nginx writes a line after the
    // response is sent, so the client can be done first).
    QList<test::AccessLogEntry> requests() {
        QList<test::AccessLogEntry> log;
        test::waitFor(
            [&] {
                log = s_nginx->accessLog();
                return log.size() >= kFiles;
            },
            10000);
        return log;
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QStringList s_sha;
    QTemporaryDir m_dir;
    Config m_config;
    test::EngineRecorder m_recorder;
};
std::unique_ptr<test::NginxServer> ConnectionReuseTest::s_nginx;
QStringList ConnectionReuseTest::s_sha;

TEST_F(ConnectionReuseTest, Http11FilesReuseKeptAliveConnections) {
    downloadAll(false);
    const auto log = requests();
    ASSERT_EQ(log.size(), kFiles) << "one request per file: no probe, no HEAD, no retry";
    QSet<qint64> connections;
    int reused = 0;
    for (const auto& e : log) {
        EXPECT_EQ(e.method, "GET");
        EXPECT_EQ(e.protocol, "HTTP/1.1");
        connections.insert(e.connection);
        reused += e.connectionRequests > 1 ? 1 : 0;
    }
    // At most one connection per download running at once, plus the connection of the first
    // file, routed before the pool knew a list was coming.
    EXPECT_LE(connections.size(), kAtOnce + 1);
    EXPECT_GE(reused, kFiles - connections.size());
}

TEST_F(ConnectionReuseTest, Http2DownloadsShareOneConnection) {
    if (!curlCapabilities().http2) {
        GTEST_SKIP() << "this libcurl has no HTTP/2";
    }
    downloadAll(true);
    const auto log = requests();
    ASSERT_EQ(log.size(), kFiles);
    QSet<qint64> connections;
    QSet<qint64> h2Connections;
    int h2 = 0;
    for (const auto& e : log) {
        connections.insert(e.connection);
        if (e.protocol == "HTTP/2.0") {
            ++h2;
            h2Connections.insert(e.connection);
        }
    }
    // Once the host is known to speak h2, every download is one more stream on the same
    // TLS connection; in all, no more TLS connections than the pool has engine threads.
    EXPECT_GE(h2, kFiles - 1);
    EXPECT_EQ(h2Connections.size(), 1);
    EnginePool pool(m_config, m_recorder, qtDigestFactory());
    EXPECT_LE(static_cast<std::size_t>(connections.size()), pool.engineNames().size());
}

} // namespace
