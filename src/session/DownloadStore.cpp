#include "session/DownloadStore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <spdlog/spdlog.h>

#include <atomic>
#include <vector>

namespace maria2 {
namespace {

// Ordered schema steps: migration i (0-based) takes user_version i to i + 1. Each runs in one
// transaction together with the new user_version. Never edit a step that has shipped; append.
const std::vector<std::vector<const char*>>& migrations() {
    static const std::vector<std::vector<const char*>> steps{
        // v1: the queue and history.
        {R"(CREATE TABLE downloads (
                key INTEGER PRIMARY KEY,
                position INTEGER NOT NULL,
                url TEXT NOT NULL,
                directory TEXT NOT NULL DEFAULT '',
                file_name TEXT NOT NULL DEFAULT '',
                final_path TEXT NOT NULL DEFAULT '',
                state TEXT NOT NULL,
                total_bytes INTEGER NOT NULL DEFAULT -1,
                done_bytes INTEGER NOT NULL DEFAULT 0,
                error_code INTEGER NOT NULL DEFAULT 0,
                error_message TEXT NOT NULL DEFAULT '',
                added_at_ms INTEGER NOT NULL,
                finished_at_ms INTEGER,
                headers TEXT NOT NULL DEFAULT '[]',
                user_agent TEXT NOT NULL DEFAULT '',
                referer TEXT NOT NULL DEFAULT '',
                allow_overwrite INTEGER NOT NULL DEFAULT 0,
                continue_partial INTEGER NOT NULL DEFAULT 1,
                split INTEGER NOT NULL DEFAULT 0,
                max_conn INTEGER NOT NULL DEFAULT 0,
                min_split INTEGER NOT NULL DEFAULT 0,
                checksum TEXT NOT NULL DEFAULT '',
                updated_at_ms INTEGER NOT NULL))"},
        // v2: the queue is read in order.
        {"CREATE INDEX downloads_by_position ON downloads(position)"},
        // v3: what the engine pool learned of each host (JSON, see docs/engine-routing.md).
        {R"(CREATE TABLE host_profiles (
                host TEXT PRIMARY KEY,
                profile TEXT NOT NULL,
                updated_at_ms INTEGER NOT NULL))"},
        // v4: a download's own speed limit (--max-download-limit), B/s, 0 = none. The queue
        // order was there from v1 (position).
        {"ALTER TABLE downloads ADD COLUMN max_speed INTEGER NOT NULL DEFAULT 0"},
    };
    return steps;
}

const char* const kColumns =
    "key, position, url, directory, file_name, final_path, state, total_bytes, done_bytes, "
    "error_code, error_message, added_at_ms, finished_at_ms, headers, user_agent, referer, "
    "allow_overwrite, continue_partial, split, max_conn, min_split, checksum, updated_at_ms, "
    "max_speed";

std::atomic<int> g_connectionCounter{0};

qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

std::string s(const QVariant& v) {
    return v.toString().toStdString();
}

DownloadState stateFromString(const QString& text) {
    for (int i = 0; i <= static_cast<int>(DownloadState::Removed); ++i) {
        const auto state = static_cast<DownloadState>(i);
        if (text == QLatin1String(toString(state))) {
            return state;
        }
    }
    return DownloadState::Paused; // unknown text from elsewhere: safest is to wait for a person
}

QString headersToJson(const std::vector<std::string>& headers) {
    QJsonArray array;
    for (const auto& h : headers) {
        array.append(q(h));
    }
    return QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Compact));
}

std::vector<std::string> headersFromJson(const QString& json) {
    std::vector<std::string> headers;
    const QJsonArray array = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const auto& v : array) {
        headers.push_back(v.toString().toStdString());
    }
    return headers;
}

// SQLite result codes that say "not now / not here", not "this file is broken": the file is
// left alone and open() fails instead.
bool isEnvironmentError(const QSqlError& error) {
    const int code = error.nativeErrorCode().toInt() & 0xff;
    switch (code) {
    case 3:  // SQLITE_PERM
    case 5:  // SQLITE_BUSY
    case 6:  // SQLITE_LOCKED
    case 7:  // SQLITE_NOMEM
    case 8:  // SQLITE_READONLY
    case 10: // SQLITE_IOERR
    case 13: // SQLITE_FULL
    case 14: // SQLITE_CANTOPEN
    case 23: // SQLITE_AUTH
        return true;
    default:
        return false;
    }
}

QString describe(const QSqlError& error) {
    const QString text = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    return text.isEmpty() ? QStringLiteral("unknown SQLite error") : text;
}

} // namespace

int DownloadStore::schemaVersion() {
    return static_cast<int>(migrations().size());
}

DownloadStore::DownloadStore(QString path)
    : m_path(std::move(path))
    , m_connectionName(QStringLiteral("maria2-store-%1").arg(g_connectionCounter.fetch_add(1))) {
}

DownloadStore::~DownloadStore() {
    closeConnection();
}

void DownloadStore::closeConnection() {
    m_open = false;
    if (m_db.isValid()) {
        m_db.close();
    }
    m_db = QSqlDatabase();
    if (QSqlDatabase::contains(m_connectionName)) {
        QSqlDatabase::removeDatabase(m_connectionName);
    }
}

bool DownloadStore::exec(const QString& sql, const char* what) const {
    QSqlQuery query(m_db);
    if (!query.exec(sql)) {
        spdlog::warn("download list: {} failed: {}", what,
                     describe(query.lastError()).toStdString());
        return false;
    }
    return true;
}

bool DownloadStore::open(QString* error) {
    const auto fail = [&](const QString& why) {
        closeConnection();
        if (error != nullptr) {
            *error = why;
        }
        spdlog::error("download list: {}", why.toStdString());
        return false;
    };
    closeConnection();
    m_warning.clear();
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        return fail(QStringLiteral("the Qt SQLite driver (QSQLITE) is missing; install the "
                                   "package that provides it (Debian: libqt6sql6-sqlite)"));
    }
    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath())) {
        return fail(QStringLiteral("cannot create the folder '%1'").arg(info.absolutePath()));
    }
    if (!info.exists()) {
        // Owner-only from the start: rows may hold request headers (cookies, tokens).
        QFile file(m_path);
        if (!file.open(QIODevice::WriteOnly)) {
            return fail(QStringLiteral("cannot create '%1': %2").arg(m_path, file.errorString()));
        }
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }

    QString why;
    Outcome outcome = tryOpen(&why);
    if (outcome == Outcome::Refused) {
        return fail(QStringLiteral("the download list '%1' cannot be used: %2").arg(m_path, why));
    }
    if (outcome == Outcome::Unreadable) {
        QString movedTo;
        QString moveError;
        if (!moveAside(&movedTo, &moveError)) {
            return fail(QStringLiteral("the download list '%1' cannot be read (%2) and cannot "
                                       "be moved aside: %3")
                            .arg(m_path, why, moveError));
        }
        m_warning = QStringLiteral("The download list '%1' could not be read (%2). It was moved "
                                   "to '%3' and a new, empty list was started.")
                        .arg(m_path, why, movedTo);
        spdlog::warn("{}", m_warning.toStdString());
        QString again;
        if (tryOpen(&again) != Outcome::Ok) {
            const QString warning = m_warning;
            fail(QStringLiteral("a new download list cannot be created at '%1': %2")
                     .arg(m_path, again));
            m_warning = warning;
            return false;
        }
    }
    m_open = true;
    return true;
}

DownloadStore::Outcome DownloadStore::tryOpen(QString* why) {
    closeConnection();
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
    m_db.setDatabaseName(m_path);
    m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=3000"));
    if (!m_db.open()) {
        *why = QStringLiteral("cannot open it: %1").arg(describe(m_db.lastError()));
        return Outcome::Refused;
    }
    const auto failed = [&](const QSqlQuery& query, const QString& step) {
        const QSqlError error = query.lastError();
        *why = QStringLiteral("%1: %2").arg(step, describe(error));
        return isEnvironmentError(error) ? Outcome::Refused : Outcome::Unreadable;
    };
    QSqlQuery query(m_db);
    // Reading the version is the first real read: a file that is not a database fails here.
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
        return failed(query, QStringLiteral("reading the schema version"));
    }
    const int version = query.value(0).toInt();
    if (version > schemaVersion()) {
        // Checked before anything writes (even the journal mode), so the file stays as it is.
        *why = QStringLiteral("it was written by a newer MAria2 (schema version %1; this "
                              "version knows up to %2) and is left untouched; update MAria2 to "
                              "use it")
                   .arg(version)
                   .arg(schemaVersion());
        return Outcome::Refused;
    }
    if (!query.exec(QStringLiteral("PRAGMA integrity_check")) || !query.next()) {
        return failed(query, QStringLiteral("checking integrity"));
    }
    if (const QString verdict = query.value(0).toString(); verdict != QLatin1String("ok")) {
        *why = QStringLiteral("integrity check failed: %1").arg(verdict);
        return Outcome::Unreadable;
    }
    if (!query.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !query.next()) {
        return failed(query, QStringLiteral("switching to WAL"));
    }
    if (query.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        spdlog::warn("download list: journal mode is {}, not WAL",
                     query.value(0).toString().toStdString());
    }
    if (!query.exec(QStringLiteral("PRAGMA synchronous=NORMAL")) ||
        !query.exec(QStringLiteral("PRAGMA foreign_keys=ON"))) {
        return failed(query, QStringLiteral("setting pragmas"));
    }
    query.finish();
    if (const Outcome migrated = migrate(why); migrated != Outcome::Ok) {
        return migrated;
    }
    // A file from elsewhere that claims our version must still have our table.
    if (!query.exec(QStringLiteral("SELECT %1 FROM downloads LIMIT 0").arg(kColumns))) {
        return failed(query, QStringLiteral("the downloads table is not usable"));
    }
    return Outcome::Ok;
}

DownloadStore::Outcome DownloadStore::migrate(QString* why) {
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
        *why = describe(query.lastError());
        return isEnvironmentError(query.lastError()) ? Outcome::Refused : Outcome::Unreadable;
    }
    const int from = query.value(0).toInt();
    query.finish();
    const auto& steps = migrations();
    for (int version = from; version < schemaVersion(); ++version) {
        if (!m_db.transaction()) {
            *why = QStringLiteral("cannot start a transaction: %1").arg(describe(m_db.lastError()));
            return isEnvironmentError(m_db.lastError()) ? Outcome::Refused : Outcome::Unreadable;
        }
        QStringList statements;
        for (const char* sql : steps[static_cast<std::size_t>(version)]) {
            statements << QString::fromUtf8(sql);
        }
        statements << QStringLiteral("PRAGMA user_version = %1").arg(version + 1);
        for (const QString& sql : std::as_const(statements)) {
            if (!query.exec(sql)) {
                const QSqlError error = query.lastError();
                query.finish();
                m_db.rollback();
                *why = QStringLiteral("migrating the schema from version %1 to %2 failed: %3")
                           .arg(version)
                           .arg(version + 1)
                           .arg(describe(error));
                return isEnvironmentError(error) ? Outcome::Refused : Outcome::Unreadable;
            }
        }
        query.finish();
        if (!m_db.commit()) {
            *why = QStringLiteral("cannot commit the migration to version %1: %2")
                       .arg(version + 1)
                       .arg(describe(m_db.lastError()));
            m_db.rollback();
            return isEnvironmentError(m_db.lastError()) ? Outcome::Refused : Outcome::Unreadable;
        }
        spdlog::info("download list: schema migrated to version {}", version + 1);
    }
    return Outcome::Ok;
}

bool DownloadStore::moveAside(QString* movedTo, QString* error) {
    closeConnection();
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss"));
    QString target = m_path + QStringLiteral(".corrupt-") + stamp;
    for (int n = 2; QFileInfo::exists(target); ++n) {
        target = m_path + QStringLiteral(".corrupt-%1-%2").arg(stamp).arg(n);
    }
    if (!QFile::rename(m_path, target)) {
        *error = QStringLiteral("cannot rename it to '%1'").arg(target);
        return false;
    }
    // A journal left beside it belongs to the old file, never to the new one.
    for (const QString& suffix : {QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (QFileInfo::exists(m_path + suffix) &&
            !QFile::rename(m_path + suffix, target + suffix)) {
            spdlog::warn("download list: cannot move '{}' aside; removing it",
                         (m_path + suffix).toStdString());
            QFile::remove(m_path + suffix);
        }
    }
    QFile fresh(m_path);
    if (fresh.open(QIODevice::WriteOnly)) {
        fresh.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    *movedTo = target;
    return true;
}

qint64 DownloadStore::insert(const DownloadRequest& r, qint64 addedAtMs) {
    if (!m_open) {
        return 0;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral(
        "INSERT INTO downloads (position, url, directory, file_name, state, added_at_ms, "
        "headers, user_agent, referer, allow_overwrite, continue_partial, split, max_conn, "
        "min_split, checksum, updated_at_ms, max_speed) VALUES ("
        "(SELECT COALESCE(MAX(position), 0) + 1 FROM downloads), :url, :dir, :name, :state, "
        ":added, :headers, :ua, :referer, :overwrite, :cont, :split, :maxconn, :minsplit, "
        ":checksum, :updated, :maxspeed)"));
    query.bindValue(QStringLiteral(":url"), q(r.url));
    query.bindValue(QStringLiteral(":dir"), q(r.directory));
    query.bindValue(QStringLiteral(":name"), q(r.fileName));
    query.bindValue(QStringLiteral(":state"),
                    QString::fromLatin1(
                        toString(r.startPaused ? DownloadState::Paused : DownloadState::Queued)));
    query.bindValue(QStringLiteral(":added"), addedAtMs);
    query.bindValue(QStringLiteral(":headers"), headersToJson(r.headers));
    query.bindValue(QStringLiteral(":ua"), q(r.userAgent));
    query.bindValue(QStringLiteral(":referer"), q(r.referer));
    query.bindValue(QStringLiteral(":overwrite"), r.allowOverwrite ? 1 : 0);
    query.bindValue(QStringLiteral(":cont"), r.continuePartial ? 1 : 0);
    query.bindValue(QStringLiteral(":split"), r.split);
    query.bindValue(QStringLiteral(":maxconn"), r.maxConnectionsPerServer);
    query.bindValue(QStringLiteral(":minsplit"), static_cast<qint64>(r.minSplitSize));
    query.bindValue(QStringLiteral(":checksum"), q(r.checksum));
    query.bindValue(QStringLiteral(":updated"), nowMs());
    query.bindValue(QStringLiteral(":maxspeed"), static_cast<qint64>(r.maxSpeed));
    if (!query.exec()) {
        spdlog::warn("download list: cannot add a download: {}",
                     describe(query.lastError()).toStdString());
        return 0;
    }
    return query.lastInsertId().toLongLong();
}

void DownloadStore::updateFromSnapshot(qint64 key, const DownloadSnapshot& snap) {
    if (!m_open || key <= 0) {
        return;
    }
    QSqlQuery query(m_db);
    // In SET, column names read the row as it was: finished_at_ms keeps the first moment a
    // download reached Completed/Failed and clears when it runs again.
    query.prepare(QStringLiteral(
        "UPDATE downloads SET state = :state, total_bytes = :total, done_bytes = :done, "
        "final_path = :path, error_code = :code, error_message = :message, "
        "finished_at_ms = CASE WHEN :final = 0 THEN NULL "
        "WHEN state = :same AND finished_at_ms IS NOT NULL THEN finished_at_ms ELSE :now END, "
        "updated_at_ms = :updated WHERE key = :key"));
    const bool finished =
        snap.state == DownloadState::Completed || snap.state == DownloadState::Failed;
    query.bindValue(QStringLiteral(":state"), QString::fromLatin1(toString(snap.state)));
    query.bindValue(QStringLiteral(":total"), static_cast<qint64>(snap.totalBytes));
    query.bindValue(QStringLiteral(":done"), static_cast<qint64>(snap.doneBytes));
    query.bindValue(QStringLiteral(":path"), q(snap.filePath));
    query.bindValue(QStringLiteral(":code"), static_cast<int>(snap.error));
    query.bindValue(QStringLiteral(":message"), q(snap.errorMessage));
    query.bindValue(QStringLiteral(":final"), finished ? 1 : 0);
    query.bindValue(QStringLiteral(":same"), QString::fromLatin1(toString(snap.state)));
    query.bindValue(QStringLiteral(":now"), nowMs());
    query.bindValue(QStringLiteral(":updated"), nowMs());
    query.bindValue(QStringLiteral(":key"), key);
    if (!query.exec()) {
        spdlog::warn("download list: cannot save download {}: {}", key,
                     describe(query.lastError()).toStdString());
    }
}

void DownloadStore::updateMany(const QList<std::pair<qint64, DownloadSnapshot>>& updates) {
    if (!m_open || updates.isEmpty()) {
        return;
    }
    const bool inTransaction = updates.size() > 1 && m_db.transaction();
    for (const auto& [key, snapshot] : updates) {
        updateFromSnapshot(key, snapshot);
    }
    if (inTransaction && !m_db.commit()) {
        spdlog::warn("download list: cannot commit: {}", describe(m_db.lastError()).toStdString());
        m_db.rollback();
    }
}

void DownloadStore::setUrl(qint64 key, const std::string& url) {
    if (!m_open) {
        return;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE downloads SET url = :url, updated_at_ms = :now "
                                 "WHERE key = :key"));
    query.bindValue(QStringLiteral(":url"), q(url));
    query.bindValue(QStringLiteral(":now"), nowMs());
    query.bindValue(QStringLiteral(":key"), key);
    if (!query.exec()) {
        spdlog::warn("download list: cannot save the new URL of download {}: {}", key,
                     describe(query.lastError()).toStdString());
    }
}

void DownloadStore::setMaxSpeed(qint64 key, std::int64_t bytesPerSecond) {
    if (!m_open) {
        return;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("UPDATE downloads SET max_speed = :speed, updated_at_ms = :now "
                                 "WHERE key = :key"));
    query.bindValue(QStringLiteral(":speed"), static_cast<qint64>(bytesPerSecond));
    query.bindValue(QStringLiteral(":now"), nowMs());
    query.bindValue(QStringLiteral(":key"), key);
    if (!query.exec()) {
        spdlog::warn("download list: cannot save the speed limit of download {}: {}", key,
                     describe(query.lastError()).toStdString());
    }
}

void DownloadStore::saveHostProfiles(const QList<QPair<QString, QString>>& hostToJson) {
    if (!m_open || hostToJson.isEmpty()) {
        return;
    }
    m_db.transaction();
    QSqlQuery query(m_db);
    query.prepare(
        QStringLiteral("INSERT INTO host_profiles (host, profile, updated_at_ms) "
                       "VALUES (:host, :profile, :now) ON CONFLICT(host) DO UPDATE SET "
                       "profile = excluded.profile, updated_at_ms = excluded.updated_at_ms"));
    for (const auto& [host, json] : hostToJson) {
        query.bindValue(QStringLiteral(":host"), host);
        query.bindValue(QStringLiteral(":profile"), json);
        query.bindValue(QStringLiteral(":now"), nowMs());
        if (!query.exec()) {
            spdlog::warn("download list: cannot save what was learned of {}: {}",
                         host.toStdString(), describe(query.lastError()).toStdString());
        }
    }
    m_db.commit();
}

QList<QPair<QString, QString>> DownloadStore::loadHostProfiles() const {
    QList<QPair<QString, QString>> out;
    if (!m_open) {
        return out;
    }
    QSqlQuery query(m_db);
    if (!query.exec(QStringLiteral("SELECT host, profile FROM host_profiles"))) {
        spdlog::warn("download list: cannot read host profiles: {}",
                     describe(query.lastError()).toStdString());
        return out;
    }
    while (query.next()) {
        out.append({query.value(0).toString(), query.value(1).toString()});
    }
    return out;
}

void DownloadStore::remove(qint64 key) {
    if (!m_open) {
        return;
    }
    QSqlQuery query(m_db);
    query.prepare(QStringLiteral("DELETE FROM downloads WHERE key = :key"));
    query.bindValue(QStringLiteral(":key"), key);
    if (!query.exec()) {
        spdlog::warn("download list: cannot remove download {}: {}", key,
                     describe(query.lastError()).toStdString());
    }
}

QList<StoredDownload> DownloadStore::load() const {
    QList<StoredDownload> list;
    if (!m_open) {
        return list;
    }
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(
            QStringLiteral("SELECT %1 FROM downloads ORDER BY position, key").arg(kColumns))) {
        spdlog::warn("download list: cannot read: {}", describe(query.lastError()).toStdString());
        return list;
    }
    while (query.next()) {
        StoredDownload d;
        int c = 0;
        const auto next = [&] {
            return query.value(c++);
        };
        d.key = next().toLongLong();
        d.position = next().toLongLong();
        d.request.url = s(next());
        d.request.directory = s(next());
        d.request.fileName = s(next());
        d.finalPath = s(next());
        d.state = stateFromString(next().toString());
        d.totalBytes = next().toLongLong();
        d.doneBytes = next().toLongLong();
        d.error = static_cast<ErrorCode>(next().toInt());
        d.errorMessage = s(next());
        d.addedAtMs = next().toLongLong();
        d.finishedAtMs = next().toLongLong(); // NULL -> 0
        d.request.headers = headersFromJson(next().toString());
        d.request.userAgent = s(next());
        d.request.referer = s(next());
        d.request.allowOverwrite = next().toInt() != 0;
        d.request.continuePartial = next().toInt() != 0;
        d.request.split = next().toInt();
        d.request.maxConnectionsPerServer = next().toInt();
        d.request.minSplitSize = next().toLongLong();
        d.request.checksum = s(next());
        d.updatedAtMs = next().toLongLong();
        d.request.maxSpeed = next().toLongLong();
        d.request.startPaused = d.state == DownloadState::Paused;
        list.append(std::move(d));
    }
    return list;
}

void DownloadStore::setPositions(const QList<qint64>& keysInOrder) {
    if (!m_open) {
        return;
    }
    const bool inTransaction = m_db.transaction();
    QSqlQuery query(m_db);
    // Everything not named moves behind the named ones, keeping its order.
    exec(
        QStringLiteral("UPDATE downloads SET position = position + %1").arg(keysInOrder.size() + 1),
        "reordering");
    query.prepare(QStringLiteral("UPDATE downloads SET position = :pos WHERE key = :key"));
    qint64 position = 1;
    for (qint64 key : keysInOrder) {
        query.bindValue(QStringLiteral(":pos"), position++);
        query.bindValue(QStringLiteral(":key"), key);
        if (!query.exec()) {
            spdlog::warn("download list: cannot reorder: {}",
                         describe(query.lastError()).toStdString());
        }
    }
    if (inTransaction && !m_db.commit()) {
        spdlog::warn("download list: cannot commit: {}", describe(m_db.lastError()).toStdString());
        m_db.rollback();
    }
}

} // namespace maria2
