// DownloadStore (the GUI's SQLite queue) and a Session that persists through it, including a
// Session killed with SIGKILL in a child process mid-download and reopened.
#include "ResumeHelpers.h"
#include "core/config/Config.h"
#include "core/hosts/HostProfile.h"
#include "core/io/ControlFile.h"
#include "session/DownloadStore.h"
#include "session/Session.h"
#include "support/TestServers.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUrl>
#include <QVariant>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <memory>
#include <sys/types.h>

using namespace maria2;

namespace {

const char* const kChildFlag = "--store-session-child";

// A second, independent connection to a database file, for looking behind the store's back.
class Peek {
public:
    explicit Peek(const QString& path) {
        static int counter = 0;
        m_name = QStringLiteral("store-test-peek-%1").arg(++counter);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        m_ok = db.open();
    }
    ~Peek() {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    Peek(const Peek&) = delete;
    Peek& operator=(const Peek&) = delete;

    bool ok() const { return m_ok; }
    QVariant scalar(const QString& sql) const {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        return query.exec(sql) && query.next() ? query.value(0) : QVariant();
    }
    bool exec(const QString& sql) const {
        QSqlQuery query(QSqlDatabase::database(m_name, false));
        return query.exec(sql);
    }

private:
    QString m_name;
    bool m_ok = false;
};

// The v1 schema exactly as migration 1 creates it, for a database "from an older build".
const char* const kV1Schema = R"(CREATE TABLE downloads (
                key INTEGER PRIMARY KEY,
                position INTEGER NOT NULL,
                url TEXT NOT NULL,
                directory TEXT NOT NULL DEFAULT '',
                file_name TEXT NOT NULL DEFAULT '',
                final_path TEXT NOT NULL DEFAULT '',
                state TEXT NOT NULL,
                total_bytes INTEGER NOT NULL DEFAULT -1,
                done_bytes INTEGER NOT NULL DEFAULT 0,
                error_code INTEGER NOT NULL DEFAULT 0,
                error_message TEXT NOT NULL DEFAULT '',
                added_at_ms INTEGER NOT NULL,
                finished_at_ms INTEGER,
                headers TEXT NOT NULL DEFAULT '[]',
                user_agent TEXT NOT NULL DEFAULT '',
                referer TEXT NOT NULL DEFAULT '',
                allow_overwrite INTEGER NOT NULL DEFAULT 0,
                continue_partial INTEGER NOT NULL DEFAULT 1,
                split INTEGER NOT NULL DEFAULT 0,
                max_conn INTEGER NOT NULL DEFAULT 0,
                min_split INTEGER NOT NULL DEFAULT 0,
                checksum TEXT NOT NULL DEFAULT '',
                updated_at_ms INTEGER NOT NULL))";

QStringList corruptFilesBeside(const QString& path) {
    const QFileInfo info(path);
    return QDir(info.absolutePath())
        .entryList({info.fileName() + QStringLiteral(".corrupt-*")}, QDir::Files);
}

DownloadRequest fullRequest() {
    DownloadRequest r;
    r.url = "https://example.org/a/b.iso?x=1&y=%C3%A9";
    r.directory = "/tmp/där";
    r.fileName = "chosen name.iso";
    r.headers = {"Cookie: a=1; b=\"2\"", "X-Thing: ünïcode"};
    r.userAgent = "Agent/1.0";
    r.referer = "https://example.org/";
    r.allowOverwrite = true;
    r.continuePartial = false;
    r.split = 7;
    r.maxConnectionsPerServer = 9;
    r.minSplitSize = 3 * 1024 * 1024;
    r.checksum = "sha-256=00ff";
    r.maxSpeed = 512 * 1024;
    return r;
}

class DownloadStoreTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }
    QString dbPath() const { return m_dir.path() + "/data/maria2.sqlite"; }
    QTemporaryDir m_dir;
};

TEST_F(DownloadStoreTest, RoundTripsEveryFieldAcrossReopening) {
    const DownloadRequest r = fullRequest();
    qint64 key = 0;
    {
        DownloadStore store(dbPath());
        QString error;
        ASSERT_TRUE(store.open(&error)) << error.toStdString();
        EXPECT_TRUE(store.warning().isEmpty());
        key = store.insert(r, 1234567890123);
        ASSERT_GT(key, 0);
        DownloadSnapshot s;
        s.state = DownloadState::LinkExpired;
        s.totalBytes = 5000000000;
        s.doneBytes = 4000000000;
        s.filePath = "/tmp/där/chosen name.iso";
        s.error = ErrorCode::NotFound;
        s.errorMessage = "the server answers 'login' – give it a fresh link";
        store.updateFromSnapshot(key, s);
    }
    // Owner-only: rows may carry cookies.
    EXPECT_EQ(QFile::permissions(dbPath()) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
              QFileDevice::Permissions());

    DownloadStore store(dbPath());
    ASSERT_TRUE(store.open());
    const QList<StoredDownload> rows = store.load();
    ASSERT_EQ(rows.size(), 1);
    const StoredDownload& d = rows.first();
    EXPECT_EQ(d.key, key);
    EXPECT_EQ(d.request.url, r.url);
    EXPECT_EQ(d.request.directory, r.directory);
    EXPECT_EQ(d.request.fileName, r.fileName);
    EXPECT_EQ(d.request.headers, r.headers);
    EXPECT_EQ(d.request.userAgent, r.userAgent);
    EXPECT_EQ(d.request.referer, r.referer);
    EXPECT_EQ(d.request.allowOverwrite, r.allowOverwrite);
    EXPECT_EQ(d.request.continuePartial, r.continuePartial);
    EXPECT_EQ(d.request.split, r.split);
    EXPECT_EQ(d.request.maxConnectionsPerServer, r.maxConnectionsPerServer);
    EXPECT_EQ(d.request.minSplitSize, r.minSplitSize);
    EXPECT_EQ(d.request.checksum, r.checksum);
    EXPECT_EQ(d.request.maxSpeed, r.maxSpeed);
    EXPECT_EQ(d.state, DownloadState::LinkExpired);
    EXPECT_EQ(d.totalBytes, 5000000000);
    EXPECT_EQ(d.doneBytes, 4000000000);
    EXPECT_EQ(d.finalPath, "/tmp/där/chosen name.iso");
    EXPECT_EQ(d.error, ErrorCode::NotFound);
    EXPECT_EQ(d.errorMessage, "the server answers 'login' – give it a fresh link");
    EXPECT_EQ(d.addedAtMs, 1234567890123);
    EXPECT_EQ(d.finishedAtMs, 0);
    EXPECT_GT(d.updatedAtMs, 0);

    // Completed: finished_at is set once and kept by later writes of the same state.
    DownloadSnapshot done;
    done.state = DownloadState::Completed;
    done.totalBytes = done.doneBytes = 5000000000;
    store.updateFromSnapshot(key, done);
    const qint64 finishedAt = store.load().first().finishedAtMs;
    EXPECT_GT(finishedAt, 0);
    store.updateFromSnapshot(key, done);
    EXPECT_EQ(store.load().first().finishedAtMs, finishedAt);

    store.remove(key);
    EXPECT_TRUE(store.load().isEmpty());
}

TEST_F(DownloadStoreTest, KeepsQueueOrderAndReorders) {
    DownloadStore store(dbPath());
    ASSERT_TRUE(store.open());
    QList<qint64> keys;
    for (int i = 0; i < 4; ++i) {
        DownloadRequest r;
        r.url = "http://h/" + std::to_string(i);
        r.startPaused = i == 2;
        keys.append(store.insert(r, i));
    }
    auto urls = [&] {
        QStringList list;
        for (const auto& d : store.load()) {
            list << QString::fromStdString(d.request.url).section('/', -1);
        }
        return list.join(',');
    };
    EXPECT_EQ(urls(), "0,1,2,3");
    EXPECT_EQ(store.load().at(2).state, DownloadState::Paused);
    EXPECT_EQ(store.load().at(1).state, DownloadState::Queued);
    store.setPositions({keys[3], keys[1]});
    EXPECT_EQ(urls(), "3,1,0,2");
    store.remove(keys[1]);
    EXPECT_EQ(urls(), "3,0,2");
    DownloadRequest r;
    r.url = "http://h/4";
    store.insert(r, 9);
    EXPECT_EQ(urls(), "3,0,2,4");
}

TEST_F(DownloadStoreTest, UsesWalAndTheCurrentSchemaVersion) {
    DownloadStore store(dbPath());
    ASSERT_TRUE(store.open());
    store.insert(fullRequest(), 1);
    EXPECT_TRUE(QFileInfo::exists(dbPath() + "-wal"));
    Peek peek(dbPath());
    ASSERT_TRUE(peek.ok());
    EXPECT_EQ(peek.scalar("PRAGMA journal_mode").toString(), "wal");
    EXPECT_EQ(peek.scalar("PRAGMA user_version").toInt(), DownloadStore::schemaVersion());
    EXPECT_GE(DownloadStore::schemaVersion(), 2);
    EXPECT_EQ(peek.scalar("SELECT COUNT(*) FROM downloads").toInt(), 1);
}

TEST_F(DownloadStoreTest, AnEmptyFileBecomesAFreshDatabase) {
    QDir().mkpath(QFileInfo(dbPath()).absolutePath());
    QFile empty(dbPath());
    ASSERT_TRUE(empty.open(QIODevice::WriteOnly));
    empty.close();
    DownloadStore store(dbPath());
    ASSERT_TRUE(store.open());
    EXPECT_TRUE(store.warning().isEmpty());
    EXPECT_GT(store.insert(fullRequest(), 1), 0);
    EXPECT_TRUE(corruptFilesBeside(dbPath()).isEmpty());
}

TEST_F(DownloadStoreTest, MigratesAVersion1DatabaseKeepingItsRows) {
    QDir().mkpath(QFileInfo(dbPath()).absolutePath());
    {
        Peek peek(dbPath());
        ASSERT_TRUE(peek.ok());
        ASSERT_TRUE(peek.exec(kV1Schema));
        ASSERT_TRUE(peek.exec("INSERT INTO downloads (position, url, state, added_at_ms, "
                              "updated_at_ms, done_bytes) VALUES (1, 'http://old/x', "
                              "'paused', 42, 42, 777)"));
        ASSERT_TRUE(peek.exec("PRAGMA user_version = 1"));
    }
    DownloadStore store(dbPath());
    QString error;
    ASSERT_TRUE(store.open(&error)) << error.toStdString();
    EXPECT_TRUE(store.warning().isEmpty());
    const auto rows = store.load();
    ASSERT_EQ(rows.size(), 1);
    EXPECT_EQ(rows.first().request.url, "http://old/x");
    EXPECT_EQ(rows.first().state, DownloadState::Paused);
    EXPECT_EQ(rows.first().doneBytes, 777);
    Peek peek(dbPath());
    EXPECT_EQ(peek.scalar("PRAGMA user_version").toInt(), DownloadStore::schemaVersion());
    EXPECT_EQ(peek.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                          "name = 'downloads_by_position'")
                  .toInt(),
              1);
}

TEST_F(DownloadStoreTest, MigratesAVersion3DatabaseKeepingItsRowsAndOrder) {
    QDir().mkpath(QFileInfo(dbPath()).absolutePath());
    {
        // Exactly what version 3 left: the table, its index and the host profiles.
        Peek peek(dbPath());
        ASSERT_TRUE(peek.ok());
        ASSERT_TRUE(peek.exec(kV1Schema));
        ASSERT_TRUE(peek.exec("CREATE INDEX downloads_by_position ON downloads(position)"));
        ASSERT_TRUE(peek.exec("CREATE TABLE host_profiles (host TEXT PRIMARY KEY, profile TEXT "
                              "NOT NULL, updated_at_ms INTEGER NOT NULL)"));
        ASSERT_TRUE(peek.exec("INSERT INTO downloads (position, url, state, added_at_ms, "
                              "updated_at_ms, done_bytes, split) VALUES (2, 'http://old/second', "
                              "'queued', 42, 42, 0, 3)"));
        ASSERT_TRUE(peek.exec("INSERT INTO downloads (position, url, state, added_at_ms, "
                              "updated_at_ms, done_bytes) VALUES (1, 'http://old/first', "
                              "'paused', 41, 41, 555)"));
        ASSERT_TRUE(peek.exec("INSERT INTO host_profiles VALUES ('http://old:80', '{}', 7)"));
        ASSERT_TRUE(peek.exec("PRAGMA user_version = 3"));
    }
    DownloadStore store(dbPath());
    QString error;
    ASSERT_TRUE(store.open(&error)) << error.toStdString();
    EXPECT_TRUE(store.warning().isEmpty()) << store.warning().toStdString();
    EXPECT_TRUE(corruptFilesBeside(dbPath()).isEmpty());
    const auto rows = store.load();
    ASSERT_EQ(rows.size(), 2);
    EXPECT_EQ(rows[0].request.url, "http://old/first"); // queue order, not insertion order
    EXPECT_EQ(rows[0].state, DownloadState::Paused);
    EXPECT_EQ(rows[0].doneBytes, 555);
    EXPECT_EQ(rows[1].request.url, "http://old/second");
    EXPECT_EQ(rows[1].request.split, 3);
    EXPECT_EQ(rows[0].request.maxSpeed, 0); // no limit: what those rows meant
    EXPECT_EQ(rows[1].request.maxSpeed, 0);
    EXPECT_EQ(store.loadHostProfiles().size(), 1);
    Peek peek(dbPath());
    EXPECT_EQ(peek.scalar("PRAGMA user_version").toInt(), DownloadStore::schemaVersion());
    EXPECT_GE(DownloadStore::schemaVersion(), 4);

    // The new column works: set, kept, and written by insert.
    store.setMaxSpeed(rows[1].key, 123456);
    DownloadRequest r;
    r.url = "http://new/third";
    r.maxSpeed = 654321;
    const qint64 key = store.insert(r, 50);
    ASSERT_GT(key, 0);
    const auto again = store.load();
    ASSERT_EQ(again.size(), 3);
    EXPECT_EQ(again[1].request.maxSpeed, 123456);
    EXPECT_EQ(again[2].request.url, "http://new/third");
    EXPECT_EQ(again[2].request.maxSpeed, 654321);
}

TEST_F(DownloadStoreTest, RefusesANewerSchemaAndLeavesTheFileAlone) {
    QDir().mkpath(QFileInfo(dbPath()).absolutePath());
    {
        Peek peek(dbPath());
        ASSERT_TRUE(peek.exec("CREATE TABLE future (x)"));
        ASSERT_TRUE(peek.exec("PRAGMA user_version = 99"));
    }
    const QString before = test::sha256OfFile(dbPath());
    DownloadStore store(dbPath());
    QString error;
    EXPECT_FALSE(store.open(&error));
    EXPECT_FALSE(store.isOpen());
    EXPECT_TRUE(error.contains("newer")) << error.toStdString();
    EXPECT_TRUE(error.contains("99")) << error.toStdString();
    EXPECT_TRUE(error.contains(dbPath())) << error.toStdString();
    EXPECT_EQ(test::sha256OfFile(dbPath()), before);
    EXPECT_TRUE(corruptFilesBeside(dbPath()).isEmpty());
    EXPECT_EQ(store.insert(fullRequest(), 1), 0);
}

TEST_F(DownloadStoreTest, MovesGarbageAsideWithAWarningAndStartsFresh) {
    const QString garbageHash = test::writeRandomFile(dbPath(), 8192, 7);
    ASSERT_FALSE(garbageHash.isEmpty());
    DownloadStore store(dbPath());
    QString error;
    ASSERT_TRUE(store.open(&error)) << error.toStdString();
    const QStringList moved = corruptFilesBeside(dbPath());
    ASSERT_EQ(moved.size(), 1);
    const QString movedPath = QFileInfo(dbPath()).absolutePath() + "/" + moved.first();
    EXPECT_TRUE(QRegularExpression(R"(\.corrupt-\d{8}-\d{6}$)").match(movedPath).hasMatch());
    EXPECT_EQ(test::sha256OfFile(movedPath), garbageHash); // moved, never emptied
    EXPECT_TRUE(store.warning().contains(dbPath())) << store.warning().toStdString();
    EXPECT_TRUE(store.warning().contains(movedPath)) << store.warning().toStdString();
    EXPECT_GT(store.insert(fullRequest(), 1), 0);
    EXPECT_EQ(store.load().size(), 1);
}

TEST_F(DownloadStoreTest, MovesAsideADatabaseThatCannotBeMigrated) {
    QDir().mkpath(QFileInfo(dbPath()).absolutePath());
    {
        // Claims version 1, but has no downloads table: migration 2 cannot index it.
        Peek peek(dbPath());
        ASSERT_TRUE(peek.exec("CREATE TABLE other (x)"));
        ASSERT_TRUE(peek.exec("PRAGMA user_version = 1"));
    }
    DownloadStore store(dbPath());
    ASSERT_TRUE(store.open());
    EXPECT_EQ(corruptFilesBeside(dbPath()).size(), 1);
    EXPECT_TRUE(store.warning().contains("migrating")) << store.warning().toStdString();
    EXPECT_GT(store.insert(fullRequest(), 1), 0);
}

TEST_F(DownloadStoreTest, ALockedDatabaseIsAnErrorNeverMovedAside) {
    QDir().mkpath(QFileInfo(dbPath()).absolutePath());
    Peek peek(dbPath());
    ASSERT_TRUE(peek.exec("CREATE TABLE t (x)"));
    ASSERT_TRUE(peek.exec("BEGIN EXCLUSIVE")); // another program holds the file
    DownloadStore store(dbPath());
    QString error;
    EXPECT_FALSE(store.open(&error));
    EXPECT_TRUE(error.contains("locked")) << error.toStdString();
    EXPECT_TRUE(corruptFilesBeside(dbPath()).isEmpty());
    EXPECT_TRUE(store.warning().isEmpty());
    ASSERT_TRUE(peek.exec("ROLLBACK"));
    EXPECT_TRUE(store.open(&error)) << error.toStdString();
}

// --- Session with a database ----------------------------------------------------------------

class StoreSessionTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        const QString root = s_nginx->docRoot();
        s_fast = test::writeRandomFile(root + "/store-fast.bin", 300 * 1024 + 5, 41);
        s_slow = test::writeRandomFile(root + "/store-slow.bin", 3 * 1024 * 1024 + 3, 42);
        s_slow2 = test::writeRandomFile(root + "/store-slow2.bin", 1024 * 1024 + 9, 43);
        ASSERT_FALSE(s_slow.isEmpty());
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
        ASSERT_TRUE(m_dir.isValid());
        m_config = ConfigLoader::defaults();
        m_config.download.directory = (m_dir.path() + "/downloads").toStdString();
        m_config.performance.downloadSpeedLimit = 0; // full speed: /slow/ sets the pace
        m_config.performance.cpuUsagePercent = 100;  // no governor cuts on a busy test machine
        m_config.performance.memoryUsagePercent = 100;
        m_config.retry.initialDelayMs = 20;
        m_config.retry.maxDelayMs = 200;
        m_config.ui.progressIntervalMs = 100;
    }

    QString dbPath() const { return m_dir.path() + "/state/maria2.sqlite"; }
    QString downloaded(const QString& name) const { return m_dir.path() + "/downloads/" + name; }
    QList<test::AccessLogEntry> requestsFor(const QString& uri) const {
        QList<test::AccessLogEntry> list;
        for (const auto& e : s_nginx->accessLog()) {
            if (e.uri == uri) {
                list << e;
            }
        }
        return list;
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_fast;
    static QString s_slow;
    static QString s_slow2;
    QTemporaryDir m_dir;
    Config m_config;
};

std::unique_ptr<test::NginxServer> StoreSessionTest::s_nginx;
QString StoreSessionTest::s_fast;
QString StoreSessionTest::s_slow;
QString StoreSessionTest::s_slow2;

// The issue's test: kill the Session mid-download, reopen, the queue is whole.
TEST_F(StoreSessionTest, KilledMidDownloadReopensWholeAndResumes) {
    const QString fastUrl = s_nginx->httpUrl("store-fast.bin");
    const QString slowUrl = s_nginx->httpUrl("slow/store-slow.bin");
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {kChildFlag, dbPath(), m_dir.path() + "/downloads", fastUrl, slowUrl});
    ASSERT_TRUE(child.waitForStarted(10000)) << child.errorString().toStdString();
    QByteArray out;
    const bool ready = test::waitFor(
        [&] {
            out += child.readAllStandardOutput();
            return out.contains("STORE-CHILD-READY") || child.state() == QProcess::NotRunning;
        },
        60000);
    ASSERT_TRUE(ready && out.contains("STORE-CHILD-READY")) << out.toStdString();
    ASSERT_EQ(::kill(static_cast<pid_t>(child.processId()), SIGKILL), 0);
    ASSERT_TRUE(child.waitForFinished(10000));
    EXPECT_EQ(child.exitStatus(), QProcess::CrashExit);
    ASSERT_TRUE(QFileInfo::exists(downloaded("store-slow.bin.part")));
    ASSERT_FALSE(QFileInfo::exists(downloaded("store-slow.bin")));

    {
        // What the killed Session left: both rows, the running one with its bytes.
        DownloadStore store(dbPath());
        ASSERT_TRUE(store.open());
        const auto rows = store.load();
        ASSERT_EQ(rows.size(), 2);
        EXPECT_EQ(rows[0].state, DownloadState::Completed);
        EXPECT_GT(rows[0].finishedAtMs, 0);
        EXPECT_EQ(rows[1].state, DownloadState::Downloading);
        EXPECT_GT(rows[1].doneBytes, 0);
    }

    Session session(m_config, SessionOptions{dbPath()});
    EXPECT_TRUE(session.storeWarning().isEmpty()) << session.storeWarning().toStdString();
    const QList<DownloadSnapshot> restored = session.downloads();
    ASSERT_EQ(restored.size(), 2);
    EXPECT_EQ(QString::fromStdString(restored[0].url), fastUrl);
    EXPECT_EQ(QString::fromStdString(restored[1].url), slowUrl);
    EXPECT_EQ(restored[0].state, DownloadState::Completed);
    EXPECT_EQ(QString::fromStdString(restored[0].filePath), downloaded("store-fast.bin"));
    EXPECT_NE(restored[1].state, DownloadState::Completed);
    EXPECT_GT(restored[1].doneBytes, 0); // the saved figures, until the engine has its own

    const DownloadId slowId = restored[1].id;
    ASSERT_TRUE(test::waitFor([&] { return isFinal(session.download(slowId).state); }, 90000));
    EXPECT_EQ(session.download(slowId).state, DownloadState::Completed)
        << session.download(slowId).errorMessage;
    EXPECT_EQ(test::sha256OfFile(downloaded("store-slow.bin")), s_slow);
    EXPECT_EQ(test::sha256OfFile(downloaded("store-fast.bin")), s_fast);
    EXPECT_FALSE(QFileInfo::exists(downloaded("store-slow.bin.part")));
    EXPECT_EQ(session.downloads().size(), 2);
    EXPECT_EQ(session.download(restored[0].id).state, DownloadState::Completed);

    // nginx logs a request when it ends: wait until the bytes of the whole file are logged.
    const qint64 slowSize = QFileInfo(downloaded("store-slow.bin")).size();
    EXPECT_TRUE(test::waitFor(
        [&] {
            qint64 sent = 0;
            for (const auto& e : requestsFor("/slow/store-slow.bin")) {
                sent += e.bytesSent;
            }
            return sent >= slowSize;
        },
        10000));
    // Resumed, not restarted: only the killed run's first request started at byte 0.
    int fromZero = 0;
    for (const auto& e : requestsFor("/slow/store-slow.bin")) {
        fromZero += test::rangeStart(e.range) == 0 ? 1 : 0;
    }
    EXPECT_EQ(fromZero, 1);
    // The completed one was shown as it was, never fetched again.
    EXPECT_EQ(requestsFor("/store-fast.bin").size(), 1);
}

TEST_F(StoreSessionTest, AShutdownKeepsRunningOnesRunningAndPausedOnesPaused) {
    const QString slowUrl = s_nginx->httpUrl("slow/store-slow2.bin");
    const QString pausedUrl = s_nginx->httpUrl("store-fast.bin?paused");
    const QString missingUrl = s_nginx->httpUrl("store-missing.bin");
    {
        Session session(m_config, SessionOptions{dbPath()});
        DownloadRequest slow;
        slow.url = slowUrl.toStdString();
        slow.split = 1;
        const DownloadId slowId = session.add(slow);
        DownloadRequest paused;
        paused.url = pausedUrl.toStdString();
        paused.fileName = "paused.bin";
        paused.startPaused = true;
        session.add(paused);
        DownloadRequest gone;
        gone.url = s_nginx->httpUrl("store-fast.bin?gone").toStdString();
        gone.startPaused = true;
        const DownloadId goneId = session.add(gone);
        DownloadRequest missing;
        missing.url = missingUrl.toStdString();
        const DownloadId missingId = session.add(missing);
        session.remove(goneId);
        ASSERT_TRUE(test::waitFor(
            [&] {
                return session.download(slowId).doneBytes > 64 * 1024 &&
                       session.download(missingId).state == DownloadState::Failed &&
                       session.downloads().size() == 3;
            },
            30000));
        // As the GUI quits: shutdown first, then the events (Paused by the shutdown) arrive.
        session.shutdown();
        ASSERT_TRUE(test::waitFor(
            [&] { return session.download(slowId).state == DownloadState::Paused; }, 10000));
    }

    Session session(m_config, SessionOptions{dbPath()});
    const QList<DownloadSnapshot> restored = session.downloads();
    ASSERT_EQ(restored.size(), 3);
    EXPECT_EQ(QString::fromStdString(restored[0].url), slowUrl);
    EXPECT_EQ(QString::fromStdString(restored[1].url), pausedUrl);
    EXPECT_EQ(QString::fromStdString(restored[2].url), missingUrl);
    EXPECT_EQ(restored[1].state, DownloadState::Paused);
    EXPECT_EQ(restored[2].state, DownloadState::Failed);
    EXPECT_EQ(restored[2].error, ErrorCode::NotFound);
    EXPECT_FALSE(restored[2].errorMessage.empty());

    ASSERT_TRUE(test::waitFor(
        [&] { return session.download(restored[0].id).state == DownloadState::Completed; }, 60000));
    EXPECT_EQ(test::sha256OfFile(downloaded("store-slow2.bin")), s_slow2);
    EXPECT_EQ(session.download(restored[1].id).state, DownloadState::Paused);
    EXPECT_EQ(session.download(restored[2].id).state, DownloadState::Failed);
    const auto pausedRequests = [&] {
        int n = 0;
        for (const auto& e : requestsFor("/store-fast.bin")) {
            n += e.requestUri.contains("paused") ? 1 : 0;
        }
        return n;
    };
    EXPECT_EQ(pausedRequests(), 0); // restored paused: not started by itself

    // A paused one resumes on request; a removed one stays gone; a failed one may be retried.
    session.resume(restored[1].id);
    ASSERT_TRUE(test::waitFor(
        [&] { return session.download(restored[1].id).state == DownloadState::Completed; }, 30000));
    EXPECT_EQ(test::sha256OfFile(downloaded("paused.bin")), s_fast);
    const qsizetype missingBefore = requestsFor("/store-missing.bin").size();
    session.resume(restored[2].id);
    EXPECT_TRUE(test::waitFor(
        [&] { return requestsFor("/store-missing.bin").size() > missingBefore; }, 10000));
    ASSERT_TRUE(test::waitFor(
        [&] { return session.download(restored[2].id).state == DownloadState::Failed; }, 10000));

    session.remove(restored[2].id);
    ASSERT_TRUE(test::waitFor([&] { return session.downloads().size() == 2; }, 10000));
    Peek peek(dbPath());
    EXPECT_EQ(peek.scalar("SELECT COUNT(*) FROM downloads").toInt(), 2);
}

} // namespace

namespace maria2::test {

// Runs in a child process (tests/integration/main.cpp): a Session with a database downloads
// args = DB DIR FASTURL SLOWURL: the fast one to the end, the slow one until some bytes are on
// disk and in the database; then says STORE-CHILD-READY and waits to be killed.
int runStoreSessionChild(const QStringList& args) {
    if (args.size() != 4) {
        std::fprintf(stderr, "store child: want DB DIR FASTURL SLOWURL\n");
        return 2;
    }
    Config config = ConfigLoader::defaults();
    config.download.directory = args[1].toStdString();
    config.performance.downloadSpeedLimit = 0;
    config.performance.cpuUsagePercent = 100;
    config.performance.memoryUsagePercent = 100;
    config.ui.progressIntervalMs = 100;
    Session session(config, SessionOptions{args[0]});
    DownloadRequest fast;
    fast.url = args[2].toStdString();
    const DownloadId fastId = session.add(fast);
    if (!waitFor([&] { return isFinal(session.download(fastId).state); }, 30000) ||
        session.download(fastId).state != DownloadState::Completed) {
        std::fprintf(stderr, "store child: the fast download did not complete\n");
        return 3;
    }
    DownloadRequest slow;
    slow.url = args[3].toStdString();
    slow.split = 2; // two ranges at 256 KiB/s each: several seconds for the whole file
    const DownloadId slowId = session.add(slow);
    const QString part = args[1] + "/" + QUrl(args[3]).fileName() + ".part";
    Peek peek(args[0]);
    const bool ready = waitFor(
        [&] {
            const DownloadSnapshot s = session.download(slowId);
            return s.doneBytes >= 256 * 1024 &&
                   controlRanges(part + ".maria2").contiguousFrom(0) > 0 &&
                   peek.scalar("SELECT done_bytes FROM downloads WHERE state = 'downloading'")
                           .toLongLong() > 0;
        },
        30000);
    const DownloadSnapshot s = session.download(slowId);
    if (!ready || isFinal(s.state) || s.doneBytes >= s.totalBytes) {
        std::fprintf(stderr, "store child: not in the middle of the download (%s, %lld bytes)\n",
                     toString(s.state), static_cast<long long>(s.doneBytes));
        return 4;
    }
    std::printf("STORE-CHILD-READY\n");
    std::fflush(stdout);
    waitFor([] { return false; }, 120000); // until SIGKILL
    return 5;
}

} // namespace maria2::test

namespace {

// Names are reserved across restarts: a paused download restored from the database holds its
// name from the moment it is restored, so a new download of the same name (the desktop app
// continues a NAME.part it finds) neither takes the name nor adopts and rewrites its part file.
TEST_F(StoreSessionTest, ARestoredDownloadHoldsItsNameAgainstANewOneOfTheSameName) {
    {
        Session session(m_config, SessionOptions{dbPath()});
        DownloadRequest r;
        r.url = s_nginx->httpUrl("slow/store-slow.bin").toStdString();
        r.fileName = "same.bin";
        r.split = 1;
        const DownloadId id = session.add(r);
        ASSERT_TRUE(
            test::waitFor([&] { return session.download(id).doneBytes > 64 * 1024; }, 30000));
        session.pause(id);
        ASSERT_TRUE(test::waitFor(
            [&] { return session.download(id).state == DownloadState::Paused; }, 10000));
        session.shutdown();
    }
    const auto readPart = [&] {
        QFile f(downloaded("same.bin.part"));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const QByteArray partBefore = readPart();
    ASSERT_FALSE(partBefore.isEmpty());

    Session session(m_config, SessionOptions{dbPath()});
    const QList<DownloadSnapshot> restored = session.downloads();
    ASSERT_EQ(restored.size(), 1);
    ASSERT_EQ(restored[0].state, DownloadState::Paused);
    DownloadRequest other; // another file that wants the same name
    other.url = s_nginx->httpUrl("store-fast.bin").toStdString();
    other.fileName = "same.bin";
    ASSERT_TRUE(other.continuePartial); // as the desktop app adds by default
    const DownloadId otherId = session.add(other);
    ASSERT_TRUE(test::waitFor(
        [&] { return session.download(otherId).state == DownloadState::Completed; }, 30000))
        << session.download(otherId).errorMessage;
    const std::string otherName = session.download(otherId).fileName;
    EXPECT_NE(otherName, "same.bin");
    EXPECT_EQ(test::sha256OfFile(downloaded(QString::fromStdString(otherName))), s_fast);
    EXPECT_EQ(readPart(), partBefore) << "the restored download's part file was touched";

    session.resume(restored[0].id);
    ASSERT_TRUE(test::waitFor(
        [&] { return session.download(restored[0].id).state == DownloadState::Completed; }, 60000));
    EXPECT_EQ(test::sha256OfFile(downloaded("same.bin")), s_slow);
}

// What the engine pool learns of a host survives a restart (issue: "host profiles are saved").
TEST_F(StoreSessionTest, HostProfilesAreSavedAndLoadedAgain) {
    const QString url = s_nginx->httpUrl("store-fast.bin");
    const auto host = hostKeyFromUrl(url.toStdString());
    ASSERT_TRUE(host);
    {
        Session session(m_config, SessionOptions{dbPath()});
        DownloadRequest r;
        r.url = url.toStdString();
        r.directory = m_config.download.directory;
        r.allowOverwrite = true;
        const DownloadId id = session.add(r);
        ASSERT_TRUE(test::waitFor(
            [&] { return session.download(id).state == DownloadState::Completed; }, 60000));
        DownloadStore peek(dbPath());
        ASSERT_TRUE(peek.open());
        ASSERT_TRUE(test::waitFor([&] { return !peek.loadHostProfiles().isEmpty(); }, 10000));
    }
    DownloadStore store(dbPath());
    ASSERT_TRUE(store.open());
    const auto rows = store.loadHostProfiles();
    ASSERT_EQ(rows.size(), 1);
    EXPECT_EQ(rows[0].first.toStdString(), *host);
    const auto json = nlohmann::json::parse(rows[0].second.toStdString(), nullptr, false);
    const auto profile = HostProfile::fromJson(json);
    ASSERT_TRUE(profile);
    EXPECT_EQ(profile->host, *host);
    EXPECT_GE(profile->downloads, 1);
}

} // namespace
