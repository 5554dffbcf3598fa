#include "core/routing/HostAffinity.h"

#include <algorithm>

namespace maria2 {

void HostAffinity::started(const std::string& host, std::size_t engine) {
    if (engine >= m_engines) {
        return;
    }
    Host& h = m_hosts[host];
    h.engines.resize(m_engines);
    ++h.engines[engine].inPlay;
    ++h.inPlay;
}

void HostAffinity::ended(const std::string& host, std::size_t engine, Clock::time_point now) {
    const auto it = m_hosts.find(host);
    if (it == m_hosts.end() || engine >= it->second.engines.size()) {
        return;
    }
    Slot& s = it->second.engines[engine];
    if (s.inPlay > 0) {
        --s.inPlay;
        --it->second.inPlay;
    }
    s.lastEnded = now;
}

const HostAffinity::Slot* HostAffinity::slot(const std::string& host, std::size_t engine) const {
    const auto it = m_hosts.find(host);
    if (it == m_hosts.end() || engine >= it->second.engines.size()) {
        return nullptr;
    }
    return &it->second.engines[engine];
}

int HostAffinity::inPlay(const std::string& host, std::size_t engine) const {
    const Slot* s = slot(host, engine);
    return s != nullptr ? s->inPlay : 0;
}

int HostAffinity::inPlay(const std::string& host) const {
    const auto it = m_hosts.find(host);
    return it == m_hosts.end() ? 0 : it->second.inPlay;
}

bool HostAffinity::warm(const std::string& host, std::size_t engine, Clock::time_point now) const {
    const Slot* s = slot(host, engine);
    if (s == nullptr) {
        return false;
    }
    return s->inPlay > 0 || (s->lastEnded != Clock::time_point{} && now - s->lastEnded < kWarmFor);
}

} // namespace maria2
