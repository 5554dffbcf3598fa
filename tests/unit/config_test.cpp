// ConfigLoader: the seed block, defaults, layering, validation messages and toJson().
#include "core/config/Config.h"
#include "core/schedule/TimeWindow.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using maria2::Config;
using maria2::ConfigError;
using maria2::ConfigLoader;

// The seed (shared/seed/performance-settings.json), verbatim (including its comments).
constexpr const char* kSeedText = R"SEED({
  "PerformanceSettings": {
    "MaxConcurrentDownloads": 5,
    "DownloadSpeedLimit": 10485760,  // 10 MB/s
    "CacheSize": 1024,  // MB
    "ResourceThreshold": {
      "CPUUsage": 70,
      "MemoryUsage": 80
    }
  }
}
)SEED";

// What the seed's block sets: its values over the defaults' PerformanceSettings.
maria2::PerformanceSettings seedPerformance() {
    maria2::PerformanceSettings p = Config{}.performance;
    p.maxConcurrentDownloads = 5;
    p.downloadSpeedLimit = 10485760;
    p.cacheSizeMb = 1024;
    p.cpuUsagePercent = 70;
    p.memoryUsagePercent = 80;
    return p;
}

// Field-by-field, written independently of the loader's schema table.
void expectSameConfig(const Config& a, const Config& b) {
    EXPECT_EQ(a.performance.maxConcurrentDownloads, b.performance.maxConcurrentDownloads);
    EXPECT_EQ(a.performance.downloadSpeedLimit, b.performance.downloadSpeedLimit);
    EXPECT_EQ(a.performance.cacheSizeMb, b.performance.cacheSizeMb);
    EXPECT_EQ(a.performance.cpuUsagePercent, b.performance.cpuUsagePercent);
    EXPECT_EQ(a.performance.memoryUsagePercent, b.performance.memoryUsagePercent);
    EXPECT_EQ(a.download.directory, b.download.directory);
    EXPECT_EQ(a.download.allowOverwrite, b.download.allowOverwrite);
    EXPECT_EQ(a.download.continueDownloads, b.download.continueDownloads);
    EXPECT_EQ(a.retry.maxTries, b.retry.maxTries);
    EXPECT_EQ(a.retry.initialDelayMs, b.retry.initialDelayMs);
    EXPECT_EQ(a.retry.maxDelayMs, b.retry.maxDelayMs);
    EXPECT_EQ(a.network.connectTimeoutSeconds, b.network.connectTimeoutSeconds);
    EXPECT_EQ(a.network.lowSpeedLimitBytes, b.network.lowSpeedLimitBytes);
    EXPECT_EQ(a.network.lowSpeedTimeSeconds, b.network.lowSpeedTimeSeconds);
    EXPECT_EQ(a.network.maxRedirects, b.network.maxRedirects);
    EXPECT_EQ(a.network.userAgent, b.network.userAgent);
    EXPECT_EQ(a.network.proxy, b.network.proxy);
    EXPECT_EQ(a.network.checkCertificate, b.network.checkCertificate);
    EXPECT_EQ(a.network.caCertificate, b.network.caCertificate);
    EXPECT_EQ(a.queue.maxDownloadsPerHost, b.queue.maxDownloadsPerHost);
    EXPECT_EQ(a.queue.retries, b.queue.retries);
    EXPECT_EQ(a.queue.retryDelaySeconds, b.queue.retryDelaySeconds);
    EXPECT_EQ(a.queue.retryMaxDelaySeconds, b.queue.retryMaxDelaySeconds);
    EXPECT_EQ(a.queue.timeWindows, b.queue.timeWindows);
    EXPECT_EQ(a.queue.stopOutsideWindows, b.queue.stopOutsideWindows);
    EXPECT_EQ(a.monitor.sampleIntervalMs, b.monitor.sampleIntervalMs);
    EXPECT_EQ(a.monitor.dwellSamples, b.monitor.dwellSamples);
    EXPECT_EQ(a.monitor.recoveryMarginPercent, b.monitor.recoveryMarginPercent);
    EXPECT_EQ(a.monitor.freeSpaceFloorMb, b.monitor.freeSpaceFloorMb);
    EXPECT_EQ(a.ui.progressIntervalMs, b.ui.progressIntervalMs);
    EXPECT_EQ(a.ui.closeToTray, b.ui.closeToTray);
    EXPECT_EQ(a.ui.watchClipboard, b.ui.watchClipboard);
    EXPECT_EQ(a.ui.notifications, b.ui.notifications);
    EXPECT_EQ(a.ui.keepAwake, b.ui.keepAwake);
    EXPECT_EQ(a.ui.whenQueueFinishes, b.ui.whenQueueFinishes);
    EXPECT_EQ(a.ui.dropTarget, b.ui.dropTarget);
    EXPECT_EQ(a.ui.speedLimitPresets, b.ui.speedLimitPresets);
    EXPECT_EQ(a.ui.confirmUrlsFromOtherProcesses, b.ui.confirmUrlsFromOtherProcesses);
    EXPECT_EQ(a.logging.level, b.logging.level);
    EXPECT_EQ(a.logging.toFile, b.logging.toFile);
    EXPECT_EQ(a.logging.maxFileSizeMb, b.logging.maxFileSizeMb);
    EXPECT_EQ(a.logging.maxFiles, b.logging.maxFiles);
}

// A Config that differs from the defaults in every field.
Config allChanged() {
    Config c;
    c.performance = {17, 123456789012, 2048, 55, 66};
    c.download = {"/tmp/dl dir/ünï", true, false};
    c.retry = {9, 250, 9000};
    c.network = {12,    4096,          90,   3,   "Agent/1.0 \"q\"", "http://proxy:3128",
                 false, "/etc/ca.pem", true, true};
    c.queue = {2, 7, 30, 900, "weekdays 09:00-17:00 at 512K", false};
    c.monitor = {500, 5, 15, 1024};
    c.ui = {1000, false, true, false, false, "shutdown", true, "100K, 7M", false};
    c.logging = {"debug", false, 50, 9};
    return c;
}

// {"A": {"B": value}} for the dotted path "A.B".
std::string jsonAt(const std::string& dottedPath, const nlohmann::json& value) {
    nlohmann::json root = value;
    std::string path = dottedPath;
    for (auto dot = path.rfind('.');; dot = path.rfind('.')) {
        const std::string key = dot == std::string::npos ? path : path.substr(dot + 1);
        root = nlohmann::json{{key, root}};
        if (dot == std::string::npos) {
            break;
        }
        path.resize(dot);
    }
    return root.dump(2);
}

std::string errorOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError";
    return {};
}

void expectContains(const std::string& text, std::initializer_list<std::string> parts) {
    for (const auto& part : parts) {
        EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
    }
}

std::string applyError(const std::string& json, const std::string& origin = "test.json") {
    return errorOf([&] { ConfigLoader::apply(Config{}, json, origin); });
}

struct IntKey {
    const char* path;
    std::int64_t min;
    std::int64_t max;
    std::function<std::int64_t(const Config&)> get;
};

const std::vector<IntKey>& intKeys() {
    static const std::vector<IntKey> keys{
        {"PerformanceSettings.MaxConcurrentDownloads", 1, 1000,
         [](const Config& c) {
             return c.performance.maxConcurrentDownloads;
         }},
        {"PerformanceSettings.DownloadSpeedLimit", 0, std::int64_t{1} << 40,
         [](const Config& c) {
             return c.performance.downloadSpeedLimit;
         }},
        {"PerformanceSettings.CacheSize", 0, 1048576,
         [](const Config& c) {
             return c.performance.cacheSizeMb;
         }},
        {"PerformanceSettings.ResourceThreshold.CPUUsage", 1, 100,
         [](const Config& c) {
             return c.performance.cpuUsagePercent;
         }},
        {"PerformanceSettings.ResourceThreshold.MemoryUsage", 1, 100,
         [](const Config& c) {
             return c.performance.memoryUsagePercent;
         }},
        {"Download.Split", 1, 64,
         [](const Config& c) {
             return c.download.split;
         }},
        {"Download.MaxConnectionsPerServer", 1, 64,
         [](const Config& c) {
             return c.download.maxConnectionsPerServer;
         }},
        {"Download.MinSplitSize", 4096, std::int64_t{1} << 30,
         [](const Config& c) {
             return c.download.minSplitSize;
         }},
        {"Download.ControlSaveIntervalMs", 100, 60000,
         [](const Config& c) {
             return c.download.controlSaveIntervalMs;
         }},
        {"Download.SplitBelowSpeed", 0, std::int64_t{1} << 40,
         [](const Config& c) {
             return c.download.splitBelowSpeed;
         }},
        {"Download.ConnectionCeiling", 1, 64,
         [](const Config& c) {
             return c.download.connectionCeiling;
         }},
        {"Retry.MaxTries", 1, 1000,
         [](const Config& c) {
             return c.retry.maxTries;
         }},
        {"Retry.InitialDelayMs", 0, 3600000,
         [](const Config& c) {
             return c.retry.initialDelayMs;
         }},
        {"Retry.MaxDelayMs", 0, 86400000,
         [](const Config& c) {
             return c.retry.maxDelayMs;
         }},
        {"Network.ConnectTimeoutSeconds", 1, 600,
         [](const Config& c) {
             return c.network.connectTimeoutSeconds;
         }},
        {"Network.LowSpeedLimitBytes", 0, std::int64_t{1} << 30,
         [](const Config& c) {
             return c.network.lowSpeedLimitBytes;
         }},
        {"Network.LowSpeedTimeSeconds", 1, 3600,
         [](const Config& c) {
             return c.network.lowSpeedTimeSeconds;
         }},
        {"Network.MaxRedirects", 0, 50,
         [](const Config& c) {
             return c.network.maxRedirects;
         }},
        {"Queue.MaxDownloadsPerHost", 0, 1000,
         [](const Config& c) {
             return c.queue.maxDownloadsPerHost;
         }},
        {"Queue.Retries", 0, 100,
         [](const Config& c) {
             return c.queue.retries;
         }},
        {"Queue.RetryDelaySeconds", 1, 86400,
         [](const Config& c) {
             return c.queue.retryDelaySeconds;
         }},
        {"Queue.RetryMaxDelaySeconds", 1, 604800,
         [](const Config& c) {
             return c.queue.retryMaxDelaySeconds;
         }},
        {"Monitor.SampleIntervalMs", 100, 60000,
         [](const Config& c) {
             return c.monitor.sampleIntervalMs;
         }},
        {"Monitor.DwellSamples", 1, 60,
         [](const Config& c) {
             return c.monitor.dwellSamples;
         }},
        {"Monitor.RecoveryMarginPercent", 1, 50,
         [](const Config& c) {
             return c.monitor.recoveryMarginPercent;
         }},
        {"Monitor.FreeSpaceFloorMB", 0, 1048576,
         [](const Config& c) {
             return c.monitor.freeSpaceFloorMb;
         }},
        {"Interface.ProgressIntervalMs", 100, 5000,
         [](const Config& c) {
             return c.ui.progressIntervalMs;
         }},
        {"Logging.MaxFileSizeMB", 1, 1024,
         [](const Config& c) {
             return c.logging.maxFileSizeMb;
         }},
        {"Logging.MaxFiles", 1, 100,
         [](const Config& c) {
             return c.logging.maxFiles;
         }},
    };
    return keys;
}

struct BoolKey {
    const char* path;
    std::function<bool(const Config&)> get;
};
const std::vector<BoolKey> kBoolKeys{
    {"Download.AllowOverwrite",
     [](const Config& c) {
         return c.download.allowOverwrite;
     }},
    {"Download.Continue",
     [](const Config& c) {
         return c.download.continueDownloads;
     }},
    {"Download.Preallocate",
     [](const Config& c) {
         return c.download.preallocate;
     }},
    {"Network.CheckCertificate",
     [](const Config& c) {
         return c.network.checkCertificate;
     }},
    {"Network.KeepHeadersAcrossHosts",
     [](const Config& c) {
         return c.network.keepHeadersAcrossHosts;
     }},
    {"Network.AllowInsecureRedirect",
     [](const Config& c) {
         return c.network.allowInsecureRedirect;
     }},
    {"Queue.StopOutsideWindows",
     [](const Config& c) {
         return c.queue.stopOutsideWindows;
     }},
    {"Logging.File",
     [](const Config& c) {
         return c.logging.toFile;
     }},
    {"Interface.CloseToTray",
     [](const Config& c) {
         return c.ui.closeToTray;
     }},
    {"Interface.WatchClipboard",
     [](const Config& c) {
         return c.ui.watchClipboard;
     }},
    {"Interface.Notifications",
     [](const Config& c) {
         return c.ui.notifications;
     }},
    {"Interface.KeepAwake",
     [](const Config& c) {
         return c.ui.keepAwake;
     }},
    {"Interface.DropTarget",
     [](const Config& c) {
         return c.ui.dropTarget;
     }},
    {"Interface.ConfirmUrlsFromOtherProcesses",
     [](const Config& c) {
         return c.ui.confirmUrlsFromOtherProcesses;
     }},
};

struct StringKey {
    const char* path;
    std::function<std::string(const Config&)> get;
};
const std::vector<StringKey> kStringKeys{
    {"Download.Directory",
     [](const Config& c) {
         return c.download.directory;
     }},
    {"Network.UserAgent",
     [](const Config& c) {
         return c.network.userAgent;
     }},
    {"Network.Proxy",
     [](const Config& c) {
         return c.network.proxy;
     }},
    {"Queue.TimeWindows",
     [](const Config& c) {
         return c.queue.timeWindows;
     }},
    {"Network.CACertificate",
     [](const Config& c) {
         return c.network.caCertificate;
     }},
    {"Logging.Level",
     [](const Config& c) {
         return c.logging.level;
     }},
    {"Interface.WhenQueueFinishes",
     [](const Config& c) {
         return c.ui.whenQueueFinishes;
     }},
    {"Interface.SpeedLimitPresets",
     [](const Config& c) {
         return c.ui.speedLimitPresets;
     }},
};

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::random_device random;
        do {
            dir_ = fs::temp_directory_path() /
                   ("maria2-config-test-" + std::to_string(random()) + std::to_string(random()));
        } while (!fs::create_directory(dir_));
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path write(const std::string& name, const std::string& text) {
        const fs::path path = dir_ / name;
        std::ofstream out(path, std::ios::binary);
        out << text;
        return path;
    }
    fs::path dir_;
};

TEST(ConfigDefaults, BuiltInDefaultsEqualTheStructInitialisers) {
    // defaults() parses config/maria2.json and refuses missing or unknown keys, so this proves
    // that the file and the struct agree on every value.
    expectSameConfig(ConfigLoader::defaults(), Config{});
    const Config d = ConfigLoader::defaults();
    EXPECT_EQ(d.performance.maxConcurrentDownloads, 5);
    EXPECT_EQ(d.performance.downloadSpeedLimit, 0); // no cap unless the person sets one
    EXPECT_EQ(d.logging.level, "info");
    EXPECT_TRUE(d.download.directory.empty());
}

TEST(ConfigSeed, SeedBlockLoadsExactlyAsWritten) {
    const Config base = allChanged();
    std::vector<std::string> warnings;
    const Config c = ConfigLoader::apply(base, kSeedText, "performance-settings.json", &warnings);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(c.performance.maxConcurrentDownloads, 5);
    EXPECT_EQ(c.performance.downloadSpeedLimit, 10485760);
    EXPECT_EQ(c.performance.cacheSizeMb, 1024);
    EXPECT_EQ(c.performance.cpuUsagePercent, 70);
    EXPECT_EQ(c.performance.memoryUsagePercent, 80);
    Config expected = base; // every other section untouched
    expected.performance = seedPerformance();
    expectSameConfig(c, expected);
}

TEST_F(ConfigTest, SeedFileLoadsOverDefaults) {
    const fs::path seed = write("performance-settings.json", kSeedText);
    const auto result = ConfigLoader::loadLayers({seed});
    EXPECT_TRUE(result.warnings.empty());
    ASSERT_EQ(result.loaded, std::vector<fs::path>{seed});
    Config expected;
    expected.performance = seedPerformance();
    expectSameConfig(result.config, expected);
}

// The seed's block ships as config/performance-settings.seed.json: byte for byte the seed's
// text, and it loads as written over the defaults.
TEST(ConfigSeed, ShippedSeedFileMatchesAndLoads) {
    const fs::path seed = fs::path(MARIA2_CONFIG_DIR) / "performance-settings.seed.json";
    std::ifstream in(seed, std::ios::binary);
    ASSERT_TRUE(in) << seed;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), kSeedText);
    const auto result = ConfigLoader::loadLayers({}, seed);
    EXPECT_TRUE(result.warnings.empty());
    Config expected;
    expected.performance = seedPerformance();
    expectSameConfig(result.config, expected);
}

TEST(ConfigApply, PartialFileOverridesOnlyWhatItNames) {
    const Config base = allChanged();
    const Config c = ConfigLoader::apply(
        base, R"({"PerformanceSettings": {"ResourceThreshold": {"CPUUsage": 90}}, "Logging": {}})",
        "partial.json");
    Config expected = base;
    expected.performance.cpuUsagePercent = 90;
    expectSameConfig(c, expected);
    expectSameConfig(ConfigLoader::apply(base, "{}", "empty.json"), base);
}

TEST(ConfigApply, EveryIntegerKeyMapsAndChecksItsRange) {
    Config base; // room for both delay keys to reach their limits
    base.retry.initialDelayMs = 0;
    base.retry.maxDelayMs = 86400000;
    for (const IntKey& key : intKeys()) {
        SCOPED_TRACE(key.path);
        for (const std::int64_t ok : {key.min, key.max}) {
            EXPECT_EQ(key.get(ConfigLoader::apply(base, jsonAt(key.path, ok), "f.json")), ok);
        }
        for (const std::int64_t bad : {key.min - 1, key.max + 1}) {
            const std::string error = errorOf(
                [&] { ConfigLoader::apply(base, jsonAt(key.path, bad), "/cfg/range.json"); });
            expectContains(
                error, {"/cfg/range.json: ", std::string(key.path) + " = " + std::to_string(bad) +
                                                 " is out of range (" + std::to_string(key.min) +
                                                 ".." + std::to_string(key.max) + ")"});
        }
        const std::string error =
            errorOf([&] { ConfigLoader::apply(base, jsonAt(key.path, "12"), "/cfg/type.json"); });
        expectContains(error, {"/cfg/type.json", key.path, "must be an integer", "\"12\""});
    }
}

TEST(ConfigApply, ExampleMessagesForTypeAndRange) {
    expectContains(applyError(R"({"PerformanceSettings": {"CacheSize": "big"}})", "/u/m.json"),
                   {"/u/m.json: PerformanceSettings.CacheSize must be an integer, got \"big\""});
    expectContains(
        applyError(R"({"PerformanceSettings": {"ResourceThreshold": {"CPUUsage": 150}}})", "x"),
        {"x: PerformanceSettings.ResourceThreshold.CPUUsage = 150 is out of range (1..100)"});
}

TEST(ConfigApply, IntegerEdgeCases) {
    const auto tries = [](const std::string& value) {
        return ConfigLoader::apply(Config{}, R"({"Retry": {"MaxTries": )" + value + "}}", "f")
            .retry.maxTries;
    };
    EXPECT_EQ(tries("5.0"), 5);
    EXPECT_EQ(tries("7e1"), 70);
    expectContains(applyError(R"({"Retry": {"MaxTries": 5.5}})"), {"Retry.MaxTries", "5.5"});
    expectContains(applyError(R"({"Retry": {"MaxTries": true}})"),
                   {"Retry.MaxTries must be an integer, got true"});
    expectContains(applyError(R"({"Retry": {"MaxTries": null}})"), {"got null"});
    expectContains(applyError(R"({"Retry": {"MaxTries": [1]}})"), {"got an array"});
    expectContains(applyError(R"({"Retry": {"MaxTries": 18446744073709551615}})"),
                   {"out of range (1..1000)"});
    expectContains(applyError(R"({"Retry": {"MaxTries": 1e300}})"), {"out of range"});
    expectContains(applyError(R"({"Retry": {"MaxTries": -9223372036854775808}})"),
                   {"out of range"});
}

TEST(ConfigApply, BooleanAndStringKeys) {
    for (const BoolKey& key : kBoolKeys) {
        SCOPED_TRACE(key.path);
        const bool flipped = !key.get(Config{});
        EXPECT_EQ(key.get(ConfigLoader::apply(Config{}, jsonAt(key.path, flipped), "f")), flipped);
        expectContains(applyError(jsonAt(key.path, 1), "b.json"),
                       {"b.json: ", key.path, "must be a boolean", "got 1"});
    }
    for (const StringKey& key : kStringKeys) {
        SCOPED_TRACE(key.path);
        const std::string path = key.path;
        const std::string value = path == "Logging.Level"                 ? "trace"
                                  : path == "Queue.TimeWindows"           ? "sat,sun 01:00-07:00"
                                  : path == "Interface.WhenQueueFinishes" ? "sleep"
                                  : path == "Interface.SpeedLimitPresets" ? "3M, 1M"
                                                                          : "a/ü \"b\"";
        EXPECT_EQ(key.get(ConfigLoader::apply(Config{}, jsonAt(key.path, value), "f")), value);
        expectContains(applyError(jsonAt(key.path, 5), "s.json"),
                       {"s.json: ", key.path, "must be", "got 5"});
    }
}

TEST(ConfigApply, SpeedLimitPresetsAreCheckedAtLoad) {
    EXPECT_EQ(maria2::parseSpeedList("512K, 1M,2.5M, 1M"),
              (std::vector<std::int64_t>{524288, 1048576, 2621440}));
    EXPECT_TRUE(maria2::parseSpeedList("").empty());
    expectContains(applyError(jsonAt("Interface.SpeedLimitPresets", "1M, fast"), "p.json"),
                   {"p.json: ", "Interface.SpeedLimitPresets", "\"fast\" is not a speed"});
    expectContains(applyError(jsonAt("Interface.SpeedLimitPresets", "1M,,2M"), "p.json"),
                   {"Interface.SpeedLimitPresets", "empty item"});
    expectContains(applyError(jsonAt("Interface.WhenQueueFinishes", "hibernate"), "w.json"),
                   {"w.json: ", "Interface.WhenQueueFinishes", "hibernate"});
}

TEST(ConfigApply, LoggingLevelIsAnEnum) {
    for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
        EXPECT_EQ(ConfigLoader::apply(Config{}, jsonAt("Logging.Level", level), "f").logging.level,
                  level);
    }
    expectContains(
        applyError(jsonAt("Logging.Level", "verbose"), "l.json"),
        {"l.json: Logging.Level must be one of trace|debug|info|warn|error|off", "\"verbose\""});
    expectContains(applyError(jsonAt("Logging.Level", "INFO")), {"\"INFO\""});
}

TEST(ConfigApply, InitialDelayMayNotExceedMaxDelay) {
    const std::string error =
        applyError(R"({"Retry": {"InitialDelayMs": 5000, "MaxDelayMs": 1000}})", "d.json");
    expectContains(error, {"d.json: ", "Retry.InitialDelayMs", "5000", "Retry.MaxDelayMs", "1000"});
    // Checked on the merged result: lowering only the cap below the default initial delay fails.
    expectContains(applyError(R"({"Retry": {"MaxDelayMs": 500}})"), {"Retry.InitialDelayMs"});
    EXPECT_EQ(ConfigLoader::apply(Config{}, R"({"Retry": {"InitialDelayMs": 60000}})", "f")
                  .retry.initialDelayMs,
              60000);
}

TEST(ConfigApply, UnknownKeysWarnWithTheirFullPath) {
    std::vector<std::string> warnings{"earlier"};
    const Config c = ConfigLoader::apply(Config{}, R"({
      "Foo": 1,
      "PerformanceSettings": {"Foo": {"deep": [1, 2]}, "maxTries": 1,
                              "ResourceThreshold": {"Bar": 3, "CPUUsage": 50}},
      "Logging": {"Level": "warn"}
    })",
                                         "/home/u/maria2.json", &warnings);
    EXPECT_EQ(c.performance.cpuUsagePercent, 50);
    EXPECT_EQ(c.logging.level, "warn");
    const std::vector<std::string> expected{
        "earlier",
        "unknown key 'Foo' in /home/u/maria2.json (ignored)",
        "unknown key 'PerformanceSettings.Foo' in /home/u/maria2.json (ignored)",
        "unknown key 'PerformanceSettings.maxTries' in /home/u/maria2.json (ignored)",
        "unknown key 'PerformanceSettings.ResourceThreshold.Bar' in /home/u/maria2.json (ignored)",
    };
    EXPECT_EQ(warnings, expected);
}

TEST(ConfigApply, StructureErrors) {
    expectContains(applyError("[1, 2]", "t.json"), {"t.json: ", "top level", "object"});
    expectContains(applyError("42", "t.json"), {"t.json: ", "top level", "got 42"});
    expectContains(applyError(R"({"Retry": 5})", "t.json"),
                   {"t.json: Retry must be an object, got 5"});
    expectContains(applyError(R"({"PerformanceSettings": {"ResourceThreshold": 70}})"),
                   {"PerformanceSettings.ResourceThreshold must be an object, got 70"});
    expectContains(applyError(R"({"Retry": {"MaxTries": {"x": 1}}})"),
                   {"Retry.MaxTries must be an integer, got an object"});
    const std::string longValue(500, 'x');
    const std::string error = applyError(jsonAt("Retry.MaxTries", longValue));
    EXPECT_LT(error.size(), 200U) << error; // a huge value is shortened in the message
}

TEST(ConfigApply, SyntaxErrorsNameFileAndLine) {
    const std::string text =
        "{\n  \"Retry\": {\n    \"MaxTries\": 3\n    \"MaxDelayMs\": 5\n  }\n}\n";
    expectContains(applyError(text, "/home/u/.config/maria2/maria2.json"),
                   {"/home/u/.config/maria2/maria2.json: syntax error at line 4"});
    expectContains(applyError("{\"a\": 1,}", "c.json"), {"c.json: syntax error at line 1"});
    expectContains(applyError("", "e.json"), {"e.json: syntax error at line 1"});
    expectContains(applyError("{\n\n/* never closed", "u.json"),
                   {"u.json: syntax error at line 3"});
}

TEST(ConfigApply, FailureLeavesWarningsUntouched) {
    std::vector<std::string> warnings;
    EXPECT_THROW(
        ConfigLoader::apply(Config{}, R"({"Foo": 1, "Retry": {"MaxTries": 0}})", "f", &warnings),
        ConfigError);
    EXPECT_TRUE(warnings.empty());
}

TEST(ConfigApply, CommentsAreAccepted) {
    const std::string text = "\xEF\xBB\xBF/* leading\n   block */\n{\n"
                             "  // a line comment\r\n"
                             "  \"Retry\": { /* inline */ \"MaxTries\": 9 // trailing\n  },\r\n"
                             "  /* multi\n     line */\n"
                             "  \"Logging\": {\"Level\": \"error\"}\n}\n// at the end\n";
    std::vector<std::string> warnings;
    const Config c = ConfigLoader::apply(Config{}, text, "c.json", &warnings);
    EXPECT_EQ(c.retry.maxTries, 9);
    EXPECT_EQ(c.logging.level, "error");
    EXPECT_TRUE(warnings.empty());
}

TEST(ConfigToJson, RoundTripsEveryKey) {
    const Config changed = allChanged();
    const std::string text = ConfigLoader::toJson(changed);
    expectSameConfig(ConfigLoader::apply(Config{}, text, "roundtrip"), changed);
    expectSameConfig(ConfigLoader::apply(changed, ConfigLoader::toJson(Config{}), "rt"), Config{});

    const auto json = nlohmann::json::parse(text);
    std::size_t leaves = 0;
    const auto has = [&json](std::string dotted) {
        std::replace(dotted.begin(), dotted.end(), '.', '/');
        return json.contains(nlohmann::json::json_pointer("/" + dotted));
    };
    for (const auto& key : intKeys()) {
        EXPECT_TRUE(has(key.path)) << key.path;
        ++leaves;
    }
    for (const auto& key : kBoolKeys) {
        EXPECT_TRUE(has(key.path)) << key.path;
        ++leaves;
    }
    for (const auto& key : kStringKeys) {
        EXPECT_TRUE(has(key.path)) << key.path;
        ++leaves;
    }
    EXPECT_EQ(json.flatten().size(), leaves); // nothing beyond the documented keys
    EXPECT_EQ(leaves, 51U);
    EXPECT_NE(text.find("\n  \"PerformanceSettings\": {\n    \"MaxConcurrentDownloads\": 17"),
              std::string::npos)
        << text;
}

TEST_F(ConfigTest, LayersApplyInOrderLaterWins) {
    const fs::path a = write("a.json", R"({"Retry": {"MaxTries": 2}, "Logging": {"MaxFiles": 7}})");
    const fs::path b = write("b.json", R"({"Retry": {"MaxTries": 3}})");
    const fs::path missing = dir_ / "missing.json";
    const fs::path req = write("req.json", R"({"Retry": {"MaxTries": 4}, "Foo": 0})");

    auto result = ConfigLoader::loadLayers({a, missing, b}, req);
    EXPECT_EQ(result.config.retry.maxTries, 4);
    EXPECT_EQ(result.config.logging.maxFiles, 7);
    EXPECT_EQ(result.config.network.maxRedirects, 10);
    EXPECT_EQ(result.loaded, (std::vector<fs::path>{a, b, req}));
    ASSERT_EQ(result.warnings.size(), 1U);
    EXPECT_EQ(result.warnings[0], "unknown key 'Foo' in " + req.string() + " (ignored)");

    result = ConfigLoader::loadLayers({b, a});
    EXPECT_EQ(result.config.retry.maxTries, 2);
    EXPECT_EQ(result.loaded, (std::vector<fs::path>{b, a}));

    result = ConfigLoader::loadLayers({missing});
    EXPECT_TRUE(result.loaded.empty());
    expectSameConfig(result.config, Config{});
}

TEST_F(ConfigTest, ErrorsFromFilesNameTheFile) {
    const fs::path bad = write("bad.json", "{\"Retry\": {\"MaxTries\": \"many\"}}");
    expectContains(errorOf([&] { ConfigLoader::loadLayers({bad}); }),
                   {bad.string() + ": Retry.MaxTries must be an integer, got \"many\""});
}

TEST_F(ConfigTest, MissingRequiredFileIsAnError) {
    const fs::path missing = dir_ / "nope.json";
    expectContains(errorOf([&] { ConfigLoader::loadLayers({}, missing); }),
                   {"cannot read config file " + missing.string() + ": "});
    expectContains(errorOf([&] { ConfigLoader::loadLayers({}, dir_); }),
                   {"cannot read config file " + dir_.string() + ": "});
}

TEST_F(ConfigTest, OversizedFileIsRejected) {
    const fs::path atLimit = write("limit.json", "{}" + std::string(1024 * 1024 - 2, ' '));
    EXPECT_EQ(ConfigLoader::loadLayers({atLimit}).loaded.size(), 1U);
    const fs::path big = write("big.json", "{}" + std::string(1024 * 1024 - 1, ' '));
    expectContains(errorOf([&] { ConfigLoader::loadLayers({}, big); }),
                   {"cannot read config file " + big.string(), "1 MiB"});
}

TEST_F(ConfigTest, DeeplyNestedValueFailsCleanly) {
    const std::size_t depth = 100000;
    const fs::path deep =
        write("deep.json", "{\"Retry\": {\"MaxTries\": " + std::string(depth, '[') +
                               std::string(depth, ']') + "}}");
    expectContains(errorOf([&] { ConfigLoader::loadLayers({deep}); }),
                   {"Retry.MaxTries must be an integer, got an array"});
}

} // namespace

TEST(ConfigQueue, ABadTimeWindowIsRefusedNamingTheKeyAndTheWindow) {
    const std::string error =
        applyError(R"({"Queue": {"TimeWindows": "01:00-07:00; weekdays 25:00-17:00"}})");
    expectContains(error, {"test.json", "Queue.TimeWindows", "25:00"});
    const Config ok = ConfigLoader::apply(
        Config{}, R"({"Queue": {"TimeWindows": "weekdays 09:00-17:00 at 512K"}})", "ok.json");
    EXPECT_EQ(ok.queue.timeWindows, "weekdays 09:00-17:00 at 512K");
}
