// FtpServer: pyftpdlib in a private temporary folder, started and stopped per fixture.
#include "support/TestServers.h"

#include <QFileInfo>
#include <QTemporaryDir>

namespace maria2::test {

using detail::readText;
using detail::setError;

namespace {

const char* const kPython = "/usr/bin/python3";

} // namespace

FtpServer::FtpServer()
    : m_python(QString::fromLatin1(kPython)) {
}

FtpServer::~FtpServer() {
    stop();
}

QString FtpServer::root() const {
    return m_dir ? m_dir->path() + QStringLiteral("/root") : QString();
}

QString FtpServer::url(const QString& name) const {
    return detail::joinUrl(QStringLiteral("ftp://127.0.0.1:%1").arg(m_port), name);
}

bool FtpServer::isRunning() const {
    return m_child.isRunning();
}

QStringList FtpServer::logLines() const {
    if (!m_dir) {
        return {};
    }
    return readText(m_dir->path() + QStringLiteral("/ftp.log"))
        .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

bool FtpServer::startOnce(QString* error, bool* portRace) {
    const QString log = m_dir->path() + QStringLiteral("/ftp.log");
    const qint64 logStart = detail::fileSize(log);

    ServerSpec server;
    server.name = QStringLiteral("pyftpdlib");
    server.child.program = m_python;
    // Anonymous and read-only; passive ports come from the kernel on 127.0.0.1. -D logs every
    // command and reply so tests can check what the client sent (REST, EPSV/PASV...).
    server.child.args = {QStringLiteral("-m"), QStringLiteral("pyftpdlib"),
                         QStringLiteral("-i"), QStringLiteral("127.0.0.1"),
                         QStringLiteral("-p"), QString::number(m_port),
                         QStringLiteral("-d"), root(),
                         QStringLiteral("-D")};
    server.child.outputFile = log;
    // A pyenv or virtualenv in the environment must not redirect the system python.
    server.child.unsetEnv = {QStringLiteral("PYTHONHOME"), QStringLiteral("PYTHONPATH"),
                             QStringLiteral("PYTHONSTARTUP")};
    server.child.setEnv = {QStringLiteral("PYTHONUNBUFFERED=1"),
                           QStringLiteral("PYTHONDONTWRITEBYTECODE=1")};
    server.newOutput = [&] {
        return readText(log, logStart);
    };
    // pyftpdlib logs this line only once its socket is bound, so the banner that follows comes
    // from our child and not from whoever else might own the port.
    server.ready = [&](qint64 pid, const QString& output) {
        const QString started =
            QStringLiteral(">>> starting FTP server on 127.0.0.1:%1, pid=%2 ").arg(m_port).arg(pid);
        return output.contains(started) && detail::readFirstLine(m_port, 500).startsWith("220");
    };
    if (m_child.startServer(server, portRace, error)) {
        return true;
    }
    const QString logs = server.newOutput();
    if (logs.contains(QLatin1String("No module named pyftpdlib"))) {
        *portRace = false;
        setError(error, QStringLiteral(
                            "pyftpdlib is missing for %1: apt-get install python3-pyftpdlib\n%2")
                            .arg(m_python, logs));
    }
    return false;
}

bool FtpServer::start(QString* error) {
    setError(error, QString());
    if (isRunning()) {
        return true;
    }
    if (!QFileInfo(m_python).isExecutable()) {
        setError(error, QStringLiteral("%1 not found: apt-get install python3 python3-pyftpdlib")
                            .arg(m_python));
        return false;
    }
    return detail::startInServerDir(
        &m_dir, QStringLiteral("ftp"), QStringLiteral("FTP root"), &m_port,
        [&](bool* portRace) { return startOnce(error, portRace); }, error);
}

void FtpServer::stop() {
    m_child.stop();
}

} // namespace maria2::test
