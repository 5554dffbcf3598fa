// Linux: logind's Suspend / PowerOff on the system bus, "interactive" so that polkit may ask the
// person to authenticate. Sent asynchronously: the answer (or polkit's refusal) is only logged.
#include "session/PowerAction.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QObject>
#include <spdlog/spdlog.h>

namespace maria2 {
namespace {

// polkit's dialog may take the person a while; logind answers when it is done.
constexpr int kDbusTimeoutMs = 120000;

class LinuxPowerAction final : public PowerAction {
public:
    LinuxPowerAction()
        : m_context(std::make_unique<QObject>()) {}

    bool perform(PowerKind kind, std::string* error) override {
        QDBusConnection bus = QDBusConnection::systemBus();
        if (!bus.isConnected()) {
            if (error != nullptr) {
                *error = "the system bus (logind) is not reachable: " +
                         bus.lastError().message().toStdString();
            }
            return false;
        }
        QDBusMessage call = QDBusMessage::createMethodCall(
            QStringLiteral("org.freedesktop.login1"), QStringLiteral("/org/freedesktop/login1"),
            QStringLiteral("org.freedesktop.login1.Manager"),
            kind == PowerKind::Sleep ? QStringLiteral("Suspend") : QStringLiteral("PowerOff"));
        call << true; // interactive
        auto* watcher =
            new QDBusPendingCallWatcher(bus.asyncCall(call, kDbusTimeoutMs), m_context.get());
        QObject::connect(watcher, &QDBusPendingCallWatcher::finished, m_context.get(),
                         [kind](QDBusPendingCallWatcher* w) {
                             w->deleteLater();
                             const QDBusPendingReply<> reply = *w;
                             if (reply.isError()) {
                                 spdlog::warn("The system refused to {}: {}", toString(kind),
                                              reply.error().message().toStdString());
                             }
                         });
        spdlog::info("Asked the system to {} (the queue has finished)", toString(kind));
        return true;
    }

private:
    std::unique_ptr<QObject> m_context; // owns the call waiting for its answer
};

} // namespace

std::unique_ptr<PowerAction> makePowerAction() {
    return std::make_unique<LinuxPowerAction>();
}

} // namespace maria2
