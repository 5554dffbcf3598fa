#pragma once
// The MAria2 configuration: one schema, loaded from JSON (comments allowed) in layers.
// The seed's PerformanceSettings keys are part of it; the seed's block itself ships as
// config/performance-settings.seed.json and loads as written (the defaults differ: no cap).
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace maria2 {

struct PerformanceSettings {
    int maxConcurrentDownloads = 5;      // PerformanceSettings.MaxConcurrentDownloads (1..1000)
    std::int64_t downloadSpeedLimit = 0; // DownloadSpeedLimit, B/s, 0 = unlimited (0..2^40)
    int cacheSizeMb = 1024;              // CacheSize, MB (0..1048576)
    int cpuUsagePercent = 70;            // ResourceThreshold.CPUUsage (1..100)
    int memoryUsagePercent = 80;         // ResourceThreshold.MemoryUsage (1..100)
};

struct DownloadSettings {
    std::string directory;            // Download.Directory; empty = the platform's Downloads folder
    bool allowOverwrite = false;      // Download.AllowOverwrite
    bool continueDownloads = true;    // Download.Continue: resume a matching .part file
    int split = 8;                    // Download.Split (1..64): connections per download
    int maxConnectionsPerServer = 16; // Download.MaxConnectionsPerServer (1..64)
    std::int64_t minSplitSize = 1048576;     // Download.MinSplitSize, bytes (4096..1 GiB)
    bool preallocate = true;                 // Download.Preallocate: reserve the whole file at once
    int controlSaveIntervalMs = 1000;        // Download.ControlSaveIntervalMs (100..60000)
    std::int64_t splitBelowSpeed = 67108864; // Download.SplitBelowSpeed, bytes/s (0 = always)
    int connectionCeiling = 64; // Download.ConnectionCeiling (1..64): most the pool picks itself
};

struct RetrySettings {
    int maxTries = 5;          // Retry.MaxTries (1..1000), first attempt included
    int initialDelayMs = 1000; // Retry.InitialDelayMs (0..3600000)
    int maxDelayMs = 60000;    // Retry.MaxDelayMs (0..86400000), cap for backoff and Retry-After
};

struct NetworkSettings {
    int connectTimeoutSeconds = 30; // Network.ConnectTimeoutSeconds (1..600)
    int lowSpeedLimitBytes = 1024;  // Network.LowSpeedLimitBytes (0..2^30), B/s: slower = stalled
    int lowSpeedTimeSeconds = 60;   // Network.LowSpeedTimeSeconds (1..3600)
    int maxRedirects = 10;          // Network.MaxRedirects (0..50)
    std::string userAgent;          // Network.UserAgent; empty = "MAria2/<version>"
    std::string proxy;              // Network.Proxy (all-proxy URL), empty = none/system env
    bool checkCertificate = true;   // Network.CheckCertificate
    std::string caCertificate;      // Network.CACertificate (PEM file), empty = system store
    bool keepHeadersAcrossHosts = false; // Network.KeepHeadersAcrossHosts: --header after a
                                         // redirect to another host (and URL credentials)
    bool allowInsecureRedirect = false;  // Network.AllowInsecureRedirect: https -> http
};

struct QueueSettings {
    int maxDownloadsPerHost = 0; // Queue.MaxDownloadsPerHost (0..1000): at once per server, 0 = any
    int retries = 2;             // Queue.Retries (0..100): whole-download retries after a
                                 // transient failure (after Retry.MaxTries inside it)
    int retryDelaySeconds = 60;  // Queue.RetryDelaySeconds (1..86400): first wait, doubling
    int retryMaxDelaySeconds = 3600; // Queue.RetryMaxDelaySeconds (1..604800)
    std::string timeWindows;         // Queue.TimeWindows: "01:00-07:00; weekdays 09:00-17:00
                                     // at 512K"; empty = any time
    bool stopOutsideWindows = true;  // Queue.StopOutsideWindows: pause running ones too
};

struct MonitorSettings {
    int sampleIntervalMs = 1000;    // Monitor.SampleIntervalMs (100..60000)
    int dwellSamples = 3;           // Monitor.DwellSamples (1..60): samples in a row before acting
    int recoveryMarginPercent = 10; // Monitor.RecoveryMarginPercent (1..50): restore below
                                    // threshold - margin
    int freeSpaceFloorMb = 256;     // Monitor.FreeSpaceFloorMB (0..1048576): pause below, 0 = off
};

struct InterfaceSettings {
    int progressIntervalMs = 200; // Interface.ProgressIntervalMs (100..5000): snapshot cadence
    bool closeToTray = true;      // Interface.CloseToTray: closing the window keeps it in the tray
    bool watchClipboard = false;  // Interface.WatchClipboard: offer URLs copied anywhere
    bool notifications = true;    // Interface.Notifications: announce finished / failed ones
    bool keepAwake = true;        // Interface.KeepAwake: no system sleep while bytes flow
    std::string whenQueueFinishes = "nothing"; // Interface.WhenQueueFinishes: nothing|sleep|
                                               // shutdown
    bool dropTarget = false;                   // Interface.DropTarget: small always-on-top box
    // Interface.SpeedLimitPresets: the speed-limit menus' entries, "512K, 1M, 10M" (B/s with
    // K/M/G, 1024-based); checked at load.
    std::string speedLimitPresets = "512K, 1M, 2M, 5M, 10M, 20M, 50M";
    // Interface.ConfirmUrlsFromOtherProcesses: URLs handed over by another `maria2` (a
    // terminal, a browser extension, any program of this user) open the add dialog instead of
    // starting at once.
    bool confirmUrlsFromOtherProcesses = true;
};

struct LoggingSettings {
    std::string level = "info"; // Logging.Level: trace|debug|info|warn|error|off
    bool toFile = true;         // Logging.File
    int maxFileSizeMb = 5;      // Logging.MaxFileSizeMB (1..1024)
    int maxFiles = 3;           // Logging.MaxFiles (1..100)
};

struct Config {
    PerformanceSettings performance;
    DownloadSettings download;
    RetrySettings retry;
    NetworkSettings network;
    QueueSettings queue;
    MonitorSettings monitor;
    InterfaceSettings ui;
    LoggingSettings logging;
};

// A configuration file that cannot be used. what() names the file, the key and the value.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ConfigLoadResult {
    Config config;
    std::vector<std::string> warnings;         // e.g. unknown keys, with file and key path
    std::vector<std::filesystem::path> loaded; // files that existed and were applied, in order
};

class ConfigLoader {
public:
    // The compiled-in defaults (config/maria2.json), which equal the struct initialisers.
    // Throws ConfigError if that file is incomplete or invalid (a build defect).
    static Config defaults();

    // Applies one JSON text on top of `base`. Only the keys it names change.
    // `origin` is used in messages (a file path or "<built-in defaults>"). Unknown keys only warn.
    // Throws ConfigError on syntax errors, wrong types and out-of-range values; `warnings` is
    // appended to only on success.
    static Config apply(const Config& base, const std::string& jsonText, const std::string& origin,
                        std::vector<std::string>* warnings = nullptr);

    // Defaults, then each existing file in order (missing files are skipped, except
    // `requiredFile`, if not empty, which throws ConfigError "cannot read config file" when
    // missing). Files over 1 MiB are rejected.
    static ConfigLoadResult loadLayers(const std::vector<std::filesystem::path>& optionalFiles,
                                       const std::filesystem::path& requiredFile = {});

    // Serialises a Config back to JSON text (all keys, same schema), for the settings dialog.
    static std::string toJson(const Config& config);
};

} // namespace maria2
