#include "core/engine/Engine.h"

#include "core/hosts/HostProfile.h"
#include "core/log/DownloadLogBook.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <cmath>

namespace maria2 {
namespace {

void globalInitOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Must run before any other thread uses libcurl; never undone (other engines may live).
        curl_global_init(CURL_GLOBAL_DEFAULT);
    });
}

// Figures a person would notice changing; anything else is not worth a repaint.
bool differs(const DownloadSnapshot& a, const DownloadSnapshot& b) {
    return a.state != b.state || a.doneBytes != b.doneBytes || a.totalBytes != b.totalBytes ||
           std::lround(a.speedBytesPerSec / 1024) != std::lround(b.speedBytesPerSec / 1024) ||
           a.nextRetryInMs / 1000 != b.nextRetryInMs / 1000 || a.fileName != b.fileName ||
           a.bottleneck != b.bottleneck;
}

} // namespace

SchedulerSettings schedulerSettingsFor(const Config& config) {
    SchedulerSettings s;
    s.maxConcurrentDownloads = config.performance.maxConcurrentDownloads;
    s.maxPerHost = config.queue.maxDownloadsPerHost;
    s.maxRetries = config.queue.retries;
    s.retryInitialDelay = std::chrono::seconds(config.queue.retryDelaySeconds);
    s.retryMaxDelay = std::chrono::seconds(
        std::max(config.queue.retryDelaySeconds, config.queue.retryMaxDelaySeconds));
    s.stopOutsideWindows = config.queue.stopOutsideWindows;
    return s;
}

Engine::Engine(const Config& config, EngineListener& listener, DigestFactory digests,
               EngineProfile profile, EngineLinks links)
    : m_config(config)
    , m_profile(std::move(profile))
    , m_listener(listener)
    , m_digests(std::move(digests))
    , m_ids(links.ids != nullptr ? links.ids : &m_ownIds)
    , m_names(links.names != nullptr ? links.names : &m_ownNames)
    , m_ownGate(links.gate != nullptr ? nullptr
                                      : std::make_unique<QueueGate>(schedulerSettingsFor(config)))
    , m_gate(links.gate != nullptr ? links.gate : m_ownGate.get())
    , m_ownLimiter(links.limiter != nullptr
                       ? nullptr
                       : std::make_unique<SpeedLimiter>(config.performance.downloadSpeedLimit,
                                                        SpeedLimiter::Clock::now()))
    , m_limiter(links.limiter != nullptr ? links.limiter : m_ownLimiter.get())
    , m_ownTraffic(links.traffic != nullptr ? nullptr : std::make_unique<TrafficCounters>())
    , m_traffic(links.traffic != nullptr ? links.traffic : m_ownTraffic.get())
    , m_progressInterval(config.ui.progressIntervalMs) {
    globalInitOnce();
    m_multi = curl_multi_init();
    // Reuse connections across the downloads of one host; keep the pool modest.
    curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, m_profile.maxConnectionCache);
    curl_multi_setopt(m_multi, CURLMOPT_PIPELINING,
                      m_profile.multiplex ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
    if (m_profile.maxHostConnections > 0) {
        // One server never sees more than this from this engine, across all its downloads.
        curl_multi_setopt(m_multi, CURLMOPT_MAX_HOST_CONNECTIONS, m_profile.maxHostConnections);
    }
    // A slot freed by another engine of the pool may let a download queued here start.
    m_gateIndex = m_gate->addEngine([this] { wake(); });
}

Engine::~Engine() {
    stop();
    for (auto& [id, job] : m_jobs) {
        job->interrupt();
    }
    m_jobs.clear();
    curl_multi_cleanup(m_multi);
}

void Engine::start() {
    if (!m_thread.joinable()) {
        m_thread = std::thread([this] { run(); });
    }
}

void Engine::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopRequested = true;
    }
    curl_multi_wakeup(m_multi);
    if (m_thread.joinable()) {
        m_thread.join();
    }
    // After the engine thread: every Job has settled its own tasks by now; a checksum nobody
    // waits for any more is dropped.
    m_io.stop();
}

void Engine::post(Command command) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopRequested) {
            return;
        }
        m_commands.push_back(std::move(command));
    }
    wake();
}

void Engine::wake() {
    if (m_engineThread.isOwner()) {
        m_wakeSelf = true; // the loop is running: it only has to skip its next wait
        return;
    }
    // A burst of adds or of other engines' queue changes costs one syscall and one extra turn
    // of the loop, not one each. Cleared right after the poll returns, before the commands and
    // the queue are looked at: anything posted after that sends a byte again.
    if (!m_wakePending.exchange(true, std::memory_order_acq_rel)) {
        curl_multi_wakeup(m_multi); // thread-safe
    }
}

DownloadId Engine::add(DownloadRequest request) {
    const DownloadId id = m_ids->fetch_add(1);
    // Before any line of it is logged: lines of an earlier pool's download with this id go.
    log::DownloadLogBook::shared()->forget(id);
    // On the caller's thread, before add() returns: a download restored from the database
    // holds its name before any download added after it can look for one.
    if (const auto known = Job::knownNamePath(request, m_config.download); !known.empty()) {
        m_names->claim(known, id);
    }
    post(Add{id, std::move(request)});
    return id;
}

void Engine::pause(DownloadId id) {
    post(Pause{id});
}
void Engine::resume(DownloadId id) {
    post(Resume{id});
}
void Engine::remove(DownloadId id, bool deleteFiles) {
    post(Remove{id, deleteFiles});
}
void Engine::pauseAll() {
    post(PauseAll{});
}
void Engine::resumeAll() {
    post(ResumeAll{});
}
void Engine::setMaxConcurrentDownloads(int n) {
    post(SetMaxConcurrent{n});
}
void Engine::setConnections(DownloadId id, int n) {
    post(SetConnections{id, n});
}
void Engine::setSpeedLimit(DownloadId id, std::int64_t bytesPerSecond) {
    post(SetSpeedLimit{id, bytesPerSecond});
}
void Engine::limitsChanged() {
    post(LimitsChanged{});
}
void Engine::requeue(DownloadId id) {
    post(Requeue{id});
}
void Engine::changeUrl(DownloadId id, const std::string& url) {
    post(ChangeUrl{id, url});
}
void Engine::requestDetails(DownloadId id) {
    post(Details{id});
}

void Engine::run() {
    m_engineThread.claim();
    // curl_version_info, not curl_version(): the latter initialises OpenLDAP (and with it every
    // SASL plug-in on disk), milliseconds that a run without ldap:// URLs never needs.
    spdlog::debug("engine thread started (libcurl {})",
                  curl_version_info(CURLVERSION_NOW)->version);
    for (;;) {
        drainCommands();
        {
            std::lock_guard lock(m_mutex);
            if (m_stopRequested) {
                break;
            }
        }
        startWaiting();
        int running = 0;
        curl_multi_perform(m_multi, &running);
        drainFinished();
        const auto now = Job::Clock::now();
        // A copy: a tick may change states (and so m_busy).
        m_ticking.assign(m_busy.begin(), m_busy.end());
        for (const DownloadId id : m_ticking) {
            const auto it = m_jobs.find(id);
            if (it != m_jobs.end() && isBusy(it->second->state())) {
                it->second->tick(now);
            }
        }
        releaseSlots(); // before the poll: a freed slot means "start the next one now"
        m_load = static_cast<int>(m_busy.size()) + m_queued;
        if (now >= m_nextTuning) {
            publishTuning(now);
            m_nextTuning = now + TuningSample::kInterval;
        }
        if (now >= m_nextPublish) {
            publishProgress(now);
            m_nextPublish = now + m_progressInterval;
        }
        m_listener.onTurnEnd(); // first: whatever it sets off is seen by the wait below
        const int timeout = m_wakeSelf ? 0 : static_cast<int>(pollTimeoutMs(now));
        m_wakeSelf = false;
        curl_multi_poll(m_multi, nullptr, 0, timeout, nullptr);
        m_wakePending.store(false, std::memory_order_seq_cst);
    }
    interruptAll();
    releaseSlots();
    m_listener.onTurnEnd();
    spdlog::debug("engine thread stopped");
    m_engineThread.release();
}

void Engine::drainCommands() {
    std::vector<Command> commands;
    {
        std::lock_guard lock(m_mutex);
        commands.swap(m_commands);
    }
    for (auto& command : commands) {
        apply(command);
    }
}

void Engine::releaseSlots() {
    const auto now = Job::Clock::now();
    for (auto it = m_holdingSlot.begin(); it != m_holdingSlot.end();) {
        const DownloadId id = *it;
        const auto found = m_jobs.find(id);
        if (found != m_jobs.end() && isBusy(found->second->state())) {
            ++it;
            continue;
        }
        it = m_holdingSlot.erase(it);
        if (found == m_jobs.end()) {
            m_gate->forget(id);
            continue;
        }
        Job& job = *found->second;
        const DownloadState state = job.state();
        QueueGate::Stop how = QueueGate::Stop::Paused;
        if (state == DownloadState::Completed) {
            how = QueueGate::Stop::Finished;
            m_limiter->remove(id);
        } else if (state == DownloadState::Failed) {
            // Transient failures were offered a queue retry in jobStateChanged already.
            how = QueueGate::Stop::FailedHard;
        } else if (state == DownloadState::Queued) {
            how = QueueGate::Stop::Requeued;
        }
        m_gate->stopped(id, how, now);
    }
}

bool Engine::queueRetry(Job& job) {
    const DownloadId id = job.id();
    if (!isTransient(job.error()) || m_holdingSlot.count(id) == 0) {
        return false;
    }
    const auto now = Job::Clock::now();
    const FailureOutcome outcome = m_gate->stopped(id, QueueGate::Stop::Failed, now);
    m_holdingSlot.erase(id);
    if (!outcome.willRetry) {
        return false;
    }
    // Tried Retry.MaxTries times already; the whole download is tried again later
    // (Queue.Retries), its bytes kept. It is announced as Queued with its error and retry time,
    // never as Failed first: front ends must not take it for finished.
    spdlog::info("[#{}] queue retry {} in {} s", id, outcome.failures,
                 std::chrono::duration_cast<std::chrono::seconds>(outcome.retryAt - now).count());
    m_retryAt[id] = outcome.retryAt;
    job.setState(DownloadState::Queued);
    return true;
}

void Engine::startWaiting() {
    assert(onEngineThread());
    releaseSlots();
    const auto now = Job::Clock::now();
    bool retryDue = false;
    for (const auto& [id, at] : m_retryAt) {
        retryDue = retryDue || at <= now;
    }
    const std::uint64_t generation = m_gate->generation();
    if (generation == m_claimedGeneration && !retryDue) {
        return; // nothing changed that could let a download start
    }
    m_claimedGeneration = generation;
    for (const DownloadId id : m_gate->claim(m_gateIndex, now)) {
        const auto it = m_jobs.find(id);
        if (it == m_jobs.end() || it->second->state() != DownloadState::Queued) {
            // Paused or removed since it was queued: give the slot back.
            m_gate->stopped(id, QueueGate::Stop::Paused, now);
            continue;
        }
        m_retryAt.erase(id);
        m_holdingSlot.insert(id);
        it->second->start();
    }
    releaseSlots(); // a start that failed at once gives its slot back now
}

void Engine::drainFinished() {
    assert(onEngineThread());
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(m_multi, &left)) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        Connection* connection = nullptr;
        CURL* easy = msg->easy_handle;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &connection);
        const CURLcode result = msg->data.result;
        if (connection != nullptr) {
            connection->job->connectionDone(easy, result); // it detaches the handle
        } else {
            curl_multi_remove_handle(m_multi, easy);
        }
    }
}

void Engine::publishProgress(Job::Clock::time_point now) {
    std::vector<DownloadSnapshot> batch;
    for (const DownloadId id : m_busy) {
        Job* job = m_jobs.at(id).get();
        job->sampleSpeed(now);
        DownloadSnapshot snap = job->snapshot(now);
        annotate(snap, now);
        auto& last = m_lastPublished[id];
        if (last.id == 0 || differs(last, snap)) {
            last = snap;
            batch.push_back(std::move(snap));
        }
    }
    // Queued ones when the queue moved (or a retry counts down): what each waits for (a slot,
    // its host, a window, a retry) may have changed; only a change is sent. One pass over the
    // queue, so a list of thousands costs little, and only when something moved.
    const std::uint64_t generation = m_gate->generation();
    if (generation != m_queuePublishedGeneration || !m_retryAt.empty()) {
        m_queuePublishedGeneration = generation;
        const auto reasons = m_gate->waitReasons(now);
        for (auto& [id, job] : m_jobs) {
            if (job->state() != DownloadState::Queued) {
                continue;
            }
            const auto reason = reasons.find(id);
            auto& last = m_lastPublished[id];
            DownloadSnapshot snap =
                last.id == id && last.state == DownloadState::Queued ? last : job->snapshot(now);
            annotate(snap, now, reason == reasons.end() ? QueueWait::None : reason->second);
            if (last.id == 0 || differs(last, snap)) {
                last = snap;
                batch.push_back(std::move(snap));
            }
        }
    }
    if (!batch.empty()) {
        m_listener.onProgress(batch);
    }
}

void Engine::publishTuning(Job::Clock::time_point now) {
    m_tuning.clear();
    for (const DownloadId id : m_busy) {
        Job* job = m_jobs.at(id).get();
        if (isActive(job->state())) {
            m_tuning.push_back(job->tuningSample(now));
        }
    }
    if (!m_tuning.empty()) {
        m_listener.onTuning(m_tuning);
    }
}

void Engine::annotate(DownloadSnapshot& s, Job::Clock::time_point now) const {
    if (s.state == DownloadState::Queued) {
        annotate(s, now, m_gate->waitReason(s.id, now));
    }
}

void Engine::annotate(DownloadSnapshot& s, Job::Clock::time_point now, QueueWait wait) const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    if (s.state != DownloadState::Queued) {
        return;
    }
    if (const auto retry = m_retryAt.find(s.id); retry != m_retryAt.end()) {
        s.nextRetryInMs =
            std::max<std::int64_t>(0, duration_cast<milliseconds>(retry->second - now).count());
    }
    s.bottleneck = Bottleneck::None;
    switch (wait) {
    case QueueWait::Retry:
        s.bottleneck = Bottleneck::WaitingRetry;
        break;
    case QueueWait::Window:
        s.bottleneck = Bottleneck::WaitingWindow;
        break;
    case QueueWait::Host:
        s.bottleneck = Bottleneck::WaitingHost;
        break;
    case QueueWait::Slot:
        s.bottleneck = Bottleneck::WaitingSlot;
        break;
    case QueueWait::None:
        break;
    }
}

long Engine::pollTimeoutMs(Job::Clock::time_point now) const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    long timeout = 1000;
    bool moving = false;
    for (const DownloadId id : m_busy) {
        const Job* job = m_jobs.at(id).get();
        const DownloadState s = job->state();
        if (s == DownloadState::Retrying) {
            moving = true;
            timeout = std::min<long>(
                timeout,
                std::max<long>(0, duration_cast<milliseconds>(job->nextRetryAt() - now).count()));
        } else if (isBusy(s)) {
            moving = true;
            // jobs tick: connections, stalls, flushes, the end of the first connection's probe,
            // transfers paused for tokens
            timeout = std::min<long>(
                timeout,
                // Rounded up: a wait of 0.4 ms must not become a 0 ms poll (a busy loop).
                std::max<long>(0,
                               std::chrono::ceil<milliseconds>(job->nextTickAt() - now).count()));
        }
    }
    for (const auto& [id, at] : m_retryAt) {
        timeout = std::min<long>(timeout,
                                 std::max<long>(0, duration_cast<milliseconds>(at - now).count()));
    }
    if (m_gate->generation() != m_claimedGeneration) {
        return 0; // the queue moved since the last claim
    }
    if (moving) {
        timeout = std::min<long>(
            timeout, std::max<long>(0, duration_cast<milliseconds>(m_nextPublish - now).count()));
        timeout = std::min<long>(
            timeout,
            std::max<long>(0, std::chrono::ceil<milliseconds>(m_nextTuning - now).count()));
    }
    return timeout;
}

void Engine::interruptAll() {
    for (auto& [id, job] : m_jobs) {
        const DownloadState s = job->state();
        if (isBusy(s) || s == DownloadState::Queued) {
            job->interrupt();
            if (!isFinal(job->state())) { // (its end may have been on disk: then it completed)
                job->setState(DownloadState::Paused);
            }
        }
    }
}

bool Engine::attach(CURL* easy) {
    return curl_multi_add_handle(m_multi, easy) == CURLM_OK;
}

void Engine::detach(CURL* easy) {
    curl_multi_remove_handle(m_multi, easy);
}

void Engine::verifyAsync(Job& job, VerifyTask task) {
    // Reading a large file (or fetching a published checksum) takes seconds: never on the
    // engine thread, which keeps serving the other downloads meanwhile. Optional: at shutdown
    // one that has not started is dropped (the download stays Paused with its bytes).
    m_io.post(
        [this, id = job.id(), task = std::make_shared<VerifyTask>(std::move(task))] {
            Verified done{id, runVerification(std::move(*task), m_digests)};
            {
                std::lock_guard lock(m_mutex);
                m_commands.emplace_back(std::move(done)); // even while stopping: no one waits
            }
            wake();
        },
        true);
}

void Engine::runOnEngine(DownloadId id, std::function<void(Job&)> fn) {
    {
        std::lock_guard lock(m_mutex);
        // Even while stopping: the Job settles its task itself then (Job::interrupt).
        m_commands.emplace_back(OnJob{id, std::move(fn)});
    }
    wake();
}

void Engine::metadataSeen(const ResponseMetadata& metadata) {
    m_listener.onMetadata(metadata);
}

void Engine::transferEnded(TransferReport report) {
    report.engine = m_profile.name;
    m_listener.onTransferReport(report);
}

std::unique_ptr<Digest> Engine::makeDigest(const std::string& algorithm) {
    return m_digests ? m_digests(algorithm) : nullptr;
}

void Engine::trackState(DownloadId id, DownloadState state) {
    auto [it, added] = m_trackedState.try_emplace(id, state);
    if (!added) {
        if (it->second == state) {
            return;
        }
        m_queued -= it->second == DownloadState::Queued ? 1 : 0;
        it->second = state;
    }
    m_queued += state == DownloadState::Queued ? 1 : 0;
    if (isBusy(state)) {
        m_busy.insert(id);
    } else {
        m_busy.erase(id);
    }
    if (state == DownloadState::Removed) {
        m_trackedState.erase(it);
    }
}

void Engine::jobStateChanged(Job& job) {
    assert(onEngineThread());
    trackState(job.id(), job.state());
    if (job.state() == DownloadState::Failed && queueRetry(job)) {
        return; // announced as Queued instead (a nested state change)
    }
    const auto now = Job::Clock::now();
    DownloadSnapshot snap = job.snapshot(now);
    annotate(snap, now);
    m_lastPublished[job.id()] = snap;
    m_listener.onStateChanged(snap);
}

void Engine::countTraffic(std::uint64_t received, std::uint64_t kept) {
    m_traffic->received.fetch_add(received, std::memory_order_relaxed);
    m_traffic->kept.fetch_add(kept, std::memory_order_relaxed);
}

} // namespace maria2
