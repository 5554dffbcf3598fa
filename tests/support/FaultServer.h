// A fault-injecting HTTP/1.1 server for integration tests: tests/support/fault_server.py (Python
// standard library only) run by /usr/bin/python3 on 127.0.0.1 and a free port, serving root().
//
// Like the servers of TestServers.h it runs as a child process in its own process group with
// PR_SET_PDEATHSIG, so it dies with the test binary; start it from a thread that outlives it.
//
// Every file is served with GET/HEAD, Content-Length, Accept-Ranges: bytes, one byte range
// (bytes=a-b, a-, -n; 206 + Content-Range; 416 if unsatisfiable; several ranges are ignored), a
// strong ETag "SIZEHEX-MTIMEHEX", Last-Modified, If-Range (mismatch: 200 + full body) and
// keep-alive. The first path segment picks a fault (NAME is a path below root()):
//   /NAME                    plain file
//   /reset-once/NAME         first GET: headers + 40% of the body, then a TCP reset
//   /reset-every/NAME?after=B  every GET whose body exceeds B (default 262144) is reset after B
//                            body bytes; shorter bodies complete, so ranged resumes progress
//   /short-once/NAME         first GET: full Content-Length, half the body, clean close
//   /stall-once/NAME?after=B&hold=S  first GET: B body bytes (default 65536, at most length - 1),
//                            then silence until the client closes or S s pass (default 120)
//   /retry-after/NAME?count=N&seconds=S  first N requests, HEAD included (default 1): 503,
//                            Retry-After: S (default 1), text/html body
//   /ignore-range/NAME       always 200 + full body, no Accept-Ranges
//   /wrong-range/NAME        ranged requests: 206 starting 1000 bytes after the asked start (1000
//                            before if that passes the end); use files of at least 2000 bytes
//   /changing/NAME           original until the first GET sent its last byte or was cut; then
//                            every byte XOR 0x5A plus 4096 bytes (i * 31 + 7) & 0xff, mtime +1 h
//                            (new size, ETag and Last-Modified)
//   /login-page/NAME         always 200 text/html login page (NAME need not exist)
//   /slow/NAME?rate=R        R bytes/s per response (default 262144), ranges honoured
//   /degrade-once/NAME?rate=R&after=B&slow=S  every GET paced at R (default 262144) like /slow/;
//                            the first GET drops to S B/s (default 16384) after B body bytes
//                            (default 1048576): a reconnect gets R again
//   /slow-region/NAME?start=A&end=B&rate=R&fast=F  bytes in [A, B) paced at R B/s per
//                            response, the others at F (0: unpaced)
//   /capped/NAME?rate=R&total=T&max=M  R B/s per response, T B/s for all /capped/ responses
//                            together (0: none), 503 + Retry-After: 1 beyond M at once
//   /redirect-host/NAME?to=HOST&status=S  S (default 302) to http://HOST:PORT/NAME, this server
//                            under another name (default "localhost"): a cross-host redirect
//   /_reset                  clears the counters (resetCounters())
// "Once" counters are per (fault, NAME), count only GETs that got a 200/206 body, and HEAD
// requests never trigger reset/short/stall faults.
#pragma once

#include "support/ChildProcess.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <memory>

class QTemporaryDir;

namespace maria2::test {

class FaultServer {
public:
    FaultServer();
    ~FaultServer(); // stop()
    FaultServer(const FaultServer&) = delete;
    FaultServer& operator=(const FaultServer&) = delete;

    // Starts the server on a free port and waits (bounded) until it accepts connections. On
    // failure returns false and says why (including what to install). After stop(), start()
    // again reuses the same port, root and request log (counters and conn numbers restart).
    bool start(QString* error = nullptr);
    // TERM, bounded wait, then KILL of the whole process group. Idempotent.
    void stop();
    bool isRunning() const;
    qint64 pid() const { return m_child.pid(); }
    quint16 port() const { return m_port; }

    // Files to serve go here (a private temporary folder, removed in the destructor).
    QString root() const;
    // "x", "/x", "reset-once/x?after=1" -> http://127.0.0.1:PORT/... (used verbatim).
    QString url(const QString& pathAndQuery) const;

    // The request log, one object per request, oldest first:
    //   method, path (raw, no query), query, range and if_range (request headers, "" if none),
    //   host (the Host header), headers (an object of every request header, names lower case),
    //   status, sent (body bytes), conn (TCP connection number, from 1), outcome ("complete",
    //   "reset", "short", "stall" or "client-closed").
    // A line is written once its response is over (after a reset, a short close, or the end of a
    // stall, i.e. when the client closed): read it inside waitFor(). /_reset requests are logged.
    QList<QJsonObject> requests() const;
    // Only the entries whose "path" equals path (e.g. "/reset-once/file.bin").
    QList<QJsonObject> requests(const QString& path) const;
    void clearRequests();
    // GET /_reset: clears every per-fault counter. Returns true on "200 ok".
    bool resetCounters();

    // stdout and stderr of the server (startup line, Python tracebacks).
    QString outputText() const;

    // For testing the failure path; the default is /usr/bin/python3.
    void setPythonExecutable(const QString& path) { m_python = path; }
    // Default: $MARIA2_FAULT_SERVER_SCRIPT if set, else the MARIA2_FAULT_SERVER_SCRIPT macro if
    // defined, else fault_server.py next to this source file (via __FILE__).
    void setScriptPath(const QString& path) { m_script = path; }
    static QString defaultScriptPath();

private:
    bool startOnce(QString* error, bool* portRace);
    QString logPath() const;
    QString outputPath() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_python;
    QString m_script;
    ChildProcess m_child;
    quint16 m_port = 0;
};

} // namespace maria2::test
