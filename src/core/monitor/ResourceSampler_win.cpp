// Windows: GetSystemTimes, GetProcessTimes, GlobalMemoryStatusEx, GetProcessMemoryInfo,
// GetProcessIoCounters and GetDiskFreeSpaceExW.
#include "core/monitor/ResourceSampler.h"

#include <algorithm>

#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
// psapi.h after windows.h: it relies on its types.
#include <psapi.h>

#ifdef _MSC_VER
// With PSAPI_VERSION 2 (the default for Windows 7+) GetProcessMemoryInfo is K32GetProcessMemoryInfo
// in kernel32; linking psapi.lib as well keeps older SDK settings working.
#pragma comment(lib, "psapi.lib")
#endif

namespace maria2 {

namespace {

std::uint64_t toU64(const FILETIME& ft) {
    return (static_cast<std::uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
}

class WindowsSampler final : public ResourceSampler {
public:
    ResourceSample sample() override {
        ResourceSample s;
        std::optional<CpuTimes> system;
        FILETIME idle{};
        FILETIME kernel{};
        FILETIME user{};
        if (::GetSystemTimes(&idle, &kernel, &user) != 0) {
            // Kernel time includes idle time; all three are summed over every processor.
            CpuTimes t;
            t.total = toU64(kernel) + toU64(user);
            t.busy = t.total - std::min(t.total, toU64(idle));
            system = t;
        }
        std::optional<std::uint64_t> process;
        FILETIME created{};
        FILETIME exited{};
        FILETIME processKernel{};
        FILETIME processUser{};
        if (::GetProcessTimes(::GetCurrentProcess(), &created, &exited, &processKernel,
                              &processUser) != 0) {
            process = toU64(processKernel) + toU64(processUser);
        }
        if (system && m_previousSystem) {
            s.systemCpuPercent = cpuPercentBetween(*m_previousSystem, *system);
            // Same 100 ns unit, and the system total covers every processor: the ratio is the
            // process's share of the whole machine.
            if (process && m_previousProcess) {
                s.processCpuPercent = cpuPercentBetween(
                    {*m_previousProcess, m_previousSystem->total}, {*process, system->total});
            }
        }
        m_previousSystem = system;
        m_previousProcess = process;

        MEMORYSTATUSEX memory{};
        memory.dwLength = sizeof(memory);
        if (::GlobalMemoryStatusEx(&memory) != 0 && memory.ullTotalPhys > 0) {
            const auto used =
                memory.ullTotalPhys - std::min(memory.ullAvailPhys, memory.ullTotalPhys);
            s.memoryUsedPercent =
                100.0 * static_cast<double>(used) / static_cast<double>(memory.ullTotalPhys);
        }
        PROCESS_MEMORY_COUNTERS counters{};
        counters.cb = sizeof(counters);
        if (::GetProcessMemoryInfo(::GetCurrentProcess(), &counters, sizeof(counters)) != 0) {
            s.processRssBytes = static_cast<std::uint64_t>(counters.WorkingSetSize);
        }
        // WriteTransferCount counts every write the process issued (files, but also pipes and
        // devices). For a download manager that is nearly all file data.
        IO_COUNTERS io{};
        if (::GetProcessIoCounters(::GetCurrentProcess(), &io) != 0) {
            s.processDiskWriteBytes = static_cast<std::uint64_t>(io.WriteTransferCount);
        }
        return s;
    }

    std::optional<std::uint64_t> freeSpace(const std::filesystem::path& path) override {
        ULARGE_INTEGER freeToCaller{};
        // The space available to this user (honours quotas), not the volume's total free space.
        if (::GetDiskFreeSpaceExW(path.c_str(), &freeToCaller, nullptr, nullptr) == 0) {
            return std::nullopt;
        }
        return static_cast<std::uint64_t>(freeToCaller.QuadPart);
    }

private:
    std::optional<CpuTimes> m_previousSystem;
    std::optional<std::uint64_t> m_previousProcess;
};

} // namespace

std::unique_ptr<ResourceSampler> createPlatformSampler() {
    return std::make_unique<WindowsSampler>();
}

} // namespace maria2
