// Loopback sockets with plain POSIX calls: no QCoreApplication or event loop is needed.
#include "support/Ports.h"

#include "support/Files.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QTemporaryDir>

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace maria2::test {

namespace {

constexpr int kPortRaceRetries = 3;

// An address on the loopback interface of family (AF_INET or AF_INET6).
struct LoopbackAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    LoopbackAddress(int family, quint16 port) {
        if (family == AF_INET) {
            auto* addr = reinterpret_cast<sockaddr_in*>(&storage);
            addr->sin_family = AF_INET;
            addr->sin_port = htons(port);
            addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            length = sizeof(sockaddr_in);
        } else {
            auto* addr = reinterpret_cast<sockaddr_in6*>(&storage);
            addr->sin6_family = AF_INET6;
            addr->sin6_port = htons(port);
            addr->sin6_addr = in6addr_loopback;
            length = sizeof(sockaddr_in6);
        }
    }
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

int boundSocket(int family, quint16 port) {
    const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    const LoopbackAddress addr(family, port);
    if (bind(fd, addr.get(), addr.length) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

quint16 boundPort(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        return 0;
    }
    if (addr.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    }
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

// A connected socket, or -1. Non-blocking connect plus poll, so a timeout is honoured.
int connectTo(int family, quint16 port, int timeoutMs) {
    const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    const LoopbackAddress addr(family, port);
    int rc = connect(fd, addr.get(), addr.length);
    if (rc != 0 && errno == EINPROGRESS) {
        pollfd pfd{fd, POLLOUT, 0};
        if (poll(&pfd, 1, timeoutMs) == 1) {
            int soError = 0;
            socklen_t len = sizeof soError;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len);
            rc = soError == 0 ? 0 : -1;
        }
    }
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool canConnectFamily(int family, quint16 port, int timeoutMs) {
    const int fd = connectTo(family, port, timeoutMs);
    if (fd < 0) {
        return false;
    }
    close(fd);
    return true;
}

} // namespace

quint16 findFreePort() {
    const std::vector<quint16> ports = detail::pickFreePorts(1, false);
    return ports.empty() ? 0 : ports[0];
}

bool canConnect(quint16 port, int timeoutMs) {
    return canConnectFamily(AF_INET, port, timeoutMs);
}

namespace detail {

// All sockets stay bound until every port is chosen, so the kernel cannot hand out the same
// port twice.
std::vector<quint16> pickFreePorts(int count, bool withIpv6) {
    std::vector<int> fds;
    std::vector<quint16> ports;
    for (int attempt = 0; attempt < 100 && static_cast<int>(ports.size()) < count; ++attempt) {
        const int fd4 = boundSocket(AF_INET, 0);
        if (fd4 < 0) {
            break;
        }
        fds.push_back(fd4);
        const quint16 port = boundPort(fd4);
        if (port == 0) {
            continue;
        }
        if (withIpv6) {
            const int fd6 = boundSocket(AF_INET6, port);
            if (fd6 < 0) {
                continue; // keep fd4 bound so this port is not offered again
            }
            fds.push_back(fd6);
        }
        ports.push_back(port);
    }
    for (int fd : fds) {
        close(fd);
    }
    return ports;
}

bool ipv6LoopbackAvailable() {
    const int fd = boundSocket(AF_INET6, 0);
    if (fd < 0) {
        return false;
    }
    close(fd);
    return true;
}

bool canConnectIpv6(quint16 port, int timeoutMs) {
    return canConnectFamily(AF_INET6, port, timeoutMs);
}

QByteArray readFirstLine(quint16 port, int timeoutMs) {
    const int fd = connectTo(AF_INET, port, timeoutMs);
    if (fd < 0) {
        return {};
    }
    QByteArray line;
    const QDeadlineTimer deadline(timeoutMs);
    while (!line.contains('\n') && !deadline.hasExpired()) {
        pollfd pfd{fd, POLLIN, 0};
        if (poll(&pfd, 1, static_cast<int>(deadline.remainingTime())) != 1) {
            break;
        }
        char buf[256];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        line.append(buf, n);
    }
    close(fd);
    return line;
}

QString joinUrl(const QString& base, const QString& path) {
    return path.startsWith(QLatin1Char('/')) ? base + path : base + QLatin1Char('/') + path;
}

bool startOnFreePorts(bool firstStart, std::initializer_list<quint16*> ports, bool withIpv6,
                      const std::function<bool(bool* portRace)>& attempt, QString* error) {
    const int count = static_cast<int>(ports.size());
    for (int retry = 0; retry <= kPortRaceRetries; ++retry) {
        if (firstStart) {
            const std::vector<quint16> picked = pickFreePorts(count, withIpv6);
            if (static_cast<int>(picked.size()) != count) {
                setError(error, count == 1 ? QStringLiteral("no free loopback port")
                                           : QStringLiteral("no free loopback ports"));
                return false;
            }
            auto next = picked.begin();
            for (quint16* port : ports) {
                *port = *next++;
            }
        }
        bool portRace = false;
        if (attempt(&portRace)) {
            return true;
        }
        if (!portRace || !firstStart) {
            return false;
        }
    }
    return false;
}

bool startInServerDir(std::unique_ptr<QTemporaryDir>* dir, const QString& name, const QString& what,
                      quint16* port, const std::function<bool(bool* portRace)>& attempt,
                      QString* error) {
    const bool firstStart = !*dir;
    if (firstStart) {
        auto created = std::make_unique<QTemporaryDir>(
            QDir::tempPath() + QStringLiteral("/maria2-") + name + QStringLiteral("-XXXXXX"));
        if (!created->isValid() || !QDir().mkpath(created->path() + QStringLiteral("/root"))) {
            setError(error, QStringLiteral("cannot create a temporary %1: %2")
                                .arg(what, created->errorString()));
            return false;
        }
        *dir = std::move(created);
    }
    return startOnFreePorts(firstStart, {port}, false, attempt, error);
}

} // namespace detail

} // namespace maria2::test
