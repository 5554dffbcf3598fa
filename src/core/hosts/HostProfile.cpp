#include "core/hosts/HostProfile.h"
#include "core/text/Text.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

namespace maria2 {

namespace {

struct CurlUrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlFree {
    void operator()(char* p) const { curl_free(p); }
};
using CurlString = std::unique_ptr<char, CurlFree>;

std::optional<std::string> urlPart(CURLU* u, CURLUPart part, unsigned flags) {
    char* raw = nullptr;
    if (curl_url_get(u, part, &raw, flags) != CURLUE_OK || raw == nullptr) {
        return std::nullopt;
    }
    const CurlString owned(raw);
    return std::string(owned.get());
}

bool isRate(double v) {
    return std::isfinite(v) && v >= 0 && v <= 1;
}
bool isNonNegative(double v) {
    return std::isfinite(v) && v >= 0;
}

nlohmann::json ewmaToJson(const Ewma& e) {
    return {{"value", e.value}, {"samples", e.samples}};
}

// Every reader below checks the type before converting, so no nlohmann exception can escape;
// the outer try in fromJson is a second fence, not the plan.
class Reader {
public:
    explicit Reader(std::string* error)
        : m_error(error) {}

    bool fail(const std::string& what) {
        if (m_error != nullptr && m_ok) {
            *m_error = what;
        }
        m_ok = false;
        return false;
    }
    bool ok() const { return m_ok; }

    // Optional integer field: absent keeps *out; present must be an integer in [lo, hi].
    template <typename Int>
    void integer(const nlohmann::json& obj, const char* key, Int* out, std::int64_t lo,
                 std::int64_t hi) {
        const auto it = obj.find(key);
        if (it == obj.end()) {
            return;
        }
        if (!it->is_number_integer()) {
            fail(std::string("'") + key + "' is not an integer");
            return;
        }
        std::int64_t v = 0;
        if (it->is_number_unsigned()) {
            const auto u = it->get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                fail(std::string("'") + key + "' is out of range");
                return;
            }
            v = static_cast<std::int64_t>(u);
        } else {
            v = it->get<std::int64_t>();
        }
        if (v < lo || v > hi) {
            fail(std::string("'") + key + "' is out of range");
            return;
        }
        *out = static_cast<Int>(v);
    }

    // Optional {"value": number, "samples": integer} field: absent keeps *out.
    void ewma(const nlohmann::json& obj, const char* key, Ewma* out, bool isRateValue) {
        const auto it = obj.find(key);
        if (it != obj.end()) {
            ewmaFields(*it, key, out, isRateValue);
        }
    }

    // The fields of an Ewma, read from obj itself.
    void ewmaFields(const nlohmann::json& obj, const std::string& what, Ewma* out,
                    bool isRateValue) {
        if (!obj.is_object()) {
            fail("'" + what + "' is not an object");
            return;
        }
        const auto value = obj.find("value");
        if (value == obj.end() || !value->is_number()) {
            fail("'" + what + ".value' is not a number");
            return;
        }
        const double v = value->get<double>();
        if (isRateValue ? !isRate(v) : !isNonNegative(v)) {
            fail("'" + what + ".value' is out of range");
            return;
        }
        Ewma e;
        e.value = v;
        integer(obj, "samples", &e.samples, 0, std::numeric_limits<std::int64_t>::max());
        *out = e;
    }

private:
    std::string* m_error;
    bool m_ok = true;
};

constexpr std::int64_t kMaxCount = std::numeric_limits<std::int64_t>::max();

} // namespace

std::optional<std::string> hostKeyFromUrl(std::string_view url) {
    const std::unique_ptr<CURLU, CurlUrlDeleter> u(curl_url());
    if (!u) {
        return std::nullopt;
    }
    const std::string text(url);
    if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        return std::nullopt;
    }
    const auto scheme = urlPart(u.get(), CURLUPART_SCHEME, 0);
    const auto host = urlPart(u.get(), CURLUPART_HOST, 0);
    if (!scheme || !host || host->empty()) {
        return std::nullopt;
    }
    std::string key = text::toLower(*scheme) + "://" + text::toLower(*host);
    if (const auto port = urlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT)) {
        key += ":" + *port;
    }
    return key;
}

std::string hostLabel(std::string_view hostKey) {
    const auto sep = hostKey.find("://");
    return std::string(sep == std::string_view::npos ? hostKey : hostKey.substr(sep + 3));
}

int connectionBucket(int connections) {
    int bucket = 1;
    while (bucket * 2 <= connections && bucket * 2 <= kMaxConnectionBucket) {
        bucket *= 2;
    }
    return bucket;
}

void Ewma::add(double sample, double alpha) {
    value = samples == 0 ? sample : alpha * sample + (1 - alpha) * value;
    ++samples;
}

void HostProfile::apply(const TransferObservation& o) {
    ++downloads;
    updatedAtUnixMs = std::max(updatedAtUnixMs, o.atUnixMs);
    if (o.httpVersion != HttpVersion::Unknown) {
        httpVersion = o.httpVersion;
    }
    if (o.ttfbSeconds >= 0 && std::isfinite(o.ttfbSeconds)) {
        ttfbSeconds.add(o.ttfbSeconds, kAlpha);
    }
    failureRate.add(o.ok ? 0.0 : 1.0, kAlpha);
    const int conns = std::max(1, o.connections);

    const bool throttledNow = o.httpStatus == 429 || o.httpStatus == 503;
    if (throttledNow) {
        ++throttled;
        // It objected at this count: assume half is tolerated, and never raise the hint
        // on a throttle.
        const int tolerated = std::max(1, conns / 2);
        maxConcurrencyHint =
            maxConcurrencyHint == 0 ? tolerated : std::min(maxConcurrencyHint, tolerated);
    } else if (o.ok && maxConcurrencyHint != 0 && conns > maxConcurrencyHint) {
        maxConcurrencyHint = conns; // it took more than we thought without objecting
    }

    EngineStats* engine = nullptr;
    if (!o.engine.empty() && (engines.count(o.engine) != 0 || engines.size() < kMaxEngines)) {
        engine = &engines[o.engine];
    }
    if (!o.ok) {
        ++failures;
        if (engine != nullptr) {
            ++engine->failures;
        }
        return; // a failed transfer's rate says nothing about the server's speed
    }
    if (o.bytes < kMinThroughputBytes || !(o.seconds > 0) || !std::isfinite(o.seconds)) {
        return;
    }
    const double total = static_cast<double>(o.bytes) / o.seconds;
    totalThroughput.add(total, kAlpha);
    perConnectionThroughput.add(total / conns, kAlpha);
    totalByConnections[connectionBucket(conns)].add(total, kAlpha);
    if (engine != nullptr) {
        engine->throughput.add(total, kAlpha);
    }
}

std::optional<bool> HostProfile::perConnectionCapped() const {
    if (totalByConnections.empty()) {
        return std::nullopt;
    }
    const auto& [fewest, base] = *totalByConnections.begin();
    std::optional<double> best;
    for (const auto& [conns, total] : totalByConnections) {
        if (conns >= 2 * fewest && total.samples > 0) {
            best = std::max(best.value_or(0.0), total.value);
        }
    }
    if (!best || base.samples == 0) {
        return std::nullopt;
    }
    return *best > kCappedRatio * base.value;
}

nlohmann::json HostProfile::toJson() const {
    nlohmann::json byConns = nlohmann::json::array();
    for (const auto& [conns, total] : totalByConnections) {
        byConns.push_back(
            {{"connections", conns}, {"value", total.value}, {"samples", total.samples}});
    }
    nlohmann::json byEngine = nlohmann::json::object();
    for (const auto& [name, stats] : engines) {
        byEngine[name] = {{"throughput", ewmaToJson(stats.throughput)},
                          {"failures", stats.failures}};
    }
    return {
        {"version", kJsonVersion},
        {"host", host},
        {"perConnectionThroughput", ewmaToJson(perConnectionThroughput)},
        {"totalThroughput", ewmaToJson(totalThroughput)},
        {"ttfbSeconds", ewmaToJson(ttfbSeconds)},
        {"failureRate", ewmaToJson(failureRate)},
        {"downloads", downloads},
        {"failures", failures},
        {"throttled", throttled},
        {"learnedConnectionCap", learnedConnectionCap},
        {"maxConcurrencyHint", maxConcurrencyHint},
        {"httpVersion", static_cast<int>(httpVersion)},
        {"updatedAtUnixMs", updatedAtUnixMs},
        {"totalByConnections", std::move(byConns)},
        {"engines", std::move(byEngine)},
    };
}

std::optional<HostProfile> HostProfile::fromJson(const nlohmann::json& json, std::string* error) {
    try {
        Reader r(error);
        if (!json.is_object()) {
            r.fail("not a JSON object");
            return std::nullopt;
        }
        const auto version = json.find("version");
        if (version == json.end() || !version->is_number_integer() ||
            version->get<std::int64_t>() != kJsonVersion) {
            r.fail("missing or unsupported 'version'");
            return std::nullopt;
        }
        const auto host = json.find("host");
        if (host == json.end() || !host->is_string() || host->get<std::string>().empty()) {
            r.fail("missing 'host'");
            return std::nullopt;
        }
        HostProfile p;
        p.host = host->get<std::string>();
        r.ewma(json, "perConnectionThroughput", &p.perConnectionThroughput, false);
        r.ewma(json, "totalThroughput", &p.totalThroughput, false);
        r.ewma(json, "ttfbSeconds", &p.ttfbSeconds, false);
        r.ewma(json, "failureRate", &p.failureRate, true);
        r.integer(json, "downloads", &p.downloads, 0, kMaxCount);
        r.integer(json, "failures", &p.failures, 0, kMaxCount);
        r.integer(json, "throttled", &p.throttled, 0, kMaxCount);
        r.integer(json, "learnedConnectionCap", &p.learnedConnectionCap, 0, 1024);
        r.integer(json, "maxConcurrencyHint", &p.maxConcurrencyHint, 0, 1024);
        r.integer(json, "updatedAtUnixMs", &p.updatedAtUnixMs, 0, kMaxCount);
        int httpVersionValue = 0;
        r.integer(json, "httpVersion", &httpVersionValue, 0, 1000);
        p.httpVersion = httpVersionFromInt(httpVersionValue);
        if (!r.ok()) {
            return std::nullopt;
        }

        if (const auto it = json.find("totalByConnections"); it != json.end()) {
            if (!it->is_array() || it->size() > 32) {
                r.fail("'totalByConnections' is not a short array");
                return std::nullopt;
            }
            for (const auto& item : *it) {
                if (!item.is_object()) {
                    r.fail("'totalByConnections' holds a non-object");
                    return std::nullopt;
                }
                int conns = 0;
                r.integer(item, "connections", &conns, 1, kMaxConnectionBucket);
                Ewma e;
                r.ewmaFields(item, "totalByConnections", &e, false);
                if (!r.ok() || conns == 0) {
                    r.fail("bad 'totalByConnections' entry");
                    return std::nullopt;
                }
                p.totalByConnections[connectionBucket(conns)] = e;
            }
        }
        if (const auto it = json.find("engines"); it != json.end()) {
            if (!it->is_object() || it->size() > kMaxEngines) {
                r.fail("'engines' is not a small object");
                return std::nullopt;
            }
            for (const auto& [name, item] : it->items()) {
                if (name.empty() || !item.is_object()) {
                    r.fail("bad 'engines' entry");
                    return std::nullopt;
                }
                EngineStats stats;
                r.ewma(item, "throughput", &stats.throughput, false);
                r.integer(item, "failures", &stats.failures, 0, kMaxCount);
                p.engines[name] = stats;
            }
        }
        if (!r.ok()) {
            return std::nullopt;
        }
        return p;
    } catch (const nlohmann::json::exception& e) {
        if (error != nullptr) {
            *error = e.what();
        }
        return std::nullopt;
    }
}

HostProfileBook::HostProfileBook(std::size_t maxHosts)
    : m_maxHosts(std::max<std::size_t>(1, maxHosts)) {
}

HostProfile& HostProfileBook::touchLocked(const std::string& hostKey) {
    auto found = m_hosts.find(hostKey);
    if (found == m_hosts.end()) {
        if (m_hosts.size() >= m_maxHosts) {
            // A linear scan: it runs only when a new host arrives at a full book, and the
            // book holds a few thousand hosts at most.
            auto oldest =
                std::min_element(m_hosts.begin(), m_hosts.end(), [](const auto& a, const auto& b) {
                    return a.second.touched < b.second.touched;
                });
            m_hosts.erase(oldest);
        }
        found = m_hosts.emplace(hostKey, Slot{}).first;
        found->second.profile.host = hostKey;
    }
    found->second.touched = ++m_clock;
    return found->second.profile;
}

void HostProfileBook::record(const std::string& hostKey, const TransferObservation& observation) {
    const std::lock_guard lock(m_mutex);
    touchLocked(hostKey).apply(observation);
}

void HostProfileBook::record(const std::string& hostKey, const std::string& engine, int connections,
                             std::int64_t bytes, double seconds, double ttfbSeconds, bool ok,
                             int httpStatus, std::int64_t atUnixMs) {
    TransferObservation o;
    o.engine = engine;
    o.connections = connections;
    o.bytes = bytes;
    o.seconds = seconds;
    o.ttfbSeconds = ttfbSeconds;
    o.ok = ok;
    o.httpStatus = httpStatus;
    o.atUnixMs = atUnixMs;
    record(hostKey, o);
}

void HostProfileBook::setLearnedCap(const std::string& hostKey, int cap) {
    const std::lock_guard lock(m_mutex);
    touchLocked(hostKey).learnedConnectionCap = std::max(0, cap);
}

void HostProfileBook::put(HostProfile profile) {
    if (profile.host.empty()) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    const std::string key = profile.host;
    touchLocked(key) = std::move(profile);
}

std::optional<HostProfile> HostProfileBook::snapshot(const std::string& hostKey) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_hosts.find(hostKey);
    if (found == m_hosts.end()) {
        return std::nullopt;
    }
    return found->second.profile;
}

std::vector<HostProfile> HostProfileBook::all() const {
    const std::lock_guard lock(m_mutex);
    std::vector<HostProfile> out;
    out.reserve(m_hosts.size());
    for (const auto& [key, slot] : m_hosts) {
        out.push_back(slot.profile);
    }
    return out;
}

std::size_t HostProfileBook::size() const {
    const std::lock_guard lock(m_mutex);
    return m_hosts.size();
}

} // namespace maria2
