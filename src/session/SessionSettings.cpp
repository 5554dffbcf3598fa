// Session::applyConfig: a new configuration from the settings dialog, applied at once where the
// running parts have a setter; the keys only a restart applies are returned to the caller.
#include "session/SessionSettings.h"

#include "core/log/Log.h"
#include "core/pool/EnginePool.h"
#include "session/AppSetup.h"
#include "session/ResourceWatch.h"
#include "session/Session.h"
#include "session/SessionGovernor.h"
#include "session/SessionLimits.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <string_view>
#include <utility>
#include <vector>

namespace maria2 {
namespace {

using Json = nlohmann::ordered_json;

// What a running Session applies at once (see applyConfig below). Everything else is copied by
// the engine pool or its engines when they are built, or read once at start (log files).
constexpr std::array<std::string_view, 20> kLiveKeys{
    "PerformanceSettings.MaxConcurrentDownloads",
    "PerformanceSettings.DownloadSpeedLimit",
    "PerformanceSettings.ResourceThreshold.CPUUsage",
    "PerformanceSettings.ResourceThreshold.MemoryUsage",
    "Download.Directory", // Session::add fills it in for each new download
    "Queue.MaxDownloadsPerHost",
    "Queue.TimeWindows",
    "Monitor.SampleIntervalMs",
    "Monitor.DwellSamples",
    "Monitor.RecoveryMarginPercent",
    "Monitor.FreeSpaceFloorMB",
    "Interface.CloseToTray", // Interface.*: the GUI reads config() again on configChanged()
    "Interface.WatchClipboard",
    "Interface.Notifications",
    "Interface.KeepAwake",
    "Interface.WhenQueueFinishes",
    "Interface.DropTarget",
    "Interface.SpeedLimitPresets",
    "Interface.ConfirmUrlsFromOtherProcesses", // read at each hand-over
    "Logging.Level",
};

// The settings as (dotted key, value) in schema order, from the loader's own serialisation.
void flatten(const Json& node, const std::string& prefix,
             std::vector<std::pair<std::string, Json>>& out) {
    for (const auto& [key, value] : node.items()) {
        const std::string path = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object()) {
            flatten(value, path, out);
        } else {
            out.emplace_back(path, value);
        }
    }
}

std::vector<std::pair<std::string, Json>> flat(const Config& config) {
    std::vector<std::pair<std::string, Json>> out;
    flatten(Json::parse(ConfigLoader::toJson(config)), {}, out);
    return out;
}

} // namespace

QStringList changedConfigKeys(const Config& a, const Config& b) {
    const auto left = flat(a);
    const auto right = flat(b);
    QStringList keys;
    // Same schema on both sides: same keys in the same order.
    for (std::size_t i = 0; i < left.size() && i < right.size(); ++i) {
        if (left[i].second != right[i].second) {
            keys << QString::fromStdString(left[i].first);
        }
    }
    return keys;
}

bool appliesAtOnce(const QString& key) {
    const std::string k = key.toStdString();
    for (const std::string_view live : kLiveKeys) {
        if (live == k) {
            return true;
        }
    }
    return false;
}

QStringList restartNeededKeys(const Config& before, const Config& after) {
    QStringList keys;
    for (const QString& key : changedConfigKeys(before, after)) {
        if (!appliesAtOnce(key)) {
            keys << key;
        }
    }
    return keys;
}

QStringList Session::applyConfig(const Config& config) {
    Config next = config;
    if (next.download.directory.empty()) {
        next.download.directory = app::defaultDownloadDirectory().toStdString(); // as at load
    }
    const Config before = m_config;
    const QStringList changed = changedConfigKeys(before, next);
    if (changed.isEmpty()) {
        return {};
    }
    // The windows first: a text the loader let through but that does not parse (it cannot
    // happen with a loaded config) keeps the old windows rather than opening the queue.
    if (next.queue.timeWindows != before.queue.timeWindows) {
        const QString error = m_limits->setWindows(QString::fromStdString(next.queue.timeWindows));
        if (!error.isEmpty()) {
            spdlog::error("settings: Queue.TimeWindows: {}; the previous windows stay",
                          error.toStdString());
            next.queue.timeWindows = before.queue.timeWindows;
        }
    }
    m_config = next;

    const PerformanceSettings& perf = m_config.performance;
    if (perf.maxConcurrentDownloads != before.performance.maxConcurrentDownloads) {
        m_engine->setMaxConcurrentDownloads(perf.maxConcurrentDownloads); // requeues the excess
    }
    // Thresholds, Monitor.*, and the person's limits (what "not throttled" means).
    m_governor->applyConfig(m_config);
    if (perf.downloadSpeedLimit != before.performance.downloadSpeedLimit) {
        m_limits->setUserLimit(perf.downloadSpeedLimit); // speedLimitChanged if in force moves
    }
    if (m_config.queue.maxDownloadsPerHost != before.queue.maxDownloadsPerHost) {
        m_engine->setMaxDownloadsPerHost(m_config.queue.maxDownloadsPerHost);
    }
    if (m_config.monitor.sampleIntervalMs != before.monitor.sampleIntervalMs) {
        m_watch->setInterval(std::chrono::milliseconds(m_config.monitor.sampleIntervalMs));
    }
    if (m_config.logging.level != before.logging.level) {
        log::setFileLevel(m_config.logging.level);
    }

    QStringList restart;
    for (const QString& key : changed) {
        if (!appliesAtOnce(key)) {
            restart << key;
        }
    }
    spdlog::info("settings: {} changed{}{}", changed.join(QStringLiteral(", ")).toStdString(),
                 restart.isEmpty() ? "" : "; after a restart: ",
                 restart.join(QStringLiteral(", ")).toStdString());
    emit configChanged();
    return restart;
}

} // namespace maria2
