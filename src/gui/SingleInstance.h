#pragma once
// SingleInstance: one MAria2 per user and data folder. `maria2 URL...` while MAria2 runs hands
// the URLs to the running one over a local socket (QLocalServer/QLocalSocket, user-only) and
// exits; the running one offers them for adding and brings its window up. Both ends check that
// the other runs as the same user (PeerCheck.h) and drop the connection otherwise.
//
// Protocol (version 1): one connection per message; the client sends one line of compact JSON,
//   {"v":1,"urls":["https://..."],"show":true}
// and the server answers one line, {"v":1,"ok":true} or {"v":1,"ok":false,"error":"..."}, once it
// has taken the message. Unknown keys are ignored; another "v", a malformed or oversized message
// is refused with a log line.
#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>
#include <optional>

class QLocalServer;
class QLocalSocket;

namespace maria2::gui {

// What a second `maria2` hands to the running one.
struct InstanceMessage {
    QStringList urls; // as typed, already turned into URLs (QUrl::fromUserInput)
    bool show = true; // bring the window up
};

constexpr int kInstanceProtocolVersion = 1;
// A message longer than this (without its newline) is refused.
constexpr qsizetype kMaxInstanceMessageBytes = 1 << 20;

// One line of compact JSON with its newline.
QByteArray encodeInstanceMessage(const InstanceMessage& message);
// One line without its newline; nothing (and *error saying why) unless it is a valid version 1
// message.
std::optional<InstanceMessage> parseInstanceMessage(const QByteArray& line, QString* error);

// The local server's name for the data folder dataDirectory: "maria2-<hash of the folder>".
// Linux and macOS: a socket in a folder only this user can use, so nobody else can take the name
// first, connect, or read what is sent: $XDG_RUNTIME_DIR when it is such a folder (owned by this
// user, mode 0700, not a link), else <temp>/maria2-<uid>/, created 0700 when missing. Empty when
// neither can be used (someone else's or a too open folder under that name): then there is no
// single instance. *problem says why, or why $XDG_RUNTIME_DIR was passed over; empty when all is
// well. Windows: a named pipe, user-only by its access rights (see PeerCheck.h).
// Other data folders (tests with their own XDG_DATA_HOME) get other names.
QString instanceServerName(const QString& dataDirectory, QString* problem = nullptr);
// The name in runtimeDirectory, as is (tests name the one of the process they start).
QString instanceServerName(const QString& dataDirectory, const QString& runtimeDirectory);

class SingleInstance final : public QObject {
    Q_OBJECT
public:
    enum class Outcome {
        Primary,        // this process is the instance now: it listens
        HandedOver,     // a running instance took the message: exit 0
        HandOverFailed, // a running instance did not take it (error says why): exit non-zero
        Standalone,     // cannot listen (error says why): run anyway, without a hand-over
    };
    static constexpr int kDefaultTimeoutMs = 5000;

    explicit SingleInstance(const QString& serverName, QObject* parent = nullptr);
    ~SingleInstance() override; // stops listening (the socket file goes)

    // Hands message to the running instance, or, when none answers, becomes the instance
    // (Standalone when serverName is empty: no private folder for it). A
    // socket file left by a crashed one is removed. Two processes starting at the same moment
    // end with exactly one instance (the step from "nobody answers" to "listening" is done under
    // a lock file). Blocks for at most about timeoutMs (twice, when another is starting).
    Outcome start(const InstanceMessage& message, QString* error,
                  int timeoutMs = kDefaultTimeoutMs);
    // Stops listening (the app is quitting); a later `maria2` becomes the instance itself.
    void close();

    QString serverName() const { return m_name; }
    bool isListening() const;

    enum class SendResult { Delivered, NoInstance, Failed };
    // Sends one message to the instance listening on serverName and waits for its answer.
    // Failed, with nothing sent, when the listener runs as another user.
    static SendResult send(const QString& serverName, const InstanceMessage& message, int timeoutMs,
                           QString* error);

signals:
    // A message from another `maria2` of this user, already answered.
    void messageReceived(const maria2::gui::InstanceMessage& message);

private:
    void onNewConnection();
    void handleLine(QLocalSocket* socket, const QByteArray& line);

    QString m_name;
    QLocalServer* m_server;
};

} // namespace maria2::gui
