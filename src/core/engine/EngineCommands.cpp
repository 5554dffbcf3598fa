// Engine's commands: what each one posted by a front end (or by the I/O worker) does, on the
// engine thread. The loop, the queue and the JobHost side are in Engine.cpp.
#include "core/engine/Engine.h"

#include "core/hosts/HostProfile.h"

#include <spdlog/spdlog.h>

#include <cassert>

namespace maria2 {

void Engine::apply(Command& command) {
    assert(onEngineThread());
    std::visit([this](auto& c) { handle(c); }, command);
}

Job* Engine::findJob(DownloadId id) {
    const auto it = m_jobs.find(id);
    return it != m_jobs.end() ? it->second.get() : nullptr;
}

void Engine::handle(Add& c) {
    const bool paused = c.request.startPaused;
    const std::string host = hostKeyFromUrl(c.request.url).value_or(std::string());
    if (c.request.maxSpeed > 0) {
        m_limiter->setDownloadRate(c.id, c.request.maxSpeed, Job::Clock::now());
    }
    JobHost& jobHost = *this; // private base: convert here, where it is accessible
    auto job = std::make_unique<Job>(c.id, std::move(c.request), m_config, jobHost);
    Job& ref = *job;
    m_jobs.emplace(c.id, std::move(job));
    trackState(c.id, ref.state()); // born Queued, without a state change
    if (paused) {
        m_gate->addPaused(c.id, host, m_gateIndex);
        ref.setState(DownloadState::Paused);
    } else {
        m_gate->enqueue(c.id, host, m_gateIndex, false);
    }
}

void Engine::handle(const SetMaxConcurrent& c) {
    m_gate->setMax(c.n);
}

void Engine::handle(const LimitsChanged& /*c*/) {
    const auto now = Job::Clock::now();
    for (auto& [id, job] : m_jobs) {
        job->wakeLimited(now);
    }
}

void Engine::handle(const Verified& c) {
    if (Job* job = findJob(c.id)) {
        job->verified(c.outcome);
    }
}

void Engine::handle(const OnJob& c) {
    if (Job* job = findJob(c.id)) {
        c.run(*job);
    }
}

void Engine::handle(const Details& c) {
    // Asked for, not pushed: the selected download's, ~2/s.
    const Job* job = findJob(c.id);
    DownloadDetails details = job != nullptr ? job->details() : DownloadDetails{};
    details.id = c.id;
    m_listener.onDetails(details);
}

void Engine::handle(const PauseAll& /*c*/) {
    for (auto& [id, job] : m_jobs) {
        handle(Pause{id});
    }
}

void Engine::handle(const ResumeAll& /*c*/) {
    for (auto& [id, job] : m_jobs) {
        handle(Resume{id});
    }
}

void Engine::handle(const Pause& c) {
    Job* job = findJob(c.id);
    if (job == nullptr || isFinal(job->state()) || job->state() == DownloadState::Paused) {
        return;
    }
    job->interrupt();
    if (isFinal(job->state())) {
        return; // its end was on disk already: it completed (releaseSlots() frees its slot)
    }
    job->setState(DownloadState::Paused);
    m_retryAt.erase(c.id);
    if (m_holdingSlot.erase(c.id) > 0) {
        m_gate->stopped(c.id, QueueGate::Stop::Paused, Job::Clock::now());
    } else {
        m_gate->pause(c.id);
    }
}

void Engine::handle(const Resume& c) {
    Job* job = findJob(c.id);
    if (job == nullptr) {
        return;
    }
    // Failed and attention states may be resumed too: a person's "try again".
    const DownloadState state = job->state();
    if (state == DownloadState::Paused || state == DownloadState::Failed || needsAttention(state) ||
        (state == DownloadState::Queued && m_retryAt.count(c.id) > 0)) {
        m_retryAt.erase(c.id);
        m_gate->enqueue(c.id, hostKeyFromUrl(job->request().url).value_or(std::string()),
                        m_gateIndex, true);
        job->setState(DownloadState::Queued);
    }
}

void Engine::handle(const Requeue& c) {
    Job* job = findJob(c.id);
    if (job == nullptr) {
        return;
    }
    if (m_holdingSlot.erase(c.id) > 0) {
        m_gate->stopped(c.id, QueueGate::Stop::Requeued, Job::Clock::now());
    }
    if (isBusy(job->state())) {
        spdlog::info("[#{}] put back in the queue (over the limits, or outside the time "
                     "windows)",
                     c.id);
        job->interrupt();
        if (!isFinal(job->state())) {
            job->setState(DownloadState::Queued);
        }
    }
}

void Engine::handle(const ChangeUrl& c) {
    if (Job* job = findJob(c.id)) {
        job->changeUrl(c.url);
    }
}

void Engine::handle(const SetConnections& c) {
    if (Job* job = findJob(c.id)) {
        job->setConnectionLimit(c.n);
    }
}

void Engine::handle(const SetSpeedLimit& c) {
    if (Job* job = findJob(c.id)) {
        job->setSpeedLimit(c.bytesPerSecond);
        m_limiter->setDownloadRate(c.id, c.bytesPerSecond, Job::Clock::now());
        job->wakeLimited(Job::Clock::now());
    }
}

void Engine::handle(const Remove& c) {
    Job* job = findJob(c.id);
    if (job == nullptr) {
        return;
    }
    job->interrupt();
    if (c.deleteFiles) {
        job->deleteFiles();
    }
    job->releaseName();
    job->setState(DownloadState::Removed);
    m_lastPublished.erase(c.id);
    m_holdingSlot.erase(c.id);
    m_retryAt.erase(c.id);
    m_gate->forget(c.id);
    m_limiter->remove(c.id);
    m_jobs.erase(c.id);
}

} // namespace maria2
