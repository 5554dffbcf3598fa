#include "session/Session.h"

#include "core/engine/Engine.h"
#include "core/governor/Governor.h"
#include "core/io/ControlFile.h"
#include "core/monitor/ResourceSampler.h"
#include "core/pool/EnginePool.h"
#include "session/DownloadStore.h"
#include "session/QtDigest.h"
#include "session/ResourceWatch.h"
#include "session/SessionGovernor.h"
#include "session/SessionLimits.h"

#include <QDateTime>
#include <QMetaObject>
#include <QTimer>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <vector>

namespace maria2 {
namespace fs = std::filesystem;

namespace {

// A running download's bytes reach the store at most this often (state changes at once).
constexpr int kProgressSaveIntervalMs = 2000;

// What a restart runs: the request as added, resuming the part file under the name it had.
DownloadRequest resumeRequest(DownloadRequest request, const std::string& knownName) {
    request.continuePartial = true;
    request.startPaused = false;
    if (!knownName.empty()) {
        request.fileName = knownName; // a name from Content-Disposition is not in the URL
        request.ownsKnownName = true; // held from now on, not from its first byte
    }
    return request;
}

} // namespace

// Engine threads -> the Session's thread. Events are queued here in order and delivered in
// batches: one queued call (one wake-up of the main thread) per turn of an engine's loop, not
// per event. A list of small files makes four events per file, and a wake-up for each of them
// cost more than the downloads themselves. A thread that is not known to end its turns (it
// never called onTurnEnd) gets its events delivered at once. The Session is the context
// object, so calls still queued when it dies are dropped.
class Session::Listener final : public EngineListener {
public:
    explicit Listener(Session* session)
        : m_session(session) {}

    void onStateChanged(const DownloadSnapshot& snapshot) override {
        post([s = m_session, snapshot] { s->onEngineState(snapshot); });
    }

    void onProgress(const std::vector<DownloadSnapshot>& batch) override {
        QList<DownloadSnapshot> list(batch.begin(), batch.end());
        post([s = m_session, list = std::move(list)] { s->onEngineProgress(list); });
    }

    void onDetails(const DownloadDetails& details) override {
        post([s = m_session, details] { s->onEngineDetails(details); });
    }

    void onTransferReport(const TransferReport& report) override {
        post([s = m_session, url = report.url] { s->saveHostProfile(url); });
    }

    void onTurnEnd() override {
        t_endsTurns = true;
        schedule();
    }

private:
    void post(std::function<void()> event) {
        {
            std::lock_guard lock(m_mutex);
            m_pending.push_back(std::move(event));
        }
        if (!t_endsTurns) {
            schedule();
        }
    }

    void schedule() {
        {
            std::lock_guard lock(m_mutex);
            if (m_pending.empty() || m_scheduled) {
                return;
            }
            m_scheduled = true;
        }
        QMetaObject::invokeMethod(
            m_session, [this] { deliver(); }, Qt::QueuedConnection);
    }

    void deliver() {
        std::vector<std::function<void()>> events;
        {
            std::lock_guard lock(m_mutex);
            events.swap(m_pending);
            m_scheduled = false;
        }
        for (auto& event : events) {
            event();
        }
    }

    static thread_local bool t_endsTurns; // this thread calls onTurnEnd before it waits

    Session* m_session;
    std::mutex m_mutex;
    std::vector<std::function<void()>> m_pending;
    bool m_scheduled = false; // a deliver() is queued and has not taken the events yet
};

thread_local bool Session::Listener::t_endsTurns = false;

Session::Session(const Config& config, QObject* parent)
    : Session(config, SessionOptions{}, parent) {
}

Session::Session(const Config& config, const SessionOptions& options, QObject* parent)
    : QObject(parent)
    , m_config(config)
    , m_listener(std::make_unique<Listener>(this))
    , m_engine(std::make_unique<EnginePool>(m_config, *m_listener, qtDigestFactory()))
    , m_flushTimer(new QTimer(this)) {
    qRegisterMetaType<maria2::DownloadSnapshot>();
    qRegisterMetaType<QList<maria2::DownloadSnapshot>>();
    qRegisterMetaType<maria2::MetricsSnapshot>();
    qRegisterMetaType<maria2::DownloadDetails>();
    m_flushTimer->setInterval(kProgressSaveIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &Session::flushProgress);

    // Before anything is added: the windows and limits in force decide what may start.
    m_limits = std::make_unique<SessionLimits>(*m_engine, m_config.performance.downloadSpeedLimit,
                                               m_config.queue.timeWindows, options.wallClock);
    connect(m_limits.get(), &SessionLimits::speedLimitChanged, this, &Session::speedLimitChanged);
    m_engine->setMaxDownloadsPerHost(m_config.queue.maxDownloadsPerHost);
    m_governor = std::make_unique<SessionGovernor>(m_config, *m_engine);
    std::unique_ptr<ResourceSampler> sampler;
    if (options.samplerFactory) {
        sampler = options.samplerFactory();
    }
    m_watch = std::make_unique<ResourceWatch>(
        sampler ? std::move(sampler) : createPlatformSampler(),
        std::chrono::milliseconds(m_config.monitor.sampleIntervalMs),
        [pool = m_engine.get()] { return pool->traffic().received; });
    connect(m_watch.get(), &ResourceWatch::sampled, this, &Session::onSample);

    if (!options.databasePath.isEmpty()) {
        openStore(options.databasePath);
        loadHostProfiles(); // before restore(): the first downloads are routed well already
        restore();
    }
    syncFolders();
    m_engine->start();
    m_limits->start();
    m_watch->start();
}

Session::~Session() {
    shutdown();
}

void Session::openStore(const QString& path) {
    m_store = std::make_unique<DownloadStore>(path);
    QString error;
    if (m_store->open(&error)) {
        m_storeWarning = m_store->warning();
        return;
    }
    const QString movedAside = m_store->warning();
    m_store.reset();
    m_storeWarning = tr("Downloads will not be remembered this time, because %1.").arg(error);
    if (!movedAside.isEmpty()) {
        m_storeWarning = movedAside + QStringLiteral("\n\n") + m_storeWarning;
    }
}

void Session::loadHostProfiles() {
    if (!m_store) {
        return;
    }
    int loaded = 0;
    for (const auto& [host, text] : m_store->loadHostProfiles()) {
        std::string why;
        const auto json = nlohmann::json::parse(text.toStdString(), nullptr, false);
        if (auto profile = HostProfile::fromJson(json, &why)) {
            m_engine->hosts().put(std::move(*profile));
            ++loaded;
        } else {
            spdlog::warn("download list: ignoring what was saved about {}: {}", host.toStdString(),
                         json.is_discarded() ? std::string("not JSON") : why);
        }
    }
    m_engine->seedLearnedCaps();
    spdlog::info("engine pool: {} host profile(s) loaded", loaded);
}

void Session::saveHostProfile(const std::string& url) {
    const auto key = hostKeyFromUrl(url);
    if (!m_store || !key) {
        return;
    }
    if (const auto profile = m_engine->hosts().snapshot(*key)) {
        m_store->saveHostProfiles(
            {{QString::fromStdString(*key), QString::fromStdString(profile->toJson().dump())}});
    }
}

QStringList Session::engineNames() const {
    QStringList names;
    for (const auto& n : m_engine->engineNames()) {
        names << QString::fromStdString(n);
    }
    return names;
}

void Session::restore() {
    if (!m_store) {
        return;
    }
    for (const StoredDownload& d : m_store->load()) {
        const DownloadId id = m_nextId++;
        const std::string finalName =
            d.finalPath.empty() ? std::string() : fs::path(d.finalPath).filename().string();
        Entry entry;
        entry.request = d.request;
        entry.request.startPaused = false;
        entry.key = d.key;
        entry.addedAtMs = d.addedAtMs;
        entry.savedState = d.state;

        DownloadSnapshot s;
        s.id = id;
        s.state = d.state;
        s.url = d.request.url;
        s.directory = d.request.directory;
        s.fileName = finalName.empty() ? d.request.fileName : finalName;
        s.filePath = d.finalPath;
        s.totalBytes = d.totalBytes;
        s.doneBytes = d.doneBytes;
        s.checksum = d.request.checksum;
        s.error = d.error;
        s.errorMessage = d.errorMessage;
        s.addedAtMs = d.addedAtMs;

        // Completed and Failed stay as they were, outside the engine, until someone resumes
        // them. Everything else goes back to the engine, resuming from its part file.
        if (!isFinal(d.state)) {
            const bool waits = d.state == DownloadState::Paused || needsAttention(d.state);
            if (!waits) {
                s.state = DownloadState::Queued;
                s.error = ErrorCode::Ok;
                s.errorMessage.clear();
            }
            entry.restored = s;
            DownloadRequest r = resumeRequest(d.request, s.fileName);
            r.startPaused = waits;
            m_entries.insert(id, entry);
            startInEngine(id, r);
        } else {
            m_entries.insert(id, entry);
        }
        m_order.append(id);
        m_latest.insert(id, s);
        noteBusy(id, s.state);
        syncFolder(id);
    }
    spdlog::info("download list: {} download(s) restored from {}", m_order.size(),
                 m_store->path().toStdString());
    checkIdle();
}

void Session::startInEngine(DownloadId id, DownloadRequest request) {
    const DownloadId engineId = m_engine->add(std::move(request));
    m_toEngine.insert(id, engineId);
    m_fromEngine.insert(engineId, id);
}

DownloadId Session::add(const DownloadRequest& request) {
    DownloadRequest r = request;
    if (r.directory.empty()) {
        // Front ends fill their request with applyRequestDefaults(); this only keeps a request
        // that reaches the Session without a folder from landing in the working directory.
        r.directory = m_config.download.directory;
    }
    const DownloadId id = m_nextId++;
    Entry entry;
    entry.request = r;
    entry.request.startPaused = false;
    entry.addedAtMs = QDateTime::currentMSecsSinceEpoch();
    if (m_store) {
        entry.key = m_store->insert(r, entry.addedAtMs);
    }
    DownloadSnapshot s;
    s.id = id;
    s.url = r.url;
    s.directory = r.directory;
    s.fileName = r.fileName;
    s.checksum = r.checksum;
    s.maxSpeed = r.maxSpeed;
    s.state = r.startPaused ? DownloadState::Paused : DownloadState::Queued;
    s.addedAtMs = entry.addedAtMs;
    entry.savedState = s.state;
    m_entries.insert(id, std::move(entry));
    if (!r.startPaused && m_governor->folderPaused(r.directory)) {
        // Its folder is below the free-space floor: it waits with the others there.
        r.startPaused = true;
        const std::string message = m_governor->pauseMessage(r.directory);
        m_governor->notePaused(id, r.directory, message);
        s.state = DownloadState::Paused;
        s.bottleneck = Bottleneck::DiskFull;
        s.errorMessage = message;
    }
    // A list of thousands is added one by one: the request is copied once (for the entry)
    // and moved from here on.
    startInEngine(id, std::move(r));
    m_order.append(id);
    m_latest.insert(id, s);
    noteBusy(id, s.state);
    syncFolder(id);
    emit downloadAdded(s);
    checkIdle();
    return id;
}

void Session::pause(DownloadId id) {
    releaseSpacePause(id); // the person's pause from now on: space coming back won't resume it
    if (const DownloadId e = engineId(id)) {
        m_engine->pause(e);
    }
}

void Session::resume(DownloadId id) {
    m_governor->forget(id);
    if (const DownloadId e = engineId(id)) {
        m_engine->resume(e);
        return;
    }
    // A failed download restored from the store: "try again" puts it back in the engine.
    auto it = m_latest.find(id);
    const auto entry = m_entries.constFind(id); // gone once remove() was called
    if (m_shutdown || it == m_latest.end() || entry == m_entries.constEnd() ||
        it->state != DownloadState::Failed) {
        return;
    }
    startInEngine(id, resumeRequest(entry->request, it->fileName));
    syncEngineOrder(); // the pool appended it; it starts from its place in the list
    it->state = DownloadState::Queued;
    it->error = ErrorCode::Ok;
    it->errorMessage.clear();
    save(id, *it);
    syncFolder(id);
    emit downloadStateChanged(*it);
    checkIdle();
}

void Session::remove(DownloadId id, bool deleteFiles) {
    auto entry = m_entries.find(id);
    if (entry == m_entries.end()) {
        return;
    }
    if (m_store && entry->key != 0) {
        m_store->remove(entry->key); // at once: the person's intent survives a crash
    }
    entry->key = 0;
    m_governor->forget(id);
    if (const DownloadId e = engineId(id)) {
        m_engine->remove(e, deleteFiles); // the engine's Removed state drops it here
        return;
    }
    const DownloadSnapshot s = m_latest.value(id);
    if (deleteFiles && !s.filePath.empty()) {
        std::error_code ec;
        if (s.state == DownloadState::Completed) {
            fs::remove(fs::path(s.filePath), ec);
        } else {
            const fs::path part = io::partPathFor(fs::path(s.filePath));
            fs::remove(part, ec);
            fs::remove(io::controlPathFor(part), ec);
        }
    }
    m_entries.erase(entry);
    // Like an engine download, it leaves the list on the next turn of the event loop.
    QMetaObject::invokeMethod(
        this,
        [this, id] {
            if (m_latest.contains(id)) {
                dropDownload(id);
                checkIdle();
            }
        },
        Qt::QueuedConnection);
}

void Session::pauseAll() {
    for (const DownloadId id : std::as_const(m_order)) {
        releaseSpacePause(id);
    }
    m_engine->pauseAll();
}
void Session::resumeAll() {
    if (!m_governor->anyPausedForSpace()) {
        m_engine->resumeAll();
    } else {
        // Not the ones waiting for free space: their folder would fill up.
        for (const DownloadId id : std::as_const(m_order)) {
            const DownloadId e = engineId(id);
            if (e != 0 && !m_governor->pausedForSpace(id)) {
                m_engine->resume(e);
            }
        }
    }
    const QList<DownloadId> order = m_order;
    for (DownloadId id : order) {
        if (engineId(id) == 0) {
            resume(id); // restored failed ones are retried too, as the engine does with its own
        }
    }
}
void Session::setMaxConcurrentDownloads(int n) {
    m_config.performance.maxConcurrentDownloads = n;
    m_engine->setMaxConcurrentDownloads(n);
    m_governor->setUserMaxDownloads(n);
}

void Session::changeUrl(DownloadId id, const QString& url) {
    auto entry = m_entries.find(id);
    if (entry == m_entries.end()) {
        return;
    }
    const std::string text = url.toStdString();
    entry->request.url = text;
    if (m_store && entry->key != 0) {
        m_store->setUrl(entry->key, text);
    }
    if (const DownloadId e = engineId(id)) {
        m_engine->changeUrl(e, text);
    }
    if (auto it = m_latest.find(id); it != m_latest.end()) {
        it->url = text;
    }
}

QList<DownloadSnapshot> Session::downloads() const {
    QList<DownloadSnapshot> list;
    list.reserve(m_order.size());
    for (DownloadId id : m_order) {
        list.append(m_latest.value(id));
    }
    return list;
}

DownloadSnapshot Session::download(DownloadId id) const {
    return m_latest.value(id);
}

void Session::shutdown() {
    if (m_shutdown) {
        return;
    }
    m_shutdown = true;
    m_limits->stop();
    m_watch->stop(); // before the pool: the monitor thread reads the pool's counters
    if (m_metrics.atUnixMs == 0) {
        // A run shorter than one delivered sample still has figures to show.
        ResourceSnapshot last = m_watch->latest();
        if (last.sequence == 0) {
            last = m_watch->sampleNow();
        }
        m_metrics = metricsFor(last);
    }
    flushProgress();
    m_flushTimer->stop();
    m_engine->stop(); // interrupts transfers; their Paused states arrive as queued calls
}

DownloadSnapshot Session::fromEngine(DownloadSnapshot s, DownloadId id) {
    s = withRestored(std::move(s), id);
    // Paused for lack of space: the engine only knows it is paused; this says why.
    if (s.state == DownloadState::Paused) {
        if (const auto message = m_governor->pausedForSpace(id)) {
            s.bottleneck = Bottleneck::DiskFull;
            s.errorMessage = *message;
        }
    }
    return s;
}

DownloadSnapshot Session::withRestored(DownloadSnapshot s, DownloadId id) {
    s.id = id;
    auto entry = m_entries.find(id);
    if (entry == m_entries.end()) {
        return s;
    }
    s.addedAtMs = entry->addedAtMs;
    if (!entry->restored) {
        return s;
    }
    // Until a restored download runs, the engine knows nothing of its bytes: show the saved ones.
    DownloadSnapshot& saved = *entry->restored;
    if (isBusy(s.state) || isFinal(s.state) || !s.filePath.empty() || s.doneBytes > 0) {
        entry->restored.reset();
        return s;
    }
    s.totalBytes = saved.totalBytes;
    s.doneBytes = saved.doneBytes;
    s.filePath = saved.filePath;
    if (s.fileName.empty()) {
        s.fileName = saved.fileName;
    }
    if (s.state == DownloadState::Paused && needsAttention(saved.state)) {
        s.state = saved.state; // re-added paused; still shown as what it waits for
        s.error = saved.error;
        s.errorMessage = saved.errorMessage;
    } else {
        saved.state = s.state;
    }
    return s;
}

void Session::onEngineState(const DownloadSnapshot& engineSnapshot) {
    const auto it = m_fromEngine.constFind(engineSnapshot.id);
    if (it == m_fromEngine.constEnd()) {
        return; // removed already
    }
    const DownloadId id = *it;
    if (engineSnapshot.state == DownloadState::Removed) {
        dropDownload(id);
    } else {
        const DownloadSnapshot s = fromEngine(engineSnapshot, id);
        m_latest.insert(id, s);
        noteBusy(id, s.state);
        save(id, s);
        syncFolder(id);
        emit downloadStateChanged(s);
    }
    checkIdle();
}

void Session::onEngineProgress(const QList<DownloadSnapshot>& batch) {
    QList<DownloadSnapshot> live;
    live.reserve(batch.size());
    bool dirty = false;
    for (const auto& engineSnapshot : batch) {
        const auto it = m_fromEngine.constFind(engineSnapshot.id);
        if (it == m_fromEngine.constEnd()) {
            continue;
        }
        const DownloadId id = *it;
        live.append(fromEngine(engineSnapshot, id));
        const DownloadSnapshot& s = live.last();
        m_latest.insert(id, s);
        noteBusy(id, s.state);
        syncFolder(id); // O(1) when the state stayed unfinished
        if (auto entry = m_entries.find(id); m_store && entry != m_entries.end() && entry->key) {
            if (!entry->progressDirty) {
                m_dirty.append(id);
            }
            entry->progressDirty = true;
            dirty = true;
        }
    }
    // Bytes are saved by the timer, at most every kProgressSaveIntervalMs, in one transaction.
    if (dirty && !m_flushTimer->isActive() && !m_shutdown) {
        m_flushTimer->start();
    }
    if (!live.isEmpty()) {
        emit progress(live);
    }
}

void Session::dropDownload(DownloadId id) {
    m_latest.remove(id);
    m_busy.remove(id);
    m_order.removeOne(id);
    m_entries.remove(id);
    m_governor->forget(id);
    if (const DownloadId e = m_toEngine.take(id)) {
        m_fromEngine.remove(e);
    }
    syncFolder(id);
    emit downloadRemoved(id);
}

DownloadSnapshot Session::toSave(DownloadId id, Entry& entry, const DownloadSnapshot& s) const {
    DownloadSnapshot copy = s;
    if (s.state == DownloadState::Paused && (m_shutdown || m_governor->pausedForSpace(id))) {
        // Paused by the shutdown or for lack of space, not by a person: the next start resumes
        // it (and pauses it again at the first sample if there is still no room).
        copy.state = entry.savedState;
        copy.bottleneck = Bottleneck::None;
        if (copy.error == ErrorCode::Ok) {
            copy.errorMessage.clear();
        }
    }
    entry.savedState = copy.state;
    entry.progressDirty = false;
    return copy;
}

void Session::save(DownloadId id, const DownloadSnapshot& s) {
    auto entry = m_entries.find(id);
    if (!m_store || entry == m_entries.end() || entry->key == 0) {
        return;
    }
    m_store->updateFromSnapshot(entry->key, toSave(id, *entry, s));
}

void Session::flushProgress() {
    if (!m_store) {
        m_flushTimer->stop();
        return;
    }
    // Only the downloads that moved since the last flush, not every entry.
    QList<std::pair<qint64, DownloadSnapshot>> updates;
    updates.reserve(m_dirty.size());
    for (const DownloadId id : std::as_const(m_dirty)) {
        const auto it = m_entries.find(id);
        if (it != m_entries.end() && it->progressDirty && it->key != 0) {
            updates.append({it->key, toSave(id, *it, m_latest.value(id))});
        }
    }
    m_dirty.clear();
    if (updates.isEmpty()) {
        m_flushTimer->stop(); // nothing moves: no timer either
        return;
    }
    m_store->updateMany(updates);
}

void Session::checkIdle() {
    bool idleNow = true;
    for (const auto& s : std::as_const(m_latest)) {
        if (isBusy(s.state) || s.state == DownloadState::Queued) {
            idleNow = false;
            break;
        }
    }
    if (idleNow && !m_wasIdle) {
        m_wasIdle = true;
        emit idle();
    } else if (!idleNow) {
        m_wasIdle = false;
    }
}

} // namespace maria2
