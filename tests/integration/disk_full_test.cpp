// A full disk, for real: a small tmpfs mounted for the test (CI runs as root; elsewhere the
// tests say why they are skipped). maria2c exits 9 naming the cause; a download that fills the
// volume mid-way fails as DiskFull with its part and control files intact, and completes
// byte-identical once there is space again.
#include "EngineRecorder.h"
#include "core/config/Config.h"
#include "core/engine/Engine.h"
#include "core/io/ControlFile.h"
#include "support/TestServers.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#ifdef __linux__
#include <sys/mount.h>
#include <unistd.h>
#endif

using namespace maria2;

namespace {

constexpr qint64 MiB = 1024 * 1024;

class DiskFullTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_nginx = std::make_unique<test::NginxServer>();
        QString error;
        ASSERT_TRUE(s_nginx->start(&error)) << error.toStdString();
        s_sha = test::writeRandomFile(s_nginx->docRoot() + "/big.bin", 6 * MiB + 11, 91);
    }
    static void TearDownTestSuite() { s_nginx.reset(); }

    void SetUp() override {
#ifndef __linux__
        GTEST_SKIP() << "mounts a tmpfs: Linux only";
#else
        if (::geteuid() != 0) {
            GTEST_SKIP() << "mounting a small tmpfs needs root (CI runs as root)";
        }
        ASSERT_TRUE(m_mount.isValid());
        ASSERT_TRUE(mountWithSize("3m")) << std::strerror(errno);
        m_mounted = true;
#endif
    }
    void TearDown() override {
#ifdef __linux__
        m_engine.reset();
        if (m_mounted) {
            ::umount2(m_mount.path().toLocal8Bit().constData(), MNT_DETACH);
        }
#endif
    }

#ifdef __linux__
    bool mountWithSize(const char* size, bool remount = false) {
        const std::string options = std::string("size=") + size + ",mode=0700";
        return ::mount("tmpfs", m_mount.path().toLocal8Bit().constData(), "tmpfs",
                       remount ? MS_REMOUNT : 0, options.c_str()) == 0;
    }
#endif

    QString dir() const {
        return m_mount.path();
    }
    QString path(const QString& name) const {
        return dir() + "/" + name;
    }

    Config config() const {
        Config c = ConfigLoader::defaults();
        c.performance.downloadSpeedLimit = 0;
        c.queue.retries = 0;
        c.download.directory = dir().toStdString();
        c.download.controlSaveIntervalMs = 200;
        c.ui.progressIntervalMs = 100;
        return c;
    }

    static std::unique_ptr<test::NginxServer> s_nginx;
    static QString s_sha;
    QTemporaryDir m_mount;
    bool m_mounted = false;
    test::EngineRecorder m_recorder;
    std::unique_ptr<Engine> m_engine;
};

std::unique_ptr<test::NginxServer> DiskFullTest::s_nginx;
QString DiskFullTest::s_sha;

TEST_F(DiskFullTest, Maria2cExitsWith9SayingTheDiskIsFull) {
    QTemporaryDir home;
    ASSERT_TRUE(home.isValid());
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("HOME", home.path());
    env.insert("XDG_CONFIG_HOME", home.path() + "/.config");
    env.insert("XDG_DATA_HOME", home.path() + "/.local/share");
    p.setProcessEnvironment(env);
    p.start(MARIA2C_PATH,
            {"--max-overall-download-limit=0", "-d", dir(), s_nginx->httpUrl("big.bin")});
    ASSERT_TRUE(p.waitForFinished(120000));
    EXPECT_EQ(p.exitCode(), 9) << p.readAllStandardError().toStdString();
    const QString out = QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
    // Said before the first byte (the free space is checked against the size) or as the
    // session's pause below the free-space floor: either way it names the free space.
    EXPECT_TRUE(out.contains("free")) << out.toStdString();
    EXPECT_FALSE(QFile::exists(path("big.bin")));
}

TEST_F(DiskFullTest, FullMidDownloadKeepsThePartAndResumesOnceThereIsSpace) {
    Config c = config();
    c.download.preallocate = false; // no reservation up front: the disk fills mid-download
    m_engine = std::make_unique<Engine>(c, m_recorder);
    m_engine->start();
    DownloadRequest r;
    r.url = s_nginx->httpUrl("big.bin").toStdString();
    r.directory = dir().toStdString();
    r.fileName = "big.bin";
    r.split = 4;
    r.minSplitSize = MiB;
    r.continuePartial = true;
    const DownloadId id = m_engine->add(r);
    ASSERT_TRUE(m_recorder.waitFinal(id));
    const DownloadSnapshot failed = m_recorder.last(id);
    ASSERT_EQ(failed.state, DownloadState::Failed);
    EXPECT_EQ(failed.error, ErrorCode::DiskFull) << failed.errorMessage;
    EXPECT_NE(failed.errorMessage.find("No space left"), std::string::npos) << failed.errorMessage;
    EXPECT_GT(failed.doneBytes, 0);
    EXPECT_FALSE(QFile::exists(path("big.bin")));
    ASSERT_TRUE(QFile::exists(path("big.bin.part")));
    // The control file still reads, and claims only bytes the part really holds.
    std::string why;
    const auto control = io::loadControl(path("big.bin.part.maria2").toStdString(), &why);
    ASSERT_TRUE(control.has_value()) << why;
    const QByteArray part = [&] {
        QFile f(path("big.bin.part"));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    const QByteArray original = [&] {
        QFile f(s_nginx->docRoot() + "/big.bin");
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    for (const auto& range : control->ranges) {
        const auto b = static_cast<qsizetype>(range.begin);
        const auto n = static_cast<qsizetype>(range.end - range.begin);
        ASSERT_LE(b + n, part.size());
        EXPECT_EQ(part.mid(b, n), original.mid(b, n)) << "range " << range.begin;
    }

    // Space comes back: the same download resumes and ends byte-identical.
    ASSERT_TRUE(mountWithSize("32m", true)) << std::strerror(errno);
    m_engine->resume(id);
    ASSERT_TRUE(m_recorder.waitUntil([&](const auto& m) {
        const auto it = m.find(id);
        return it != m.end() && it->second.state == DownloadState::Completed;
    })) << m_recorder.last(id).errorMessage;
    EXPECT_EQ(test::sha256OfFile(path("big.bin")), s_sha);
    EXPECT_EQ(QDir(dir()).entryList(QDir::Files | QDir::Hidden), QStringList{"big.bin"});
}

} // namespace
