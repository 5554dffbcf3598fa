#include "core/pool/EngineReport.h"

#include "core/io/PathText.h"
#include "core/pool/EnginePool.h"

#include <spdlog/fmt/fmt.h>

#include <condition_variable>
#include <ctime>
#include <mutex>
#include <optional>
#include <system_error>

namespace maria2 {
namespace {

// Waits for one download's final state and its transfer report.
class Waiter final : public EngineListener {
public:
    void onStateChanged(const DownloadSnapshot& s) override {
        std::lock_guard lock(m_mutex);
        if (isFinal(s.state) || needsAttention(s.state)) {
            m_final = s;
            m_changed.notify_all();
        }
    }
    void onProgress(const std::vector<DownloadSnapshot>&) override {}
    void onTransferReport(const TransferReport& r) override {
        std::lock_guard lock(m_mutex);
        m_report = r;
        m_changed.notify_all();
    }
    std::pair<DownloadSnapshot, std::optional<TransferReport>> wait(DownloadId id) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] {
            return m_final && m_final->id == id &&
                   (m_final->state != DownloadState::Completed || (m_report && m_report->id == id));
        });
        auto out = std::make_pair(*m_final, m_report);
        m_final.reset();
        m_report.reset();
        return out;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::optional<DownloadSnapshot> m_final;
    std::optional<TransferReport> m_report;
};

} // namespace

std::vector<EngineReportRow> runEngineReport(const Config& config, DownloadRequest request,
                                             const std::filesystem::path& scratch,
                                             DigestFactory digests) {
    Waiter waiter;
    EnginePool pool(config, waiter, std::move(digests));
    pool.start();
    request.engine.clear();
    const std::string chosen = pool.preview(request).engine;
    request.directory = io::pathText(scratch);
    request.allowOverwrite = true;
    request.continuePartial = false;
    std::vector<EngineReportRow> rows;
    for (const std::string& name : pool.engineNames()) {
        DownloadRequest r = request;
        r.engine = name;
        if (!pool.preview(r).ok) {
            continue; // this engine does not speak the scheme
        }
        EngineReportRow row;
        row.engine = name;
        row.chosen = name == chosen;
        const std::clock_t cpu0 = std::clock();
        const DownloadId id = pool.add(r);
        auto [snapshot, report] = waiter.wait(id);
        row.cpuSeconds = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
        row.ok = snapshot.state == DownloadState::Completed;
        row.error = snapshot.errorMessage;
        if (report) {
            row.connections = report->peakConnections;
            row.ttfbMs = report->ttfbSeconds >= 0 ? report->ttfbSeconds * 1000 : -1;
            if (report->activeSeconds > 0) {
                row.megabytesPerSecond =
                    static_cast<double>(report->bytes) / report->activeSeconds / 1e6;
            }
        }
        std::error_code ec;
        if (!snapshot.filePath.empty()) {
            std::filesystem::remove(snapshot.filePath, ec);
        }
        pool.remove(id, true);
        rows.push_back(std::move(row));
    }
    pool.stop();
    return rows;
}

std::string formatEngineReport(const std::vector<EngineReportRow>& rows) {
    std::string out = fmt::format("{:<12} {:>5} {:>9} {:>7} {:>9}  {}\n", "engine", "conns", "MB/s",
                                  "CPU s", "TTFB ms", "chosen");
    for (const auto& r : rows) {
        if (!r.ok) {
            out += fmt::format("{:<12} failed: {}{}\n", r.engine, r.error,
                               r.chosen ? "  (chosen)" : "");
            continue;
        }
        out += fmt::format("{:<12} {:>5} {:>9.1f} {:>7.2f} {:>9.1f}  {}\n", r.engine, r.connections,
                           r.megabytesPerSecond, r.cpuSeconds, r.ttfbMs, r.chosen ? "yes" : "");
    }
    return out;
}

} // namespace maria2
