// The Linux SleepInhibitor against fake logind and desktop-portal services on two private
// dbus-daemons (standing in for the system and the session bus): logind's lock is a file
// descriptor held until release(); without logind the portal is asked (suspend|idle, with the
// reason) and its request closed on release(); without either it gives up quietly.
#include "session/SleepInhibitor.h"
#include "support/TestServers.h"

#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusUnixFileDescriptor>
#include <QDBusVirtualObject>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <poll.h>
#include <unistd.h>

using namespace maria2;

namespace {

const QString kLogind = QStringLiteral("org.freedesktop.login1");
const QString kPortal = QStringLiteral("org.freedesktop.portal.Desktop");

// A D-Bus object that hands every call to a function (no moc needed).
class FakeObject final : public QDBusVirtualObject {
public:
    using Handler = std::function<void(const QDBusMessage&, const QDBusConnection&)>;
    explicit FakeObject(Handler handler)
        : m_handler(std::move(handler)) {}
    QString introspect(const QString&) const override { return {}; }
    bool handleMessage(const QDBusMessage& message, const QDBusConnection& connection) override {
        m_handler(message, connection);
        return true;
    }

private:
    Handler m_handler;
};

// A private dbus-daemon without service activation: what is not registered does not exist.
class PrivateBus {
public:
    bool start(const QString& dir, const QString& name, QString* error) {
        m_socket = dir + QLatin1Char('/') + name;
        const QString config = dir + QLatin1Char('/') + name + QStringLiteral(".conf");
        QFile file(config);
        if (!file.open(QIODevice::WriteOnly)) {
            *error = file.errorString();
            return false;
        }
        file.write(
            QStringLiteral(
                R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%1</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)")
                .arg(m_socket)
                .toUtf8());
        file.close();
        test::ChildSpec spec;
        spec.program = QStringLiteral("/usr/bin/dbus-daemon");
        spec.args = {QStringLiteral("--nofork"), QStringLiteral("--nopidfile"),
                     QStringLiteral("--config-file=") + config};
        spec.outputFile = dir + QLatin1Char('/') + name + QStringLiteral(".log");
        if (!QFile::exists(spec.program)) {
            *error = QStringLiteral("dbus-daemon is not installed (Debian: apt-get install "
                                    "dbus-daemon)");
            return false;
        }
        if (!m_child.start(spec, error)) {
            return false;
        }
        // Listening once a client gets through.
        const bool up = test::waitFor(
            [this] {
                QDBusConnection probe =
                    QDBusConnection::connectToBus(address(), QStringLiteral("probe"));
                const bool ok = probe.isConnected();
                QDBusConnection::disconnectFromBus(QStringLiteral("probe"));
                return ok;
            },
            10000);
        if (!up) {
            *error = QStringLiteral("dbus-daemon did not start: ") +
                     QString::fromUtf8(QFile(spec.outputFile).exists() ? "see " : "") +
                     spec.outputFile;
        }
        return up;
    }
    QString address() const { return QStringLiteral("unix:path=") + m_socket; }

private:
    test::ChildProcess m_child;
    QString m_socket;
};

// The read end of the pipe whose write end the fake logind handed out: it hangs up once every
// copy of the write end is closed.
bool hungUp(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0;
}

// How many descriptors of this process refer to the pipe of fd.
int descriptorsOfPipe(int fd) {
    const QString target = QFile::symLinkTarget(QStringLiteral("/proc/self/fd/%1").arg(fd));
    int n = 0;
    const QDir dir(QStringLiteral("/proc/self/fd"));
    for (const QString& entry : dir.entryList(QDir::Files | QDir::System)) {
        n += QFile::symLinkTarget(dir.filePath(entry)) == target ? 1 : 0;
    }
    return n;
}

class SleepInhibitorDbusTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_dir = std::make_unique<QTemporaryDir>();
        ASSERT_TRUE(s_dir->isValid());
        s_system = std::make_unique<PrivateBus>();
        s_session = std::make_unique<PrivateBus>();
        QString error;
        ASSERT_TRUE(s_system->start(s_dir->path(), QStringLiteral("system"), &error))
            << error.toStdString();
        ASSERT_TRUE(s_session->start(s_dir->path(), QStringLiteral("session"), &error))
            << error.toStdString();
        // Read by Qt when the inhibitor first reaches for the buses.
        qputenv("DBUS_SYSTEM_BUS_ADDRESS", s_system->address().toUtf8());
        qputenv("DBUS_SESSION_BUS_ADDRESS", s_session->address().toUtf8());
    }
    static void TearDownTestSuite() {
        s_system.reset();
        s_session.reset();
        s_dir.reset();
    }

    void TearDown() override {
        for (const QString& name : m_fakes) {
            QDBusConnection::disconnectFromBus(name);
        }
        if (m_readEnd >= 0) {
            ::close(m_readEnd);
        }
    }

    // A fake logind on the "system" bus: Inhibit answers with the write end of a fresh pipe.
    void fakeLogind() {
        m_logind =
            std::make_unique<FakeObject>([this](const QDBusMessage& m, const QDBusConnection& c) {
                if (m.member() != QLatin1String("Inhibit")) {
                    c.send(m.createErrorReply(QDBusError::UnknownMethod, m.member()));
                    return;
                }
                m_logindArgs = m.arguments();
                int fds[2];
                ASSERT_EQ(::pipe(fds), 0);
                m_readEnd = fds[0];
                c.send(m.createReply(QVariant::fromValue(QDBusUnixFileDescriptor(fds[1]))));
                ::close(fds[1]); // QDBusUnixFileDescriptor took a copy
                ++m_logindCalls;
            });
        QDBusConnection bus = connect(s_system->address(), QStringLiteral("fake-logind"));
        ASSERT_TRUE(
            bus.connectionCapabilities().testFlag(QDBusConnection::UnixFileDescriptorPassing));
        ASSERT_TRUE(
            bus.registerVirtualObject(QStringLiteral("/org/freedesktop/login1"), m_logind.get()));
        ASSERT_TRUE(bus.registerService(kLogind));
    }

    // A fake desktop portal on the "session" bus: Inhibit answers with a request object, whose
    // Close it records.
    void fakePortal() {
        m_portal =
            std::make_unique<FakeObject>([this](const QDBusMessage& m, const QDBusConnection& c) {
                if (m.member() == QLatin1String("Inhibit")) {
                    m_portalArgs = m.arguments();
                    c.send(m.createReply(QVariant::fromValue(QDBusObjectPath(kRequest))));
                } else if (m.member() == QLatin1String("Close")) {
                    m_closed << m.path();
                    c.send(m.createReply());
                } else {
                    c.send(m.createErrorReply(QDBusError::UnknownMethod, m.member()));
                }
            });
        QDBusConnection bus = connect(s_session->address(), QStringLiteral("fake-portal"));
        ASSERT_TRUE(bus.registerVirtualObject(QStringLiteral("/org/freedesktop/portal/desktop"),
                                              m_portal.get(), QDBusConnection::SubPath));
        ASSERT_TRUE(bus.registerService(kPortal));
    }

    QDBusConnection connect(const QString& address, const QString& name) {
        m_fakes << name;
        QDBusConnection bus = QDBusConnection::connectToBus(address, name);
        EXPECT_TRUE(bus.isConnected()) << bus.lastError().message().toStdString();
        return bus;
    }

    static inline const QString kRequest =
        QStringLiteral("/org/freedesktop/portal/desktop/request/1_1/maria2");
    static std::unique_ptr<QTemporaryDir> s_dir;
    static std::unique_ptr<PrivateBus> s_system;
    static std::unique_ptr<PrivateBus> s_session;
    QStringList m_fakes;
    std::unique_ptr<FakeObject> m_logind;
    std::unique_ptr<FakeObject> m_portal;
    QVariantList m_logindArgs;
    QVariantList m_portalArgs;
    QStringList m_closed;
    int m_logindCalls = 0;
    int m_readEnd = -1;
};

std::unique_ptr<QTemporaryDir> SleepInhibitorDbusTest::s_dir;
std::unique_ptr<PrivateBus> SleepInhibitorDbusTest::s_system;
std::unique_ptr<PrivateBus> SleepInhibitorDbusTest::s_session;

TEST_F(SleepInhibitorDbusTest, HoldsLogindsLockUntilReleased) {
    fakeLogind();
    fakePortal();
    auto inhibitor = makeSleepInhibitor();
    ASSERT_TRUE(inhibitor->acquire("Downloading files"));
    EXPECT_TRUE(inhibitor->held());
    // Answered, and only the inhibitor's copy of the write end is left open.
    ASSERT_TRUE(
        test::waitFor([&] { return m_readEnd >= 0 && descriptorsOfPipe(m_readEnd) == 2; }, 10000));
    ASSERT_EQ(m_logindArgs.size(), 4);
    EXPECT_EQ(m_logindArgs.at(0).toString(), QStringLiteral("sleep:idle"));
    EXPECT_EQ(m_logindArgs.at(1).toString(), QStringLiteral("MAria2"));
    EXPECT_EQ(m_logindArgs.at(2).toString(), QStringLiteral("Downloading files"));
    EXPECT_EQ(m_logindArgs.at(3).toString(), QStringLiteral("block"));
    EXPECT_FALSE(hungUp(m_readEnd)); // the lock is held

    // Acquiring again changes nothing.
    EXPECT_TRUE(inhibitor->acquire("Downloading files"));
    EXPECT_EQ(m_logindCalls, 1);

    inhibitor->release();
    EXPECT_FALSE(inhibitor->held());
    ASSERT_TRUE(test::waitFor([&] { return hungUp(m_readEnd); }, 10000));
    EXPECT_TRUE(m_portalArgs.isEmpty()); // logind answered: the portal was not asked
}

TEST_F(SleepInhibitorDbusTest, ReleasedBeforeTheAnswerCameTheLockIsGivenBackWhenItComes) {
    fakeLogind();
    auto inhibitor = makeSleepInhibitor();
    ASSERT_TRUE(inhibitor->acquire("Downloading files"));
    inhibitor->release(); // before any event is processed: the answer is still on its way
    ASSERT_TRUE(test::waitFor([&] { return m_readEnd >= 0 && hungUp(m_readEnd); }, 10000));
    EXPECT_EQ(m_logindCalls, 1);
}

TEST_F(SleepInhibitorDbusTest, DestroyingItReleases) {
    fakeLogind();
    auto inhibitor = makeSleepInhibitor();
    ASSERT_TRUE(inhibitor->acquire("Downloading files"));
    ASSERT_TRUE(
        test::waitFor([&] { return m_readEnd >= 0 && descriptorsOfPipe(m_readEnd) == 2; }, 10000));
    EXPECT_FALSE(hungUp(m_readEnd));
    inhibitor.reset();
    ASSERT_TRUE(test::waitFor([&] { return hungUp(m_readEnd); }, 10000));
}

TEST_F(SleepInhibitorDbusTest, FallsBackToTheDesktopPortalWithoutLogind) {
    fakePortal(); // no logind on the "system" bus
    auto inhibitor = makeSleepInhibitor();
    ASSERT_TRUE(inhibitor->acquire("Downloading files"));
    ASSERT_TRUE(test::waitFor([&] { return !m_portalArgs.isEmpty(); }, 10000));
    ASSERT_EQ(m_portalArgs.size(), 3);
    EXPECT_EQ(m_portalArgs.at(0).toString(), QString()); // no window identifier
    EXPECT_EQ(m_portalArgs.at(1).toUInt(), 4u | 8u);     // suspend | idle
    const QVariantMap options = qdbus_cast<QVariantMap>(m_portalArgs.at(2));
    EXPECT_EQ(options.value(QStringLiteral("reason")).toString(),
              QStringLiteral("Downloading files"));
    EXPECT_TRUE(inhibitor->held());
    EXPECT_TRUE(m_closed.isEmpty());

    inhibitor->release();
    ASSERT_TRUE(test::waitFor([&] { return !m_closed.isEmpty(); }, 10000));
    EXPECT_EQ(m_closed, QStringList{kRequest});
    EXPECT_EQ(m_logindCalls, 0);
}

TEST_F(SleepInhibitorDbusTest, WithoutEitherItGivesUpOnceAndQuietly) {
    auto inhibitor = makeSleepInhibitor();
    EXPECT_TRUE(inhibitor->acquire("Downloading files")); // asked; the answer comes later
    ASSERT_TRUE(test::waitFor([&] { return !inhibitor->held(); }, 10000));
    EXPECT_FALSE(inhibitor->acquire("Downloading files")); // known now: not asked again
    EXPECT_FALSE(inhibitor->held());
    inhibitor->release(); // harmless
}

} // namespace
