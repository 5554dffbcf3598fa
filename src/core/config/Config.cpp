// ConfigLoader: one schema table drives parsing, validation, defaults checking and toJson().
#include "core/config/Config.h"

#include "core/schedule/TimeWindow.h"

#include "DefaultConfig.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace maria2 {
namespace {

using Json = nlohmann::ordered_json; // keeps the file's key order, so warnings follow the file

constexpr std::size_t kMaxFileBytes = 1024 * 1024;
constexpr std::int64_t kNoLimit = 0; // min == max == kNoLimit: no range (bool, string)

// A setting is reached through a function returning a reference into Config; the variant's
// alternative is the setting's C++ type.
using IntRef = int& (*)(Config&);
using Int64Ref = std::int64_t& (*)(Config&);
using BoolRef = bool& (*)(Config&);
using StringRef = std::string& (*)(Config&);
using Ref = std::variant<IntRef, Int64Ref, BoolRef, StringRef>;

struct Field {
    std::string_view path;                     // dotted JSON key path
    Ref ref;                                   // where the value lives in Config
    std::int64_t min = kNoLimit;               // integers only: inclusive lower bound
    std::int64_t max = kNoLimit;               // integers only: inclusive upper bound
    std::span<const std::string_view> choices; // strings only: non-empty = an enum
};

template <auto Section, auto Member> auto& member(Config& c) {
    return (c.*Section).*Member;
}

template <auto Section, auto Member>
constexpr Field field(std::string_view path, std::int64_t min = kNoLimit,
                      std::int64_t max = kNoLimit, std::span<const std::string_view> choices = {}) {
    return Field{path, Ref{&member<Section, Member>}, min, max, choices};
}

constexpr std::array<std::string_view, 6> kLogLevels{"trace", "debug", "info",
                                                     "warn",  "error", "off"};
constexpr std::array<std::string_view, 3> kQueueFinishActions{"nothing", "sleep", "shutdown"};

using Perf = PerformanceSettings;
using Dl = DownloadSettings;
using Rt = RetrySettings;
using Net = NetworkSettings;
using Qu = QueueSettings;
using Mon = MonitorSettings;
using Ui = InterfaceSettings;
using Log = LoggingSettings;
constexpr auto P = &Config::performance;
constexpr auto D = &Config::download;
constexpr auto R = &Config::retry;
constexpr auto N = &Config::network;
constexpr auto Q = &Config::queue;
constexpr auto M = &Config::monitor;
constexpr auto I = &Config::ui;
constexpr auto L = &Config::logging;

// THE schema. Order = toJson() order. Adding a setting: add its struct member and one row here,
// its default to config/maria2.json (defaults() refuses to run otherwise) and a docs row.
constexpr std::array kFields{
    field<P, &Perf::maxConcurrentDownloads>("PerformanceSettings.MaxConcurrentDownloads", 1, 1000),
    field<P, &Perf::downloadSpeedLimit>("PerformanceSettings.DownloadSpeedLimit", 0,
                                        std::int64_t{1} << 40),
    field<P, &Perf::cacheSizeMb>("PerformanceSettings.CacheSize", 0, 1048576),
    field<P, &Perf::cpuUsagePercent>("PerformanceSettings.ResourceThreshold.CPUUsage", 1, 100),
    field<P, &Perf::memoryUsagePercent>("PerformanceSettings.ResourceThreshold.MemoryUsage", 1,
                                        100),
    field<D, &Dl::directory>("Download.Directory"),
    field<D, &Dl::allowOverwrite>("Download.AllowOverwrite"),
    field<D, &Dl::continueDownloads>("Download.Continue"),
    field<D, &Dl::split>("Download.Split", 1, 64),
    field<D, &Dl::maxConnectionsPerServer>("Download.MaxConnectionsPerServer", 1, 64),
    field<D, &Dl::minSplitSize>("Download.MinSplitSize", 4096, std::int64_t{1} << 30),
    field<D, &Dl::preallocate>("Download.Preallocate"),
    field<D, &Dl::controlSaveIntervalMs>("Download.ControlSaveIntervalMs", 100, 60000),
    field<D, &Dl::splitBelowSpeed>("Download.SplitBelowSpeed", 0, std::int64_t{1} << 40),
    field<D, &Dl::connectionCeiling>("Download.ConnectionCeiling", 1, 64),
    field<R, &Rt::maxTries>("Retry.MaxTries", 1, 1000),
    field<R, &Rt::initialDelayMs>("Retry.InitialDelayMs", 0, 3600000),
    field<R, &Rt::maxDelayMs>("Retry.MaxDelayMs", 0, 86400000),
    field<N, &Net::connectTimeoutSeconds>("Network.ConnectTimeoutSeconds", 1, 600),
    field<N, &Net::lowSpeedLimitBytes>("Network.LowSpeedLimitBytes", 0, std::int64_t{1} << 30),
    field<N, &Net::lowSpeedTimeSeconds>("Network.LowSpeedTimeSeconds", 1, 3600),
    field<N, &Net::maxRedirects>("Network.MaxRedirects", 0, 50),
    field<N, &Net::userAgent>("Network.UserAgent"),
    field<N, &Net::proxy>("Network.Proxy"),
    field<N, &Net::checkCertificate>("Network.CheckCertificate"),
    field<N, &Net::caCertificate>("Network.CACertificate"),
    field<N, &Net::keepHeadersAcrossHosts>("Network.KeepHeadersAcrossHosts"),
    field<N, &Net::allowInsecureRedirect>("Network.AllowInsecureRedirect"),
    field<Q, &Qu::maxDownloadsPerHost>("Queue.MaxDownloadsPerHost", 0, 1000),
    field<Q, &Qu::retries>("Queue.Retries", 0, 100),
    field<Q, &Qu::retryDelaySeconds>("Queue.RetryDelaySeconds", 1, 86400),
    field<Q, &Qu::retryMaxDelaySeconds>("Queue.RetryMaxDelaySeconds", 1, 604800),
    field<Q, &Qu::timeWindows>("Queue.TimeWindows"),
    field<Q, &Qu::stopOutsideWindows>("Queue.StopOutsideWindows"),
    field<M, &Mon::sampleIntervalMs>("Monitor.SampleIntervalMs", 100, 60000),
    field<M, &Mon::dwellSamples>("Monitor.DwellSamples", 1, 60),
    field<M, &Mon::recoveryMarginPercent>("Monitor.RecoveryMarginPercent", 1, 50),
    field<M, &Mon::freeSpaceFloorMb>("Monitor.FreeSpaceFloorMB", 0, 1048576),
    field<I, &Ui::progressIntervalMs>("Interface.ProgressIntervalMs", 100, 5000),
    field<I, &Ui::closeToTray>("Interface.CloseToTray"),
    field<I, &Ui::watchClipboard>("Interface.WatchClipboard"),
    field<I, &Ui::notifications>("Interface.Notifications"),
    field<I, &Ui::keepAwake>("Interface.KeepAwake"),
    field<I, &Ui::whenQueueFinishes>("Interface.WhenQueueFinishes", kNoLimit, kNoLimit,
                                     kQueueFinishActions),
    field<I, &Ui::dropTarget>("Interface.DropTarget"),
    field<I, &Ui::speedLimitPresets>("Interface.SpeedLimitPresets"),
    field<I, &Ui::confirmUrlsFromOtherProcesses>("Interface.ConfirmUrlsFromOtherProcesses"),
    field<L, &Log::level>("Logging.Level", kNoLimit, kNoLimit, kLogLevels),
    field<L, &Log::toFile>("Logging.File"),
    field<L, &Log::maxFileSizeMb>("Logging.MaxFileSizeMB", 1, 1024),
    field<L, &Log::maxFiles>("Logging.MaxFiles", 1, 100),
};

static_assert(std::ranges::all_of(kFields, [](const Field& f) {
    const bool isInt = std::holds_alternative<IntRef>(f.ref);
    const bool isInt64 = std::holds_alternative<Int64Ref>(f.ref);
    const bool ranged = f.min != kNoLimit || f.max != kNoLimit;
    return (isInt || isInt64 || !ranged) && f.min <= f.max &&
           (!isInt || f.max <= std::numeric_limits<int>::max()) &&
           (f.choices.empty() || std::holds_alternative<StringRef>(f.ref));
}));

const Field* findField(std::string_view path) {
    const auto it = std::ranges::find(kFields, path, &Field::path);
    return it == kFields.end() ? nullptr : &*it;
}

// True when `path` names an object that contains settings (a section or a sub-group).
bool isGroup(std::string_view path) {
    return std::ranges::any_of(kFields, [path](const Field& f) {
        return f.path.size() > path.size() && f.path.starts_with(path) &&
               f.path[path.size()] == '.';
    });
}

// Cuts `s` to at most `max` bytes (plus "..."), never inside a UTF-8 sequence.
std::string shortened(std::string s, std::size_t max, bool ellipsis = true) {
    if (s.size() > max) {
        while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) {
            --max;
        }
        s.resize(max);
        s += ellipsis ? "..." : "";
    }
    return s;
}

// A value for a message: scalars as dumped (long strings shortened), containers by kind only,
// so a hostile deeply nested value is never serialised recursively.
std::string shown(const Json& value) {
    if (value.is_array()) {
        return "an array";
    }
    if (value.is_object()) {
        return "an object";
    }
    constexpr std::size_t kMaxShown = 60;
    if (value.is_string() && value.get_ref<const std::string&>().size() > kMaxShown) {
        const Json cut = shortened(value.get<std::string>(), kMaxShown, false);
        return cut.dump(-1, ' ', false, Json::error_handler_t::replace) + "...";
    }
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string displayPath(const std::filesystem::path& path) {
    const std::u8string u8 = path.u8string();
    return {reinterpret_cast<const char*>(u8.data()), u8.size()};
}

struct Applier {
    const std::string& origin;
    Config config;
    std::vector<std::string> warnings;
    std::array<bool, kFields.size()> seen{};

    [[noreturn]] void fail(const std::string& what) const {
        throw ConfigError(origin + ": " + what);
    }
    [[noreturn]] void typeError(std::string_view path, const char* expected,
                                const Json& value) const {
        fail(std::string(path) + " must be " + expected + ", got " + shown(value));
    }

    std::int64_t integer(const Field& f, const Json& value) const {
        bool inRange = false;
        std::int64_t result = 0;
        if (value.is_number_unsigned()) {
            const auto u = value.get<std::uint64_t>();
            inRange = u <= static_cast<std::uint64_t>(f.max);
            result = inRange ? static_cast<std::int64_t>(u) : 0;
            inRange = inRange && result >= f.min;
        } else if (value.is_number_integer()) {
            result = value.get<std::int64_t>();
            inRange = result >= f.min && result <= f.max;
        } else if (value.is_number_float()) {
            const double d = value.get<double>();
            if (std::trunc(d) != d) {
                typeError(f.path, "an integer", value);
            }
            inRange = d >= static_cast<double>(f.min) && d <= static_cast<double>(f.max);
            result = inRange ? static_cast<std::int64_t>(d) : 0;
        } else {
            typeError(f.path, "an integer", value); // booleans are not integers
        }
        if (!inRange) {
            fail(std::string(f.path) + " = " + shown(value) + " is out of range (" +
                 std::to_string(f.min) + ".." + std::to_string(f.max) + ")");
        }
        return result;
    }

    void assign(const Field& f, const Json& value) {
        seen[static_cast<std::size_t>(&f - kFields.data())] = true;
        std::visit(
            [&](auto ref) {
                auto& target = ref(config);
                using T = std::remove_reference_t<decltype(target)>;
                if constexpr (std::is_same_v<T, bool>) {
                    if (!value.is_boolean()) {
                        typeError(f.path, "a boolean (true or false)", value);
                    }
                    target = value.get<bool>();
                } else if constexpr (std::is_same_v<T, std::string>) {
                    if (!value.is_string()) {
                        typeError(f.path, "a string", value);
                    }
                    const auto& s = value.get_ref<const std::string&>();
                    if (!f.choices.empty() && std::ranges::find(f.choices, s) == f.choices.end()) {
                        std::string list;
                        for (std::string_view c : f.choices) {
                            list += (list.empty() ? "" : "|") + std::string(c);
                        }
                        typeError(f.path, ("one of " + list).c_str(), value);
                    }
                    target = s;
                } else {
                    target = static_cast<T>(integer(f, value));
                }
            },
            f.ref);
    }

    void walk(const Json& object, const std::string& prefix) {
        for (const auto& [key, value] : object.items()) {
            const std::string path = prefix.empty() ? key : prefix + "." + key;
            if (const Field* f = findField(path)) {
                assign(*f, value);
            } else if (isGroup(path)) {
                if (!value.is_object()) {
                    typeError(path, "an object", value);
                }
                walk(value, path);
            } else {
                warnings.push_back("unknown key '" + path + "' in " + origin + " (ignored)");
            }
        }
    }
};

Json parse(const std::string& text, const std::string& origin) {
    try {
        return Json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const Json::parse_error& e) {
        // e.byte is the 1-based offset of the last character read, i.e. where parsing stopped.
        const std::size_t upto = std::min(e.byte > 0 ? e.byte - 1 : 0, text.size());
        const auto line = 1 + std::count(text.begin(), text.begin() + upto, '\n');
        const std::size_t newline = upto == 0 ? std::string::npos : text.rfind('\n', upto - 1);
        const std::size_t column = upto - (newline == std::string::npos ? 0 : newline + 1) + 1;
        std::string detail = e.what();
        if (const auto colon = detail.find(": "); colon != std::string::npos) {
            detail.erase(0, colon + 2); // drop "[json.exception...] parse error at ...: "
        }
        if (detail.starts_with("syntax error ")) {
            detail.erase(0, 13);
        }
        throw ConfigError(origin + ": syntax error at line " + std::to_string(line) + ", column " +
                          std::to_string(column) + ": " + shortened(detail, 200));
    } catch (const Json::exception& e) { // e.g. out_of_range.406: number overflow
        std::string detail = e.what();
        if (const auto bracket = detail.find("] "); bracket != std::string::npos) {
            detail.erase(0, bracket + 2);
        }
        throw ConfigError(origin + ": invalid JSON: " + shortened(detail, 200));
    }
}

Applier applyAll(const Config& base, const std::string& text, const std::string& origin) {
    const Json root = parse(text, origin);
    Applier applier{origin, base, {}, {}};
    if (!root.is_object()) {
        applier.fail("the top level must be a JSON object { ... }, got " + shown(root));
    }
    applier.walk(root, "");
    const RetrySettings& retry = applier.config.retry;
    if (retry.initialDelayMs > retry.maxDelayMs) {
        applier.fail("Retry.InitialDelayMs (" + std::to_string(retry.initialDelayMs) +
                     ") must not be greater than Retry.MaxDelayMs (" +
                     std::to_string(retry.maxDelayMs) + ")");
    }
    return applier;
}

std::string readConfigFile(const std::filesystem::path& path) {
    const std::string name = displayPath(path);
    const auto cannot = [&name](const std::string& reason) {
        return ConfigError("cannot read config file " + name + ": " + reason);
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw cannot("it is a directory");
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        throw cannot(err != 0 ? std::generic_category().message(err) : "cannot open");
    }
    std::string text;
    std::array<char, 64 * 1024> chunk{};
    while (in && text.size() <= kMaxFileBytes) {
        in.read(chunk.data(), chunk.size());
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) {
        throw cannot("read error");
    }
    if (text.size() > kMaxFileBytes) {
        throw cannot("larger than 1 MiB; a config file is only a few KiB");
    }
    return text;
}

} // namespace

Config ConfigLoader::defaults() {
    static const Config cached = [] {
        const std::string origin = "<built-in defaults>";
        const Applier applied = applyAll(Config{}, generated::kDefaultConfigJson, origin);
        // The built-in file must name every setting exactly once, and nothing else.
        std::string problems;
        for (const std::string& w : applied.warnings) {
            problems += "\n  " + w;
        }
        for (std::size_t i = 0; i < kFields.size(); ++i) {
            if (!applied.seen[i]) {
                problems += "\n  missing key '" + std::string(kFields[i].path) + "'";
            }
        }
        if (!problems.empty()) {
            throw ConfigError(origin +
                              ": config/maria2.json does not match the schema:" + problems);
        }
        return applied.config;
    }();
    return cached;
}

Config ConfigLoader::apply(const Config& base, const std::string& jsonText,
                           const std::string& origin, std::vector<std::string>* warnings) {
    Applier applied = applyAll(base, jsonText, origin);
    // A value with its own grammar: checked here so a bad window is refused when loaded, with
    // the file and key, not discovered when the scheduler first reads it.
    try {
        (void)WindowSchedule::parse(applied.config.queue.timeWindows);
    } catch (const TimeWindowError& e) {
        throw ConfigError(origin + ": Queue.TimeWindows: " + e.what());
    }
    try {
        (void)parseSpeedList(applied.config.ui.speedLimitPresets);
    } catch (const TimeWindowError& e) {
        throw ConfigError(origin + ": Interface.SpeedLimitPresets: " + e.what());
    }
    if (warnings != nullptr) {
        warnings->insert(warnings->end(), applied.warnings.begin(), applied.warnings.end());
    }
    return std::move(applied.config);
}

ConfigLoadResult ConfigLoader::loadLayers(const std::vector<std::filesystem::path>& optionalFiles,
                                          const std::filesystem::path& requiredFile) {
    ConfigLoadResult result{defaults(), {}, {}};
    const auto layer = [&result](const std::filesystem::path& file) {
        result.config =
            apply(result.config, readConfigFile(file), displayPath(file), &result.warnings);
        result.loaded.push_back(file);
    };
    for (const auto& file : optionalFiles) {
        std::error_code ec;
        if (std::filesystem::exists(file, ec)) {
            layer(file); // exists but unreadable or invalid: an error, not silently skipped
        }
    }
    if (!requiredFile.empty()) {
        std::error_code ec;
        if (!std::filesystem::exists(requiredFile, ec)) {
            throw ConfigError("cannot read config file " + displayPath(requiredFile) + ": " +
                              (ec ? ec.message() : "no such file"));
        }
        layer(requiredFile);
    }
    return result;
}

std::string ConfigLoader::toJson(const Config& config) {
    Config copy = config; // the accessors hand out mutable references
    Json root = Json::object();
    for (const Field& f : kFields) {
        Json* node = &root;
        std::string_view rest = f.path;
        for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
            node = &(*node)[std::string(rest.substr(0, dot))];
            rest.remove_prefix(dot + 1);
        }
        std::visit([&](auto ref) { (*node)[std::string(rest)] = ref(copy); }, f.ref);
    }
    return root.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace maria2
