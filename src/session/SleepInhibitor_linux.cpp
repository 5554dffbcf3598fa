// Linux: logind's inhibitor lock on the system bus (a file descriptor: held while open), or,
// where logind is not reachable (containers, Flatpak), the desktop portal's Inhibit on the
// session bus (a request object: held until closed). Both answered asynchronously, so the GUI
// never waits for D-Bus; without either, MAria2 says so once and carries on.
#include "session/SleepInhibitor.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusObjectPath>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusUnixFileDescriptor>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <spdlog/spdlog.h>

namespace maria2 {
namespace {

constexpr int kDbusTimeoutMs = 5000;

const QString kLogindService = QStringLiteral("org.freedesktop.login1");
const QString kPortalService = QStringLiteral("org.freedesktop.portal.Desktop");

class LinuxSleepInhibitor final : public SleepInhibitor {
public:
    LinuxSleepInhibitor()
        : m_context(std::make_unique<QObject>()) {}
    ~LinuxSleepInhibitor() override {
        release();
        // m_context goes next, and with it any call still waiting for its answer.
    }

    bool acquire(const std::string& reason) override {
        if (m_backend == Backend::None) {
            return false;
        }
        m_wanted = true;
        m_reason = QString::fromStdString(reason);
        if (!m_pending && !holding()) {
            request();
        }
        return m_backend != Backend::None;
    }

    void release() override {
        m_wanted = false;
        drop();
    }

    bool held() const override { return m_wanted; }

private:
    enum class Backend { Logind, Portal, None };

    bool holding() const { return m_fd.isValid() || !m_portalHandle.isEmpty(); }

    void request() {
        if (m_backend == Backend::Logind) {
            QDBusConnection bus = QDBusConnection::systemBus();
            if (!bus.isConnected()) {
                fallBack(QStringLiteral("no system bus"));
                return;
            }
            QDBusMessage call = QDBusMessage::createMethodCall(
                kLogindService, QStringLiteral("/org/freedesktop/login1"),
                QStringLiteral("org.freedesktop.login1.Manager"), QStringLiteral("Inhibit"));
            // "sleep" keeps suspend away, "idle" the automatic idle action; "block" (not
            // "delay"): for as long as the descriptor is open.
            call << QStringLiteral("sleep:idle") << QStringLiteral("MAria2") << m_reason
                 << QStringLiteral("block");
            send(bus, call, [this](QDBusPendingCallWatcher* w) { onLogindReply(w); });
        } else if (m_backend == Backend::Portal) {
            QDBusConnection bus = QDBusConnection::sessionBus();
            if (!bus.isConnected()) {
                fallBack(QStringLiteral("no session bus"));
                return;
            }
            QDBusMessage call = QDBusMessage::createMethodCall(
                kPortalService, QStringLiteral("/org/freedesktop/portal/desktop"),
                QStringLiteral("org.freedesktop.portal.Inhibit"), QStringLiteral("Inhibit"));
            const quint32 suspendAndIdle = 4 | 8;
            call << QString() << suspendAndIdle
                 << QVariantMap{{QStringLiteral("reason"), m_reason}};
            send(bus, call, [this](QDBusPendingCallWatcher* w) { onPortalReply(w); });
        }
    }

    template <typename Handler>
    void send(QDBusConnection& bus, const QDBusMessage& call, Handler handler) {
        m_pending = true;
        auto* watcher =
            new QDBusPendingCallWatcher(bus.asyncCall(call, kDbusTimeoutMs), m_context.get());
        QObject::connect(watcher, &QDBusPendingCallWatcher::finished, m_context.get(),
                         [handler](QDBusPendingCallWatcher* w) {
                             w->deleteLater(); // its copy of the answer holds the descriptor
                             handler(w);
                         });
    }

    void onLogindReply(QDBusPendingCallWatcher* watcher) {
        m_pending = false;
        const QDBusPendingReply<QDBusUnixFileDescriptor> reply = *watcher;
        if (reply.isError() || !reply.value().isValid()) {
            fallBack(QStringLiteral("logind: ") +
                     (reply.isError() ? reply.error().message() : QStringLiteral("no lock")));
            return;
        }
        spdlog::debug("sleep inhibitor: logind lock held");
        m_fd = reply.value();
        if (!m_wanted) {
            drop(); // released while the answer was on its way
        }
    }

    void onPortalReply(QDBusPendingCallWatcher* watcher) {
        m_pending = false;
        const QDBusPendingReply<QDBusObjectPath> reply = *watcher;
        if (reply.isError() || reply.value().path().isEmpty()) {
            fallBack(QStringLiteral("desktop portal: ") +
                     (reply.isError() ? reply.error().message() : QStringLiteral("no request")));
            return;
        }
        spdlog::debug("sleep inhibitor: desktop portal request {}",
                      reply.value().path().toStdString());
        m_portalHandle = reply.value().path();
        if (!m_wanted) {
            drop();
        }
    }

    // The backend in use cannot do it: try the next one, or say once that none can.
    void fallBack(const QString& why) {
        m_failures << why;
        m_backend = m_backend == Backend::Logind ? Backend::Portal : Backend::None;
        if (m_backend == Backend::None) {
            m_wanted = false;
            spdlog::info("Cannot keep the computer awake while downloading ({}); it may sleep.",
                         m_failures.join(QStringLiteral("; ")).toStdString());
            return;
        }
        if (m_wanted) {
            request();
        }
    }

    // Gives back what is held now (an answer still pending is given back when it arrives).
    void drop() {
        m_fd = QDBusUnixFileDescriptor(); // closing the descriptor ends logind's lock
        if (!m_portalHandle.isEmpty()) {
            const QDBusMessage close = QDBusMessage::createMethodCall(
                kPortalService, m_portalHandle, QStringLiteral("org.freedesktop.portal.Request"),
                QStringLiteral("Close"));
            QDBusConnection::sessionBus().send(close);
            m_portalHandle.clear();
        }
    }

    std::unique_ptr<QObject> m_context; // owns the calls waiting for an answer
    Backend m_backend = Backend::Logind;
    bool m_wanted = false;
    bool m_pending = false;
    QString m_reason;
    QDBusUnixFileDescriptor m_fd; // logind's lock
    QString m_portalHandle;       // the portal's request object
    QStringList m_failures;       // why each backend could not, for the one log line
};

} // namespace

std::unique_ptr<SleepInhibitor> makeSleepInhibitor() {
    return std::make_unique<LinuxSleepInhibitor>();
}

} // namespace maria2
