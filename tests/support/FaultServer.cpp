// FaultServer: runs tests/support/fault_server.py as a child process and reads its request log.
#include "support/FaultServer.h"

#include "support/Files.h"
#include "support/Ports.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStringList>
#include <QTemporaryDir>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace maria2::test {

using detail::readBytes;
using detail::setError;

namespace {

constexpr int kResetTimeoutMs = 5000;
const char* const kPython = "/usr/bin/python3";

// One blocking HTTP/1.1 request with "Connection: close"; returns the whole response (empty on
// failure or timeout).
QByteArray httpGet(quint16 port, const QByteArray& path, int timeoutMs) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return {};
    }
    timeval tv{};
    tv.tv_sec = timeoutMs / 1000;
    tv.tv_usec = (timeoutMs % 1000) * 1000;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QByteArray response;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const QByteArray request =
            "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if (send(fd, request.constData(), static_cast<size_t>(request.size()), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
            char buf[4096];
            ssize_t n = 0;
            while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
                response.append(buf, n);
            }
        }
    }
    close(fd);
    return response;
}

} // namespace

FaultServer::FaultServer()
    : m_python(QString::fromLatin1(kPython))
    , m_script(defaultScriptPath()) {
}

FaultServer::~FaultServer() {
    stop();
}

QString FaultServer::defaultScriptPath() {
    const QString fromEnv = qEnvironmentVariable("MARIA2_FAULT_SERVER_SCRIPT");
    if (!fromEnv.isEmpty()) {
        return fromEnv;
    }
#ifdef MARIA2_FAULT_SERVER_SCRIPT
    return QStringLiteral(MARIA2_FAULT_SERVER_SCRIPT);
#else
    // __FILE__ is absolute in CMake builds; a relative one resolves against the working folder.
    return QFileInfo(QFile::decodeName(__FILE__))
        .absoluteDir()
        .filePath(QStringLiteral("fault_server.py"));
#endif
}

QString FaultServer::root() const {
    return m_dir ? m_dir->path() + QStringLiteral("/root") : QString();
}

QString FaultServer::logPath() const {
    return m_dir ? m_dir->path() + QStringLiteral("/requests.jsonl") : QString();
}

QString FaultServer::outputPath() const {
    return m_dir ? m_dir->path() + QStringLiteral("/output.log") : QString();
}

QString FaultServer::url(const QString& pathAndQuery) const {
    return detail::joinUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port), pathAndQuery);
}

bool FaultServer::isRunning() const {
    return m_child.isRunning();
}

QList<QJsonObject> FaultServer::requests() const {
    QList<QJsonObject> result;
    if (!m_dir) {
        return result;
    }
    const QByteArray text = readBytes(logPath());
    qsizetype begin = 0;
    while (begin < text.size()) {
        const qsizetype end = text.indexOf('\n', begin);
        if (end < 0) {
            break; // a line being written: not complete yet
        }
        const QJsonDocument doc = QJsonDocument::fromJson(text.mid(begin, end - begin));
        if (doc.isObject()) {
            result.append(doc.object());
        }
        begin = end + 1;
    }
    return result;
}

QList<QJsonObject> FaultServer::requests(const QString& path) const {
    QList<QJsonObject> result;
    for (const QJsonObject& entry : requests()) {
        if (entry.value(QStringLiteral("path")).toString() == path) {
            result.append(entry);
        }
    }
    return result;
}

void FaultServer::clearRequests() {
    if (m_dir) {
        QFile file(logPath());
        // The server appends (O_APPEND), so truncating under it is safe.
        if (file.exists()) {
            file.resize(0);
        }
    }
}

bool FaultServer::resetCounters() {
    if (!isRunning()) {
        return false;
    }
    const QByteArray response = httpGet(m_port, "/_reset", kResetTimeoutMs);
    return response.startsWith("HTTP/1.1 200 ") && response.endsWith("\r\n\r\nok\n");
}

QString FaultServer::outputText() const {
    return m_dir ? QString::fromUtf8(readBytes(outputPath())) : QString();
}

bool FaultServer::startOnce(QString* error, bool* portRace) {
    const QString output = outputPath();
    const qint64 outputStart = detail::fileSize(output);

    ServerSpec server;
    server.name = QStringLiteral("fault_server.py");
    server.child.program = m_python;
    // -I: isolated (no PYTHON* variables, no user site-packages); -u: unbuffered output.
    server.child.args = {QStringLiteral("-I"),
                         QStringLiteral("-u"),
                         m_script,
                         QStringLiteral("--port"),
                         QString::number(m_port),
                         QStringLiteral("--root"),
                         root(),
                         QStringLiteral("--log"),
                         logPath()};
    server.child.outputFile = output;
    server.newOutput = [&] {
        return detail::readText(output, outputStart);
    };
    // The script prints this line only once its socket is bound and listening, so a connect
    // after it reaches our child and not whoever else might own the port.
    server.ready = [&](qint64 pid, const QString& newOutput) {
        const QString ready =
            QStringLiteral("fault_server listening on 127.0.0.1:%1 pid=%2\n").arg(m_port).arg(pid);
        return newOutput.contains(ready) && canConnect(m_port, 500);
    };
    return m_child.startServer(server, portRace, error);
}

bool FaultServer::start(QString* error) {
    setError(error, QString());
    if (isRunning()) {
        return true;
    }
    if (!QFileInfo(m_python).isExecutable()) {
        setError(error, QStringLiteral("%1 not found: apt-get install python3").arg(m_python));
        return false;
    }
    if (!QFileInfo(m_script).isFile()) {
        setError(error, QStringLiteral("fault server script not found: %1 (set "
                                       "MARIA2_FAULT_SERVER_SCRIPT to tests/support/"
                                       "fault_server.py)")
                            .arg(m_script));
        return false;
    }
    return detail::startInServerDir(
        &m_dir, QStringLiteral("fault"), QStringLiteral("fault server root"), &m_port,
        [&](bool* portRace) { return startOnce(error, portRace); }, error);
}

void FaultServer::stop() {
    m_child.stop();
}

} // namespace maria2::test
