// The launcher of the test servers (nginx, pyftpdlib, fault_server.py) and of short tools
// (openssl): fork/exec of one child in a process group of its own, with PR_SET_PDEATHSIG, stdin
// from /dev/null and stdout and stderr appended to a log file; stopped with TERM, a bounded wait
// and KILL of the whole group.
#pragma once

#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <functional>

namespace maria2::test {

// What ChildProcess runs.
struct ChildSpec {
    QString program;      // path of the executable, run as is (no PATH lookup)
    QStringList args;     // without argv[0]
    QString outputFile;   // stdout and stderr, appended
    QStringList setEnv;   // "NAME=value", added to the inherited environment (replacing NAME)
    QStringList unsetEnv; // names removed from the inherited environment
};

// A server for ChildProcess::startServer().
struct ServerSpec {
    QString name; // in errors: "nginx", "pyftpdlib", "fault_server.py"
    ChildSpec child;
    // What the server has written since this start (its logs may hold earlier starts too).
    std::function<QString()> newOutput;
    // True once the server answers. It must prove to be this child (pid) and not whoever else
    // might own the port, e.g. by a line it writes only once its sockets are bound.
    std::function<bool(qint64 pid, const QString& newOutput)> ready;
    int timeoutMs = 10000; // for ready(); a start that takes longer fails
};

// One child process at a time. Needs no QCoreApplication. Start it from a thread that outlives
// the child: PDEATHSIG fires when the starting thread exits, not only the process.
class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess(); // stop()
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Launches spec (stopping a child still running first). False with error set when it cannot
    // run, exec failures of the child included.
    bool start(const ChildSpec& spec, QString* error);
    // Launches a server and polls (bounded by server.timeoutMs) until server.ready() says so.
    // Fails early when the server exits or writes "Address already in use"; *portRace then tells
    // whether a port picked a moment earlier was taken by someone else. On failure the server is
    // stopped and error says why, with its output.
    bool startServer(const ServerSpec& server, bool* portRace, QString* error);
    // Waits up to timeoutMs for the child to exit on its own; true (and its wait status in
    // *exitStatus) once it has.
    bool waitForExit(int timeoutMs, int* exitStatus = nullptr);
    // False once the child has exited; it is then reaped and pid() becomes -1.
    bool isRunning() const;
    qint64 pid() const { return m_pid; } // -1 without a child
    // TERM to the whole process group, bounded wait, then KILL of the group and reaping, so
    // nothing the child forked survives either. Idempotent.
    void stop();

    // Runs a short tool to completion, stopping it after timeoutMs. True on exit code 0; otherwise
    // false with error holding what the tool wrote.
    static bool run(const ChildSpec& spec, int timeoutMs, QString* error);

private:
    bool running(int* exitStatus) const;

    // mutable: isRunning() reaps a child that has exited and forgets its pid.
    mutable qint64 m_pid = -1;
};

} // namespace maria2::test
