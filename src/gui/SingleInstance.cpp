#include "SingleInstance.h"

#include "PeerCheck.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLockFile>
#include <QTimer>
#include <algorithm>
#include <memory>
#include <spdlog/spdlog.h>

namespace maria2::gui {
namespace {

// sun_path holds 108 bytes (104 on macOS) with its NUL; Qt's temporary name while listening lives
// beside the socket. Longer names are not used.
constexpr qsizetype kMaxSocketPathBytes = 90;

// A client that connects and says nothing is not waited for longer than this.
constexpr int kServerReadTimeoutMs = 10000;
// An answer is one short line.
constexpr qsizetype kMaxAnswerBytes = 64 * 1024;

void setError(QString* error, const QString& text) {
    if (error != nullptr) {
        *error = text;
    }
}

int remainingMs(const QDeadlineTimer& deadline) {
    return int(std::clamp<qint64>(deadline.remainingTime(), 0, 24 * 3600 * 1000));
}

QByteArray answerLine(bool ok, const QString& error = {}) {
    QJsonObject answer{{QStringLiteral("v"), kInstanceProtocolVersion}, {QStringLiteral("ok"), ok}};
    if (!ok) {
        answer.insert(QStringLiteral("error"), error);
    }
    return QJsonDocument(answer).toJson(QJsonDocument::Compact) + '\n';
}

// A JSON value as written, for messages: 7, "1", null.
QString jsonText(const QJsonValue& value) {
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

// Where the lock file of the "nobody answers -> listening" step lives: beside the socket.
QString lockPathFor(const QString& serverName) {
    if (QDir::isAbsolutePath(serverName)) {
        return serverName + QStringLiteral(".lock");
    }
    return QDir::tempPath() + QLatin1Char('/') + serverName + QStringLiteral(".lock");
}

} // namespace

QByteArray encodeInstanceMessage(const InstanceMessage& message) {
    const QJsonObject object{{QStringLiteral("v"), kInstanceProtocolVersion},
                             {QStringLiteral("urls"), QJsonArray::fromStringList(message.urls)},
                             {QStringLiteral("show"), message.show}};
    // Compact JSON escapes newlines inside strings: the line ends only at the end.
    return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

std::optional<InstanceMessage> parseInstanceMessage(const QByteArray& line, QString* error) {
    if (line.size() > kMaxInstanceMessageBytes) {
        setError(error, QStringLiteral("message too long (%1 bytes, at most %2)")
                            .arg(line.size())
                            .arg(kMaxInstanceMessageBytes));
        return std::nullopt;
    }
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        setError(error, QStringLiteral("not JSON: ") + parseError.errorString());
        return std::nullopt;
    }
    if (!document.isObject()) {
        setError(error, QStringLiteral("not a JSON object"));
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    const QJsonValue version = object.value(QStringLiteral("v"));
    if (!version.isDouble() || version.toDouble() != kInstanceProtocolVersion) {
        setError(error, version.isUndefined()
                            ? QStringLiteral("no protocol version (\"v\")")
                            : QStringLiteral("unsupported protocol version %1 (this MAria2 "
                                             "speaks %2)")
                                  .arg(jsonText(version))
                                  .arg(kInstanceProtocolVersion));
        return std::nullopt;
    }
    InstanceMessage message;
    const QJsonValue urls = object.value(QStringLiteral("urls"));
    if (!urls.isUndefined()) {
        if (!urls.isArray()) {
            setError(error, QStringLiteral("\"urls\" is not an array"));
            return std::nullopt;
        }
        for (const QJsonValue& url : urls.toArray()) {
            if (!url.isString() || url.toString().isEmpty()) {
                setError(error, QStringLiteral("an entry of \"urls\" is not a non-empty string"));
                return std::nullopt;
            }
            message.urls.append(url.toString());
        }
    }
    const QJsonValue show = object.value(QStringLiteral("show"));
    if (!show.isUndefined()) {
        if (!show.isBool()) {
            setError(error, QStringLiteral("\"show\" is not true or false"));
            return std::nullopt;
        }
        message.show = show.toBool();
    }
    return message;
}

QString instanceServerName(const QString& dataDirectory, QString* problem) {
    setError(problem, QString());
#if defined(Q_OS_UNIX)
    // Not Qt's RuntimeLocation: when $XDG_RUNTIME_DIR is missing and its /tmp/runtime-USER is
    // someone else's, it gives nothing, and a bare name lands in /tmp, where anyone can take it.
    QString passedOver;
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (!runtime.isEmpty()) {
        const std::string bad =
            peer::ensurePrivateDirectory(QFile::encodeName(runtime).toStdString(), false);
        const QString name = instanceServerName(dataDirectory, runtime);
        if (bad.empty() && QFile::encodeName(name).size() < kMaxSocketPathBytes) {
            return name;
        }
        passedOver = bad.empty() ? QStringLiteral("$XDG_RUNTIME_DIR (%1) is too long a path for "
                                                  "a socket")
                                       .arg(runtime)
                                 : QStringLiteral("$XDG_RUNTIME_DIR is not private (%1)")
                                       .arg(QString::fromStdString(bad));
    }
    const QString folder =
        QDir::tempPath() + QStringLiteral("/maria2-") + QString::fromStdString(peer::userId());
    const QString name = instanceServerName(dataDirectory, folder);
    QString refused;
    if (QFile::encodeName(name).size() >= kMaxSocketPathBytes) {
        refused = QStringLiteral("%1 is too long a path for a socket").arg(name);
    } else if (const std::string bad =
                   peer::ensurePrivateDirectory(QFile::encodeName(folder).toStdString(), true);
               !bad.empty()) {
        refused = QStringLiteral("refusing the socket folder: %1").arg(QString::fromStdString(bad));
    }
    const QString why = passedOver.isEmpty() || refused.isEmpty()
                            ? passedOver + refused
                            : passedOver + QStringLiteral("; ") + refused;
    setError(problem, why);
    return refused.isEmpty() ? name : QString();
#else
    // Windows: a named pipe; UserAccessOption keeps other users out (PeerCheck_win.cpp).
    return instanceServerName(dataDirectory, QString());
#endif
}

QString instanceServerName(const QString& dataDirectory, const QString& runtimeDirectory) {
    const QByteArray folder = QDir::cleanPath(QDir(dataDirectory).absolutePath()).toUtf8();
    const QString name =
        QStringLiteral("maria2-") +
        QString::fromLatin1(
            QCryptographicHash::hash(folder, QCryptographicHash::Sha256).toHex().left(16));
    return runtimeDirectory.isEmpty() ? name : runtimeDirectory + QLatin1Char('/') + name;
}

SingleInstance::SingleInstance(const QString& serverName, QObject* parent)
    : QObject(parent)
    , m_name(serverName)
    , m_server(new QLocalServer(this)) {
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, &SingleInstance::onNewConnection);
}

SingleInstance::~SingleInstance() {
    close();
}

bool SingleInstance::isListening() const {
    return m_server->isListening();
}

void SingleInstance::close() {
    m_server->close(); // removes the socket file
}

SingleInstance::SendResult SingleInstance::send(const QString& serverName,
                                                const InstanceMessage& message, int timeoutMs,
                                                QString* error) {
    const QDeadlineTimer deadline(timeoutMs);
    QLocalSocket socket;
    socket.connectToServer(serverName);
    if (!socket.waitForConnected(remainingMs(deadline))) {
        if (socket.error() == QLocalSocket::SocketTimeoutError) {
            // Someone holds the name but does not accept: a running MAria2 that hangs.
            setError(error, QStringLiteral("the running MAria2 does not accept connections (%1)")
                                .arg(socket.errorString()));
            return SendResult::Failed;
        }
        return SendResult::NoInstance; // not there, or a crashed one's socket file
    }
    if (!peer::isSameUser(socket.socketDescriptor())) {
        // Only possible when the folder was not ours after all: tell that process nothing.
        socket.abort();
        setError(error, QStringLiteral("%1 is held by a process of another user").arg(serverName));
        return SendResult::Failed;
    }
    socket.write(encodeInstanceMessage(message));
    if (!socket.waitForBytesWritten(remainingMs(deadline)) && socket.bytesToWrite() > 0) {
        setError(error, QStringLiteral("cannot send the URLs to the running MAria2: %1")
                            .arg(socket.errorString()));
        return SendResult::Failed;
    }
    QByteArray answer;
    while (!answer.contains('\n')) {
        if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(remainingMs(deadline))) {
            setError(error, deadline.hasExpired()
                                ? QStringLiteral("the running MAria2 did not answer within %1 s")
                                      .arg(timeoutMs / 1000.0)
                                : QStringLiteral("the running MAria2 closed the connection "
                                                 "without an answer (%1)")
                                      .arg(socket.errorString()));
            return SendResult::Failed;
        }
        answer += socket.read(kMaxAnswerBytes);
        if (answer.size() > kMaxAnswerBytes) {
            setError(error, QStringLiteral("the running MAria2 answered too much"));
            return SendResult::Failed;
        }
    }
    socket.disconnectFromServer();
    const QJsonObject object = QJsonDocument::fromJson(answer.left(answer.indexOf('\n'))).object();
    if (object.value(QStringLiteral("ok")).toBool()) {
        return SendResult::Delivered;
    }
    const QString why = object.value(QStringLiteral("error")).toString();
    setError(error, QStringLiteral("the running MAria2 refused the message: %1")
                        .arg(why.isEmpty() ? QString::fromUtf8(answer.trimmed()) : why));
    return SendResult::Failed;
}

SingleInstance::Outcome SingleInstance::start(const InstanceMessage& message, QString* error,
                                              int timeoutMs) {
    if (m_name.isEmpty()) {
        setError(error, QStringLiteral("no private folder for its socket"));
        return Outcome::Standalone;
    }
    std::optional<Outcome> handedOver;
    const auto tryHandOver = [&] {
        QString why;
        switch (send(m_name, message, timeoutMs, &why)) {
        case SendResult::Delivered:
            handedOver = Outcome::HandedOver;
            return true;
        case SendResult::Failed:
            setError(error, why);
            handedOver = Outcome::HandOverFailed;
            return true;
        case SendResult::NoInstance:
            break;
        }
        return false;
    };
    if (tryHandOver()) {
        return *handedOver;
    }
    // Nobody answers. Becoming the instance is done by one process at a time: another one
    // starting at this moment waits here, then finds this one listening and hands over.
    QLockFile lock(lockPathFor(m_name));
    const bool locked = lock.tryLock(timeoutMs + 5000);
    if (locked && tryHandOver()) {
        return *handedOver;
    }
    if (m_server->listen(m_name)) {
        return Outcome::Primary;
    }
    if (m_server->serverError() == QAbstractSocket::AddressInUseError) {
        // The name is taken yet nobody answered on it (under the lock: nobody is starting
        // either): a crashed instance's socket file. Without the lock, ask once more first.
        if (!locked && tryHandOver()) {
            return *handedOver;
        }
        QLocalServer::removeServer(m_name);
        if (m_server->listen(m_name)) {
            return Outcome::Primary;
        }
    }
    setError(error, QStringLiteral("cannot listen on %1: %2").arg(m_name, m_server->errorString()));
    return Outcome::Standalone;
}

void SingleInstance::onNewConnection() {
    while (QLocalSocket* socket = m_server->nextPendingConnection()) {
        if (!peer::isSameUser(socket->socketDescriptor())) {
            // Not a word back: a process of another user learns nothing and adds nothing.
            spdlog::warn("single instance: refused a connection from a process of another user");
            socket->abort();
            socket->deleteLater();
            continue;
        }
        // Read in small steps: a client sending endless bytes is cut off at the limit, not
        // buffered whole.
        socket->setReadBufferSize(64 * 1024);
        auto buffer = std::make_shared<QByteArray>();
        auto done = std::make_shared<bool>(false);
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(kServerReadTimeoutMs, socket, [socket, done] {
            if (!*done) {
                *done = true;
                spdlog::warn("single instance: a client connected but sent no message; dropped");
                socket->abort();
                socket->deleteLater();
            }
        });
        const auto onData = [this, socket, buffer, done] {
            if (*done) {
                socket->readAll(); // after the one message: ignored
                return;
            }
            buffer->append(socket->readAll());
            const qsizetype newline = buffer->indexOf('\n');
            if (newline >= 0) {
                *done = true;
                handleLine(socket, buffer->left(newline));
            } else if (buffer->size() > kMaxInstanceMessageBytes) {
                *done = true;
                handleLine(socket, *buffer); // refused as too long
            }
        };
        connect(socket, &QLocalSocket::readyRead, this, onData);
        if (socket->bytesAvailable() > 0) {
            onData();
        }
    }
}

void SingleInstance::handleLine(QLocalSocket* socket, const QByteArray& line) {
    QString error;
    const std::optional<InstanceMessage> message = parseInstanceMessage(line, &error);
    if (!message) {
        spdlog::warn("single instance: refused a message from another maria2: {}",
                     error.toStdString());
        socket->write(answerLine(false, error));
        socket->disconnectFromServer(); // after the answer is written
        return;
    }
    spdlog::info("single instance: another maria2 handed over {} URL(s){}", message->urls.size(),
                 message->show ? " and asked for the window" : "");
    // Answered first: whatever the window does with the URLs, the other process may go.
    socket->write(answerLine(true));
    socket->disconnectFromServer();
    emit messageReceived(*message);
}

} // namespace maria2::gui
