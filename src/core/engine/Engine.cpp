#include "core/engine/Engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
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
           a.nextRetryInMs / 1000 != b.nextRetryInMs / 1000 || a.fileName != b.fileName;
}

} // namespace

Engine::Engine(const Config& config, EngineListener& listener, DigestFactory digests,
               EngineProfile profile, EngineLinks links)
    : m_config(config)
    , m_profile(std::move(profile))
    , m_listener(listener)
    , m_digests(std::move(digests))
    , m_ids(links.ids != nullptr ? links.ids : &m_ownIds)
    , m_ownSlots(links.slotGate != nullptr
                     ? nullptr
                     : std::make_unique<SlotGate>(config.performance.maxConcurrentDownloads))
    , m_slots(links.slotGate != nullptr ? links.slotGate : m_ownSlots.get())
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
    m_slots->addWaker([multi = m_multi] { curl_multi_wakeup(multi); });
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
    for (auto& t : m_verifiers) {
        t.join();
    }
    m_verifiers.clear();
}

void Engine::post(Command command) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopRequested) {
            return;
        }
        m_commands.push_back(std::move(command));
    }
    curl_multi_wakeup(m_multi); // thread-safe: cuts the poll short so the command runs now
}

DownloadId Engine::add(DownloadRequest request) {
    const DownloadId id = m_ids->fetch_add(1);
    post({Command::Kind::Add, id, std::move(request)});
    return id;
}

void Engine::pause(DownloadId id) {
    post({Command::Kind::Pause, id});
}
void Engine::resume(DownloadId id) {
    post({Command::Kind::Resume, id});
}
void Engine::remove(DownloadId id, bool deleteFiles) {
    post({Command::Kind::Remove, id, {}, deleteFiles});
}
void Engine::pauseAll() {
    post({Command::Kind::PauseAll});
}
void Engine::resumeAll() {
    post({Command::Kind::ResumeAll});
}
void Engine::setMaxConcurrentDownloads(int n) {
    post({Command::Kind::SetMaxConcurrent, 0, {}, false, n});
}
void Engine::setConnections(DownloadId id, int n) {
    post({Command::Kind::SetConnections, id, {}, false, n});
}
void Engine::changeUrl(DownloadId id, const std::string& url) {
    post({Command::Kind::ChangeUrl, id, {}, false, 0, url});
}

void Engine::run() {
    spdlog::debug("engine thread started ({})", curl_version());
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
        for (auto& [id, job] : m_jobs) {
            if (isBusy(job->state())) {
                job->tick(now);
            }
        }
        releaseSlots(); // before the poll: a freed slot means "start the next one now"
        m_load = static_cast<int>(std::count_if(m_jobs.begin(), m_jobs.end(), [](const auto& e) {
            return isBusy(e.second->state()) || e.second->state() == DownloadState::Queued;
        }));
        if (now >= m_nextPublish) {
            publishProgress(now);
            m_nextPublish = now + m_progressInterval;
        }
        curl_multi_poll(m_multi, nullptr, 0, static_cast<int>(pollTimeoutMs(now)), nullptr);
    }
    interruptAll();
    releaseSlots();
    spdlog::debug("engine thread stopped");
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

void Engine::apply(Command& c) {
    using Kind = Command::Kind;
    if (c.kind == Kind::Add) {
        const bool paused = c.request.startPaused;
        JobHost& host = *this; // private base: convert here, where it is accessible
        auto job = std::make_unique<Job>(c.id, std::move(c.request), m_config, host);
        Job& ref = *job;
        m_jobs.emplace(c.id, std::move(job));
        if (paused) {
            ref.setState(DownloadState::Paused);
        }
        return;
    }
    if (c.kind == Kind::SetMaxConcurrent) {
        m_slots->setMax(c.value);
        return;
    }
    if (c.kind == Kind::Verified) {
        if (auto it = m_jobs.find(c.id); it != m_jobs.end()) {
            it->second->verified(c.verdict);
        }
        return;
    }
    if (c.kind == Kind::PauseAll || c.kind == Kind::ResumeAll) {
        for (auto& [id, job] : m_jobs) {
            Command each{c.kind == Kind::PauseAll ? Kind::Pause : Kind::Resume, id};
            apply(each);
        }
        return;
    }
    const auto it = m_jobs.find(c.id);
    if (it == m_jobs.end()) {
        return;
    }
    Job& job = *it->second;
    switch (c.kind) {
    case Kind::Pause:
        if (!isFinal(job.state()) && job.state() != DownloadState::Paused) {
            job.interrupt();
            job.setState(DownloadState::Paused);
        }
        break;
    case Kind::Resume:
        // Failed and attention states may be resumed too: a person's "try again".
        if (job.state() == DownloadState::Paused || job.state() == DownloadState::Failed ||
            needsAttention(job.state())) {
            job.setState(DownloadState::Queued);
        }
        break;
    case Kind::ChangeUrl:
        job.changeUrl(c.text);
        break;
    case Kind::SetConnections:
        job.setConnectionLimit(c.value);
        break;
    case Kind::Remove:
        job.interrupt();
        if (c.flag) {
            job.deleteFiles();
        }
        job.releaseName();
        job.setState(DownloadState::Removed);
        m_lastPublished.erase(c.id);
        m_jobs.erase(it);
        break;
    default:
        break;
    }
}

void Engine::releaseSlots() {
    for (auto it = m_holdingSlot.begin(); it != m_holdingSlot.end();) {
        const auto job = m_jobs.find(*it);
        if (job == m_jobs.end() || !isBusy(job->second->state())) {
            m_slots->release();
            it = m_holdingSlot.erase(it);
        } else {
            ++it;
        }
    }
}

void Engine::startWaiting() {
    releaseSlots();
    for (auto& [id, job] : m_jobs) {
        if (job->state() != DownloadState::Queued) {
            continue;
        }
        if (!m_slots->tryAcquire()) {
            break;
        }
        m_holdingSlot.insert(id);
        job->start();
    }
    releaseSlots(); // a start that failed at once gives its slot back now
}

void Engine::drainFinished() {
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
    for (auto& [id, job] : m_jobs) {
        if (!isBusy(job->state())) {
            continue;
        }
        job->sampleSpeed(now);
        DownloadSnapshot snap = job->snapshot(now);
        auto& last = m_lastPublished[id];
        if (last.id == 0 || differs(last, snap)) {
            last = snap;
            batch.push_back(std::move(snap));
        }
    }
    if (!batch.empty()) {
        m_listener.onProgress(batch);
    }
}

long Engine::pollTimeoutMs(Job::Clock::time_point now) const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    long timeout = 1000;
    bool moving = false;
    for (const auto& [id, job] : m_jobs) {
        const DownloadState s = job->state();
        if (s == DownloadState::Retrying) {
            moving = true;
            timeout = std::min<long>(
                timeout,
                std::max<long>(0, duration_cast<milliseconds>(job->nextRetryAt() - now).count()));
        } else if (isBusy(s)) {
            moving = true;
            // jobs tick: connections, stalls, flushes, the end of the first connection's probe
            timeout = std::min<long>(
                timeout,
                std::max<long>(0, duration_cast<milliseconds>(job->nextTickAt() - now).count()));
        } else if (s == DownloadState::Queued && m_slots->busy() < m_slots->max()) {
            return 0;
        }
    }
    if (moving) {
        timeout = std::min<long>(
            timeout, std::max<long>(0, duration_cast<milliseconds>(m_nextPublish - now).count()));
    }
    return timeout;
}

void Engine::interruptAll() {
    for (auto& [id, job] : m_jobs) {
        const DownloadState s = job->state();
        if (isBusy(s) || s == DownloadState::Queued) {
            job->interrupt();
            job->setState(DownloadState::Paused);
        }
    }
}

bool Engine::isPathReserved(const std::filesystem::path& path) const {
    return m_reserved.count(path.lexically_normal()) > 0;
}

void Engine::reservePath(const std::filesystem::path& path, DownloadId id) {
    m_reserved[path.lexically_normal()] = id;
}

void Engine::releasePath(const std::filesystem::path& path) {
    m_reserved.erase(path.lexically_normal());
}

bool Engine::attach(CURL* easy) {
    return curl_multi_add_handle(m_multi, easy) == CURLM_OK;
}

void Engine::detach(CURL* easy) {
    curl_multi_remove_handle(m_multi, easy);
}

void Engine::verifyAsync(Job& job, VerifyTask task) {
    const DownloadId id = job.id();
    // Reading a large file (or fetching a published checksum) takes seconds: never on the
    // engine thread, which keeps serving the other downloads meanwhile.
    m_verifiers.emplace_back([this, id, task = std::move(task)]() mutable {
        Command done{Command::Kind::Verified, id};
        done.verdict = runVerification(std::move(task), m_digests);
        {
            std::lock_guard lock(m_mutex);
            m_commands.push_back(std::move(done)); // even while stopping: no one waits on it
        }
        curl_multi_wakeup(m_multi);
    });
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

void Engine::jobStateChanged(Job& job) {
    const DownloadSnapshot snap = job.snapshot(Job::Clock::now());
    m_lastPublished[job.id()] = snap;
    m_listener.onStateChanged(snap);
}

} // namespace maria2
