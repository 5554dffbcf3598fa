#include "core/pool/EnginePool.h"

#include "core/adapt/TimeoutAdvisor.h"

#include "core/net/Url.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace maria2 {
namespace {

constexpr double kClearLead = 0.15; // a lead this large is a decision; below it the learner picks

std::int64_t unixMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string shortSummary(const RouteDecision& d) {
    std::string out = d.engine + " " + fmt::format("{:.2f}", d.score);
    std::string others;
    for (const auto& s : d.scores) {
        if (s.name == d.engine || !s.eligible) {
            continue;
        }
        others += (others.empty() ? "" : ", ") + s.name + fmt::format(" {:.2f}", s.score);
    }
    return others.empty() ? out : out + " [" + others + "]";
}

// The scores as the details pane shows them (the parts in the scorer's map order).
std::vector<EngineScoreDetail> scoreDetails(const RouteDecision& d) {
    std::vector<EngineScoreDetail> out;
    out.reserve(d.scores.size());
    for (const EngineScore& s : d.scores) {
        EngineScoreDetail detail;
        detail.engine = s.name;
        detail.score = s.score;
        detail.eligible = s.eligible;
        detail.parts.assign(s.parts.begin(), s.parts.end());
        detail.note = s.note;
        out.push_back(std::move(detail));
    }
    return out;
}

} // namespace

EnginePool::EnginePool(const Config& config, EngineListener& listener, DigestFactory digests,
                       std::vector<EngineProfile> profiles)
    : m_config(config)
    , m_listener(listener)
    , m_gate(schedulerSettingsFor(config))
    , m_limiter(config.performance.downloadSpeedLimit, SpeedLimiter::Clock::now())
    , m_cache(MetadataCache::bytesFromMegabytes(config.performance.cacheSizeMb))
    , m_tuner([&] {
        TunerConfig t;
        t.ceiling = config.download.connectionCeiling;
        t.initial = std::min(config.download.split, config.download.connectionCeiling);
        return t;
    }())
    , m_scorer([&] {
        ScorerConfig s;
        s.connectionCeiling = config.download.connectionCeiling;
        s.defaultConnections = std::min(config.download.split, config.download.connectionCeiling);
        s.minSplitBytes = config.download.minSplitSize;
        return s;
    }()) {
    m_userMaxDownloads = std::max(1, config.performance.maxConcurrentDownloads);
    const CurlCapabilities caps = curlCapabilities();
    m_http2 = caps.http2;
    m_http3 = caps.http3;
    if (profiles.empty()) {
        profiles =
            defaultEngineProfiles(caps, static_cast<int>(std::thread::hardware_concurrency()));
    }
    spdlog::info("engine pool: {}", caps.summary());
    for (auto& p : profiles) {
        spdlog::info("engine pool: {} ({}, {})", p.name, toString(p.kind),
                     p.split ? "splits" : "never splits");
        EngineListener& self = *this; // the engines report to the pool, which annotates
        m_engines.push_back(std::make_unique<Engine>(
            config, self, digests, std::move(p),
            EngineLinks{&m_ids, &m_gate, &m_limiter, &m_traffic, &m_names}));
    }
    m_affinity = HostAffinity(m_engines.size());
}

EnginePool::~EnginePool() {
    stop();
}

void EnginePool::start() {
    std::lock_guard lock(m_mutex);
    m_started = true;
    for (const auto& [id, route] : m_routes) {
        m_engines[route.engine]->start(); // downloads added (restored) before start()
    }
}

Engine& EnginePool::engineAt(std::size_t index) {
    Engine& e = *m_engines[index];
    if (m_started) {
        e.start(); // no-op once running
    }
    return e;
}

void EnginePool::stop() {
    // All threads stop before any engine is destroyed: a freed slot wakes every engine.
    for (auto& e : m_engines) {
        e->stop();
    }
}

std::vector<std::string> EnginePool::engineNames() const {
    std::vector<std::string> names;
    for (const auto& e : m_engines) {
        names.push_back(e->profile().name);
    }
    return names;
}

void EnginePool::setHeadroom(double cpu, double memory) {
    m_cpuHeadroom = std::clamp(cpu, 0.0, 1.0);
    m_memoryHeadroom = std::clamp(memory, 0.0, 1.0);
}

void EnginePool::seedLearnedCaps() {
    for (const auto& p : m_hosts.all()) {
        if (p.learnedConnectionCap > 0) {
            m_tuner.setLearnedCap(p.host, p.learnedConnectionCap);
        }
    }
}

std::size_t EnginePool::indexOf(const std::string& engineName) const {
    for (std::size_t i = 0; i < m_engines.size(); ++i) {
        if (m_engines[i]->profile().name == engineName) {
            return i;
        }
    }
    return m_engines.size();
}

RouteDecision EnginePool::decide(const DownloadRequest& request, const std::string& hostKey) const {
    const auto now = MetadataCache::Clock::now();
    RouteRequest r;
    r.scheme = net::schemeOf(request.url);
    r.userSplit = request.split;
    r.userForcedEngine = request.engine;
    r.host = hostLabel(hostKey);
    std::vector<bool> warm(m_engines.size(), false);
    {
        std::lock_guard lock(m_mutex);
        // Files of this host already waiting or running: this one arrives with them.
        r.fileCount = 1 + m_affinity.inPlay(hostKey);
        for (std::size_t i = 0; i < m_engines.size(); ++i) {
            warm[i] = m_affinity.warm(hostKey, i, std::chrono::steady_clock::now());
        }
    }
    RouteKnowledge k;
    k.metadata = m_cache.lookup(request.url, now);
    k.host = m_hosts.snapshot(hostKey);
    k.learnerBonus = m_learner.engineBonus(hostKey);
    std::vector<EngineStatus> engines;
    for (std::size_t i = 0; i < m_engines.size(); ++i) {
        const auto& e = m_engines[i];
        const EngineProfile& p = e->profile();
        EngineStatus s;
        s.name = p.name;
        s.kind = p.kind;
        s.schemes = p.schemes;
        s.activeTransfers = e->load();
        s.capacity = p.capacity;
        s.http2 = p.multiplex && m_http2;
        s.http3 = p.http == HttpPreference::Http3 && m_http3;
        s.warm = warm[i];
        engines.push_back(std::move(s));
    }
    return m_scorer.decide(r, k, engines, {m_cpuHeadroom.load(), m_memoryHeadroom.load()});
}

RouteDecision EnginePool::preview(const DownloadRequest& request) const {
    return decide(request, hostKeyFromUrl(request.url).value_or(""));
}

DownloadId EnginePool::add(DownloadRequest request) {
    const std::string hostKey = hostKeyFromUrl(request.url).value_or("");
    RouteDecision d = decide(request, hostKey);
    Route route;
    route.hostKey = hostKey;
    std::size_t index = d.ok ? indexOf(d.engine) : m_engines.size();
    if (index == m_engines.size()) {
        // No engine fits (an unknown forced engine, a scheme none speaks): the generic engine
        // takes it and fails it with a message naming the cause.
        spdlog::warn("engine pool: {}", d.reason);
        index = m_engines.size() - 1;
        route.summary = m_engines[index]->profile().name + " (" + d.reason + ")";
    } else {
        // Close call and nothing forced: let the learner explore between the top two.
        const auto& scores = d.scores;
        if (request.engine.empty() && scores.size() > 1 && scores[1].eligible &&
            scores[0].score - scores[1].score < kClearLead) {
            const int conns = std::max(1, d.recommendedConnections);
            const std::vector<Arm> arms{{scores[0].name, conns}, {scores[1].name, conns}};
            if (const auto arm = m_learner.choose(hostKey, arms, MetadataCache::Clock::now());
                arm && indexOf(arm->engine) < m_engines.size()) {
                index = indexOf(arm->engine);
            }
        }
        route.summary = shortSummary(d);
        if (m_engines[index]->profile().name != d.engine) {
            route.summary += " -> " + m_engines[index]->profile().name + " (learner explores)";
        }
        // Formatted only when someone reads it: a list of 400 files is routed 400 times.
        if (spdlog::should_log(spdlog::level::info)) {
            spdlog::info("{}", formatDecision(d));
        }
        if (spdlog::should_log(spdlog::level::debug)) {
            spdlog::debug("{}", formatDecisionDetail(d));
        }
    }
    const EngineProfile& profile = m_engines[index]->profile();
    // Connections: the user's -s/-x when given; else what the tuner learned for this host.
    if (request.split <= 0 && request.maxConnectionsPerServer <= 0 && profile.split) {
        // The learned cap for the host, else the configured start; re-judged while it runs.
        route.autoConnections = true;
        {
            // The count is the host's, shared with its downloads running now: this one takes
            // its share; a host with none running starts afresh (learned cap, else the start).
            std::lock_guard lock(m_mutex);
            const int running = busyOnHostLocked(hostKey);
            const int count = running > 0 && m_tuner.count(hostKey) > 0 ? m_tuner.count(hostKey)
                                                                        : m_tuner.initial(hostKey);
            route.connections =
                std::clamp(count / (running + 1), 1, m_config.download.connectionCeiling);
        }
        request.split = route.connections;
        request.maxConnectionsPerServer = m_config.download.connectionCeiling;
    } else if (profile.split) {
        // -s/-x are upper bounds: start there (the person asked for it), and let the tuner
        // only back off when the server pushes back; never above them.
        route.autoConnections = true;
        route.userMax = std::min(request.split > 0 ? request.split : m_config.download.split,
                                 request.maxConnectionsPerServer > 0
                                     ? request.maxConnectionsPerServer
                                     : m_config.download.maxConnectionsPerServer);
        route.connections = std::max(1, route.userMax);
    }
    route.minSplit =
        request.minSplitSize > 0 ? request.minSplitSize : m_config.download.minSplitSize;
    if (const auto host = m_hosts.snapshot(hostKey);
        host && host->perConnectionCapped().value_or(false)) {
        request.splitAtOnce = true; // known to cap each connection: no need to measure first
    }
    // Timeouts from what this host showed before (connect from its latency, stall line from
    // its speed); the config's values for a host not seen yet. Under a speed limit the
    // engine does its own silence check instead of libcurl's low-speed one.
    const AdvisedTimeouts timeouts =
        TimeoutAdvisor(m_config.network).advise(m_hosts.snapshot(hostKey));
    if (timeouts.adapted) {
        request.connectTimeoutSeconds = timeouts.connectTimeoutSeconds;
        request.lowSpeedLimitBytes = timeouts.lowSpeedLimitBytes;
        request.lowSpeedTimeSeconds = timeouts.lowSpeedTimeSeconds;
        spdlog::info("timeouts for {}: {}", hostLabel(hostKey), timeouts.why);
    }
    route.engine = index;
    route.reason = d.reason;
    route.scores = scoreDetails(d);
    route.arm = {profile.name, std::max(1, request.split > 0 ? request.split : 1)};
    // Hold the lock across add(): the engine's first state change must find the route.
    std::lock_guard lock(m_mutex);
    Engine& engine = engineAt(index);
    const DownloadId id = engine.add(std::move(request));
    m_gate.reserve(id, hostKey, engine.gateIndex());
    m_affinity.started(hostKey, index);
    m_routes[id] = std::move(route);
    return id;
}

Engine* EnginePool::engineFor(DownloadId id) {
    std::lock_guard lock(m_mutex);
    const auto it = m_routes.find(id);
    return it == m_routes.end() ? nullptr : &engineAt(it->second.engine);
}

void EnginePool::pause(DownloadId id) {
    if (Engine* e = engineFor(id)) {
        e->pause(id);
    }
}
void EnginePool::resume(DownloadId id) {
    if (Engine* e = engineFor(id)) {
        e->resume(id);
    }
}
void EnginePool::remove(DownloadId id, bool deleteFiles) {
    if (Engine* e = engineFor(id)) {
        e->remove(id, deleteFiles);
    }
}
void EnginePool::changeUrl(DownloadId id, const std::string& url) {
    if (Engine* e = engineFor(id)) {
        e->changeUrl(id, url);
    }
}
void EnginePool::requestDetails(DownloadId id) {
    if (Engine* e = engineFor(id)) {
        e->requestDetails(id);
        return;
    }
    DownloadDetails unknown; // not (or no longer) here: answered at once, like the engines do
    unknown.id = id;
    m_listener.onDetails(unknown);
}

void EnginePool::onDetails(const DownloadDetails& details) {
    DownloadDetails d = details;
    {
        std::lock_guard lock(m_mutex);
        if (const auto it = m_routes.find(d.id); it != m_routes.end()) {
            d.engine = m_engines[it->second.engine]->profile().name;
            d.route = it->second.summary;
            d.routeReason = it->second.reason;
            d.scores = it->second.scores;
        }
    }
    m_listener.onDetails(d);
}

void EnginePool::pauseAll() {
    for (auto& e : m_engines) {
        e->pauseAll();
    }
}
void EnginePool::resumeAll() {
    for (auto& e : m_engines) {
        e->resumeAll();
    }
}
void EnginePool::setMaxConcurrentDownloads(int n) {
    {
        std::lock_guard lock(m_mutex);
        m_userMaxDownloads = std::max(1, n);
    }
    applyMaxDownloads();
}

void EnginePool::applyMaxDownloads() {
    int max = 0;
    {
        std::lock_guard lock(m_mutex);
        max = m_throttleDownloads > 0 ? std::min(m_userMaxDownloads, m_throttleDownloads)
                                      : m_userMaxDownloads;
    }
    m_gate.setMax(max);
    requeueOverLimit();
}

void EnginePool::requeueOverLimit() {
    for (const DownloadId id : m_gate.overLimit()) {
        if (Engine* e = engineFor(id)) {
            e->requeue(id);
        }
    }
}

void EnginePool::setGlobalSpeedLimit(std::int64_t bytesPerSecond) {
    const std::int64_t rate = std::max<std::int64_t>(0, bytesPerSecond);
    if (rate == m_limiter.globalRate()) {
        return;
    }
    spdlog::info("speed limit: {}", rate > 0 ? std::to_string(rate) + " B/s" : "none");
    m_limiter.setGlobalRate(rate, SpeedLimiter::Clock::now());
    for (auto& e : m_engines) {
        e->limitsChanged();
    }
}

std::int64_t EnginePool::globalSpeedLimit() const {
    return m_limiter.globalRate();
}

void EnginePool::setDownloadSpeedLimit(DownloadId id, std::int64_t bytesPerSecond) {
    if (Engine* e = engineFor(id)) {
        e->setSpeedLimit(id, std::max<std::int64_t>(0, bytesPerSecond));
    }
}

bool EnginePool::moveUp(DownloadId id) {
    return m_gate.moveUp(id);
}
bool EnginePool::moveDown(DownloadId id) {
    return m_gate.moveDown(id);
}
bool EnginePool::moveToTop(DownloadId id) {
    return m_gate.moveToTop(id);
}
bool EnginePool::moveToBottom(DownloadId id) {
    return m_gate.moveToBottom(id);
}
std::vector<DownloadId> EnginePool::queueOrder() const {
    return m_gate.order();
}

void EnginePool::setMaxDownloadsPerHost(int n) {
    m_gate.setMaxPerHost(n);
}

void EnginePool::setWindowsOpen(bool open) {
    if (open == m_gate.windowsOpen()) {
        return;
    }
    spdlog::info("time windows: {}",
                 open ? "open, downloads may run" : "closed, downloads wait for the next window");
    m_gate.setWindowsOpen(open);
    if (!open) {
        requeueOverLimit();
    }
}

void EnginePool::setThrottle(int maxDownloads, int maxConnections, Bottleneck reason) {
    std::vector<std::pair<Engine*, std::pair<DownloadId, int>>> changes;
    {
        std::lock_guard lock(m_mutex);
        m_throttleDownloads = std::max(0, maxDownloads);
        const int before = m_throttleConnections;
        m_throttleConnections = std::max(0, maxConnections);
        m_throttleReason = reason;
        if (before != m_throttleConnections) {
            for (const auto& [id, route] : m_routes) {
                if (route.busy && route.autoConnections) {
                    const int n = m_throttleConnections > 0
                                      ? std::min(route.connections, m_throttleConnections)
                                      : route.connections;
                    changes.push_back({m_engines[route.engine].get(), {id, n}});
                }
            }
        }
    }
    for (auto& [engine, change] : changes) {
        engine->setConnections(change.first, change.second);
    }
    applyMaxDownloads();
}

EnginePool::Traffic EnginePool::traffic() const {
    return {m_traffic.received.load(std::memory_order_relaxed),
            m_traffic.kept.load(std::memory_order_relaxed)};
}

void EnginePool::annotate(DownloadSnapshot& snapshot) {
    std::lock_guard lock(m_mutex);
    if (m_throttleReason != Bottleneck::None && (snapshot.bottleneck == Bottleneck::Network ||
                                                 snapshot.bottleneck == Bottleneck::ServerCap ||
                                                 snapshot.bottleneck == Bottleneck::SpeedLimit ||
                                                 snapshot.bottleneck == Bottleneck::WaitingSlot)) {
        snapshot.bottleneck = m_throttleReason; // the governor's cut is what holds it back
    }
    if (const auto it = m_routes.find(snapshot.id); it != m_routes.end()) {
        snapshot.route = it->second.summary;
        if (snapshot.state == DownloadState::Removed) {
            m_routes.erase(it);
        }
    }
}

void EnginePool::onStateChanged(const DownloadSnapshot& snapshot) {
    {
        std::lock_guard lock(m_mutex);
        if (const auto it = m_routes.find(snapshot.id); it != m_routes.end()) {
            Route& route = it->second;
            route.busy = isBusy(snapshot.state);
            // In play: waiting for a slot or holding one. Paused, waiting for a person and
            // finished downloads leave their engine's connections to others.
            const bool inPlay = route.busy || snapshot.state == DownloadState::Queued;
            if (inPlay != route.inPlay) {
                route.inPlay = inPlay;
                if (inPlay) {
                    m_affinity.started(route.hostKey, route.engine);
                } else {
                    m_affinity.ended(route.hostKey, route.engine, std::chrono::steady_clock::now());
                }
            }
        }
    }
    DownloadSnapshot s = snapshot;
    annotate(s);
    m_listener.onStateChanged(s);
}

void EnginePool::onProgress(const std::vector<DownloadSnapshot>& batch) {
    std::vector<DownloadSnapshot> out = batch;
    for (auto& s : out) {
        annotate(s);
    }
    m_listener.onProgress(out);
}

void EnginePool::onTuning(const std::vector<TuningSample>& samples) {
    for (const auto& s : samples) {
        tune(s);
    }
}

void EnginePool::onMetadata(const ResponseMetadata& metadata) {
    CachedMetadata entry;
    entry.finalUrl = metadata.finalUrl;
    entry.size = metadata.size;
    entry.acceptRanges = metadata.acceptRanges;
    entry.etag = metadata.etag;
    entry.lastModified = metadata.lastModified;
    entry.contentType = metadata.contentType;
    entry.fileName = metadata.fileName;
    entry.httpVersion = httpVersionFromInt(metadata.httpVersion);
    if (m_cache.observe(metadata.url, entry, MetadataCache::Clock::now()) ==
        ObserveResult::Invalidated) {
        spdlog::info("metadata cache: {} changed on the server (size or validators)",
                     net::redactUrl(metadata.url));
    }
    m_listener.onMetadata(metadata);
}

void EnginePool::onTransferReport(const TransferReport& report) {
    Route route;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_routes.find(report.id);
        if (it == m_routes.end()) {
            return;
        }
        route = it->second;
    }
    const double seconds = std::max(report.activeSeconds, 1e-3);
    // A transfer held back by a speed limit measured the limit, not the server: it still
    // counts (success, latency) but teaches nothing about speed.
    const double throughput =
        report.ok && !report.limited ? static_cast<double>(report.bytes) / seconds : 0.0;
    TransferObservation obs;
    obs.engine = report.engine;
    obs.connections = std::max(1, report.peakConnections);
    obs.bytes = report.limited ? 0 : report.bytes;
    obs.seconds = seconds;
    obs.ttfbSeconds = report.ttfbSeconds;
    obs.ok = report.ok;
    obs.httpStatus = static_cast<int>(report.lastHttpStatus);
    obs.httpVersion = httpVersionFromInt(report.httpVersion);
    obs.atUnixMs = unixMs();
    m_hosts.record(route.hostKey, obs);
    const auto now = MetadataCache::Clock::now();
    if (!report.limited) {
        m_learner.record(route.hostKey, route.arm, throughput, now);
    }
    if (route.autoConnections && (report.throttled || report.resets > 0) && route.pushbacks == 0) {
        // The server pushed back and no snapshot showed it (the download was over before the
        // next one): the tuner halves and remembers the cap for the next ones.
        const auto at = std::chrono::steady_clock::now();
        if (route.userMax > 0) {
            m_tuner.noteUserPushback(route.hostKey, obs.connections, at);
        } else {
            TunerSample sample;
            sample.event = report.throttled ? TunerEvent::Throttled : TunerEvent::Reset;
            sample.measurable = false;
            m_tuner.update(route.hostKey, sample, at);
        }
    }
    if (route.autoConnections) {
        m_hosts.setLearnedCap(route.hostKey, m_tuner.learnedCap(route.hostKey));
    }
    spdlog::info("engine pool: {} via {} x{}: {:.1f} MiB/s{}", hostLabel(route.hostKey),
                 report.engine, obs.connections, throughput / (1 << 20),
                 report.ok ? "" : " (failed)");
    m_listener.onTransferReport(report);
}

} // namespace maria2
