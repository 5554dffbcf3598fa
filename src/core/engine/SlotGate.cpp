#include "core/engine/SlotGate.h"

namespace maria2 {

bool SlotGate::tryAcquire() {
    std::lock_guard lock(m_mutex);
    if (m_busy >= m_max) {
        return false;
    }
    ++m_busy;
    return true;
}

void SlotGate::release() {
    {
        std::lock_guard lock(m_mutex);
        if (m_busy > 0) {
            --m_busy;
        }
    }
    wakeAll();
}

void SlotGate::setMax(int max) {
    {
        std::lock_guard lock(m_mutex);
        m_max = max < 1 ? 1 : max;
    }
    wakeAll();
}

int SlotGate::max() const {
    std::lock_guard lock(m_mutex);
    return m_max;
}

int SlotGate::busy() const {
    std::lock_guard lock(m_mutex);
    return m_busy;
}

void SlotGate::addWaker(std::function<void()> wake) {
    std::lock_guard lock(m_mutex);
    m_wakers.push_back(std::move(wake));
}

void SlotGate::wakeAll() {
    std::vector<std::function<void()>> wakers;
    {
        std::lock_guard lock(m_mutex);
        wakers = m_wakers;
    }
    for (auto& wake : wakers) {
        wake();
    }
}

} // namespace maria2
