#include "core/routing/EngineScorer.h"
#include "core/text/Text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <utility>

namespace maria2 {

namespace {

enum class SizeClass { Unknown, Small, Medium, Big };

// Everything the fit rules look at, worked out once per request.
struct Shape {
    std::string scheme;
    std::int64_t size = -1;
    SizeClass sizeClass = SizeClass::Unknown;
    bool many = false; // several files arriving together
    std::optional<bool> ranges;
    HttpVersion version = HttpVersion::Unknown;
    std::optional<bool> capped; // host caps each connection
    bool ftpFamily = false;
    bool tls = false;
};

struct Fit {
    double value = 0;
    std::string note;
};

double clamp01(double v) {
    return std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : 0.0;
}

std::string fixed2(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

Shape shapeOf(const RouteRequest& request, const RouteKnowledge& knowledge,
              const ScorerConfig& config) {
    Shape s;
    s.scheme = text::toLower(request.scheme);
    s.ftpFamily =
        s.scheme == "ftp" || s.scheme == "ftps" || s.scheme == "sftp" || s.scheme == "scp";
    s.tls = s.scheme == "https";
    s.many = request.fileCount > 1;
    s.size = request.expectedSize;
    if (knowledge.metadata) {
        if (s.size < 0) {
            s.size = knowledge.metadata->size;
        }
        s.ranges = knowledge.metadata->acceptRanges;
        s.version = knowledge.metadata->httpVersion;
    }
    if (knowledge.host) {
        if (s.version == HttpVersion::Unknown) {
            s.version = knowledge.host->httpVersion;
        }
        s.capped = knowledge.host->perConnectionCapped();
    }
    if (s.size < 0) {
        s.sizeClass = SizeClass::Unknown;
    } else if (s.size < config.smallFileBytes) {
        s.sizeClass = SizeClass::Small;
    } else if (s.size >= config.bigFileBytes) {
        s.sizeClass = SizeClass::Big;
    } else {
        s.sizeClass = SizeClass::Medium;
    }
    return s;
}

// --- The fit rules: one function per engine kind, each a small table. -----------------------

Fit fitSegmented(const Shape& s) {
    if (s.ranges == false) {
        return {0.1, "server refuses ranges: cannot split"};
    }
    // Many files of unknown size from a host known to cap each connection: likely big ones
    // that need splitting, so the size classes below decide.
    if (s.many && s.sizeClass != SizeClass::Big &&
        !(s.sizeClass == SizeClass::Unknown && s.capped == true)) {
        return {0.2, "many small files: splitting each costs more than it saves"};
    }
    const std::string size =
        s.size >= 0 ? " (" + text::formatBytes(static_cast<double>(s.size)) + ")" : "";
    switch (s.sizeClass) {
    case SizeClass::Big:
        if (s.capped == true) {
            return {1.0, "big file" + size + ", host caps each connection"};
        }
        if (s.capped == false) {
            return {0.5, "big file" + size + ", but more connections did not help here"};
        }
        return {0.7, "big file" + size + ", unknown host: splitting usually pays"};
    case SizeClass::Medium:
        return {0.5, "mid-size file" + size};
    case SizeClass::Small:
        return {0.1, "small file" + size + ": splitting costs more than it saves"};
    case SizeClass::Unknown:
        break;
    }
    return {0.55, "size unknown: one stream first, split once the size is known"};
}

Fit fitMultiplex(const Shape& s) {
    if (s.version == HttpVersion::Http1_0 || s.version == HttpVersion::Http1_1) {
        return {0.15, "host speaks only HTTP/1.x: nothing to multiplex"};
    }
    if (isMultiplexing(s.version)) {
        const std::string v = toString(s.version);
        if (s.many || s.sizeClass == SizeClass::Unknown) {
            return {0.9, "host speaks HTTP/" + v + ": many requests share one connection"};
        }
        switch (s.sizeClass) {
        case SizeClass::Small:
            return {0.75, "small file on an HTTP/" + v + " host: reuses its connection"};
        case SizeClass::Medium:
            return {0.6, "mid-size file on an HTTP/" + v + " host"};
        case SizeClass::Big:
            return s.capped == true
                       ? Fit{0.3, "big file, host caps each connection: one is too few"}
                       : Fit{0.45, "big file on an HTTP/" + v + " host"};
        case SizeClass::Unknown:
            break;
        }
    }
    if (!s.tls) {
        return {0.2, "cleartext HTTP: HTTP/2 is almost never offered without TLS"};
    }
    switch (s.sizeClass) {
    case SizeClass::Small:
        return {0.45, "small file, HTTP version unknown"};
    case SizeClass::Medium:
        return {0.4, "mid-size file, HTTP version unknown"};
    case SizeClass::Big:
        return {0.3, "big file, HTTP version unknown"};
    case SizeClass::Unknown:
        break;
    }
    return {0.4, "HTTP version unknown"};
}

Fit fitBulk(const Shape& s) {
    if (s.many && s.sizeClass != SizeClass::Big) {
        // On an HTTP/2 host the multiplexing engine does the same over one connection.
        return isMultiplexing(s.version) ? Fit{0.7, "many small files"}
                                         : Fit{0.85, "many small files, one request each"};
    }
    switch (s.sizeClass) {
    case SizeClass::Small:
        return {0.85, "small file (" + text::formatBytes(static_cast<double>(s.size)) +
                          "): one quick request"};
    case SizeClass::Medium:
        return {0.45, "mid-size file (" + text::formatBytes(static_cast<double>(s.size)) + ")"};
    case SizeClass::Big:
        return {0.15, "big file on one connection"};
    case SizeClass::Unknown:
        break;
    }
    return {0.4, "size unknown"};
}

Fit fitFor(EngineKind kind, const Shape& s) {
    if (s.ftpFamily) {
        return kind == EngineKind::Generic ? Fit{1.0, s.scheme + ": the generic engine's job"}
                                           : Fit{0.3, s.scheme + " is not this engine's trade"};
    }
    switch (kind) {
    case EngineKind::Segmented:
        return fitSegmented(s);
    case EngineKind::Multiplex:
        return fitMultiplex(s);
    case EngineKind::Bulk:
        return fitBulk(s);
    case EngineKind::Generic:
        break;
    }
    return {0.25, "generic fallback"};
}

// HTTP/2 and 3 help engines that put many requests on one connection. A segmented engine
// wants separate connections, so the host's version does not count for it.
double protocolMatch(const EngineStatus& e, const Shape& s) {
    if (e.kind != EngineKind::Multiplex && e.kind != EngineKind::Bulk) {
        return 0;
    }
    if (s.version == HttpVersion::Http3) {
        return e.http3 ? 1.0 : (e.http2 ? 0.5 : 0.0);
    }
    if (s.version == HttpVersion::Http2) {
        return e.http2 ? 1.0 : 0.0;
    }
    return 0;
}

// This engine's throughput on the host relative to the best engine's there. Only when at
// least two engines have been measured: one measured engine alone would win on having been
// tried, which is the learner's business (exploration), not history's.
double historyShare(const std::string& name, const RouteKnowledge& k) {
    if (!k.host) {
        return 0;
    }
    double best = 0;
    int measured = 0;
    for (const auto& [engine, stats] : k.host->engines) {
        if (stats.throughput.samples > 0) {
            ++measured;
            best = std::max(best, stats.throughput.value);
        }
    }
    const auto it = k.host->engines.find(name);
    if (measured < 2 || best <= 0 || it == k.host->engines.end() ||
        it->second.throughput.samples == 0) {
        return 0;
    }
    return clamp01(it->second.throughput.value / best);
}

// How much an engine's connections cost the machine, relative to the others.
double connectionIntensity(EngineKind kind) {
    switch (kind) {
    case EngineKind::Segmented:
        return 1.0;
    case EngineKind::Bulk:
        return 0.6;
    case EngineKind::Generic:
        return 0.3;
    case EngineKind::Multiplex:
        return 0.2;
    }
    return 1.0;
}

double loadOf(const EngineStatus& e) {
    if (e.capacity <= 0) {
        return 0;
    }
    return clamp01(static_cast<double>(std::max(0, e.activeTransfers)) / e.capacity);
}

double scarcity(const ResourceHeadroom& h) {
    const double cpu = std::isfinite(h.cpu) ? h.cpu : 1.0;
    const double mem = std::isfinite(h.memory) ? h.memory : 1.0;
    return 1.0 - std::clamp(std::min(cpu, mem), 0.0, 1.0);
}

EngineScore scoreEngine(const EngineStatus& e, const RouteRequest& request, const Shape& s,
                        const RouteKnowledge& k, const ResourceHeadroom& headroom,
                        const ScorerWeights& w) {
    EngineScore out;
    out.name = e.name;
    out.kind = e.kind;
    out.eligible = e.supports(s.scheme);
    if (!out.eligible) {
        out.note = "does not support " + (s.scheme.empty() ? "this URL" : s.scheme);
        return out;
    }
    const Fit fit = fitFor(e.kind, s);
    out.note = fit.note;
    double user = 0;
    if (e.kind == EngineKind::Segmented && request.userSplit > 1) {
        user = 1;
    } else if (e.kind == EngineKind::Segmented && request.userSplit == 1) {
        user = -1;
    }
    const auto bonus = k.learnerBonus.find(e.name);
    out.parts = {
        {"fit", w.fit * fit.value},
        {"protocol", w.protocol * protocolMatch(e, s)},
        {"history", w.history * historyShare(e.name, k)},
        {"learner", w.learner * (bonus == k.learnerBonus.end() ? 0.0 : clamp01(bonus->second))},
        {"user", w.user * user},
        {"load", -w.load * loadOf(e)},
        {"headroom", -w.headroom * scarcity(headroom) * connectionIntensity(e.kind)},
        // No handshake, no slow start, and on HTTP/2 one more stream instead of one more
        // connection: the next file of a host belongs where its connections are.
        {"reuse", w.reuse * (e.warm ? 1.0 : 0.0)},
    };
    double sum = 0;
    for (const auto& [name, value] : out.parts) {
        sum += value;
    }
    out.score = clamp01(sum);
    return out;
}

// Best first: eligible, higher score, less loaded, then by name so ties are stable.
bool better(const EngineScore& a, double loadA, const EngineScore& b, double loadB) {
    if (a.eligible != b.eligible) {
        return a.eligible;
    }
    if (a.score != b.score) {
        return a.score > b.score;
    }
    if (loadA != loadB) {
        return loadA < loadB;
    }
    return a.name < b.name;
}

int recommendConnections(EngineKind kind, const RouteRequest& request, const Shape& s,
                         const RouteKnowledge& k, const ResourceHeadroom& headroom,
                         const ScorerConfig& c) {
    const int ceiling = std::max(1, c.connectionCeiling);
    if (kind == EngineKind::Multiplex || kind == EngineKind::Bulk) {
        return 1; // streams or separate downloads, not split ranges
    }
    if (request.userSplit > 0) {
        return std::clamp(request.userSplit, 1, ceiling); // the user's word
    }
    if (kind == EngineKind::Generic || s.ranges == false) {
        return 1;
    }
    int n = c.defaultConnections;
    if (k.host && k.host->learnedConnectionCap > 0) {
        n = k.host->learnedConnectionCap;
    } else if (s.capped == false) {
        n = 2; // more did not help here: stay polite
    }
    if (k.host && k.host->maxConcurrencyHint > 0) {
        n = std::min(n, k.host->maxConcurrencyHint);
    }
    if (s.size > 0 && c.minSplitBytes > 0) {
        const std::int64_t pieces = std::max<std::int64_t>(1, s.size / c.minSplitBytes);
        n = static_cast<int>(std::min<std::int64_t>(n, pieces));
    }
    if (scarcity(headroom) > 0.5) {
        n = n / 2; // the machine is short: fewer sockets, fewer buffers
    }
    return std::clamp(n, 1, ceiling);
}

// Why the winner beat the engine that fitted the request best, when they differ.
std::string overtakeNote(const EngineScore& winner, const std::vector<EngineScore>& scores) {
    const EngineScore* leader = nullptr;
    for (const auto& s : scores) {
        if (s.eligible && (leader == nullptr || s.parts.at("fit") > leader->parts.at("fit"))) {
            leader = &s;
        }
    }
    if (leader == nullptr || leader->name == winner.name) {
        return {};
    }
    std::string best;
    double gain = 0;
    for (const auto& [name, value] : winner.parts) {
        const double diff = value - leader->parts.at(name);
        if (name != "fit" && diff > gain) {
            gain = diff;
            best = name;
        }
    }
    return best.empty() ? std::string{} : "; ahead of " + leader->name + " on " + best;
}

} // namespace

bool EngineStatus::supports(std::string_view scheme) const {
    const std::string wanted = text::toLower(scheme);
    return !wanted.empty() &&
           std::any_of(schemes.begin(), schemes.end(),
                       [&](const std::string& s) { return text::toLower(s) == wanted; });
}

RouteDecision EngineScorer::decide(const RouteRequest& request, const RouteKnowledge& knowledge,
                                   const std::vector<EngineStatus>& engines,
                                   const ResourceHeadroom& headroom) const {
    const Shape shape = shapeOf(request, knowledge, m_config);
    RouteDecision d;
    d.host = request.host;

    std::vector<std::pair<EngineScore, double>> scored; // with load, for the tie-break
    for (const auto& e : engines) {
        scored.emplace_back(scoreEngine(e, request, shape, knowledge, headroom, m_config.weights),
                            loadOf(e));
    }
    std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
        return better(a.first, a.second, b.first, b.second);
    });
    for (auto& [score, load] : scored) {
        d.scores.push_back(std::move(score));
    }

    const EngineScore* chosen = nullptr;
    if (!request.userForcedEngine.empty()) {
        const std::string forced = text::toLower(request.userForcedEngine);
        for (const auto& s : d.scores) {
            if (text::toLower(s.name) == forced) {
                chosen = &s;
            }
        }
        if (chosen == nullptr) {
            d.reason = "forced engine '" + request.userForcedEngine + "' does not exist";
            return d;
        }
        if (!chosen->eligible) {
            d.reason = "forced engine '" + request.userForcedEngine + "' does not support '" +
                       shape.scheme + "'";
            return d;
        }
        d.reason = "forced by user";
    } else {
        if (d.scores.empty() || !d.scores.front().eligible) {
            d.reason = "no engine supports scheme '" + shape.scheme + "'";
            return d;
        }
        chosen = &d.scores.front();
        d.reason = chosen->note + overtakeNote(*chosen, d.scores);
    }
    d.ok = true;
    d.engine = chosen->name;
    d.score = chosen->score;
    d.recommendedConnections =
        recommendConnections(chosen->kind, request, shape, knowledge, headroom, m_config);
    return d;
}

std::string formatDecision(const RouteDecision& d) {
    std::string line = "engine=" + (d.ok ? d.engine + " " + fixed2(d.score) : "none");
    std::string others;
    for (const auto& s : d.scores) {
        if (s.eligible && !(d.ok && s.name == d.engine)) {
            others += (others.empty() ? "" : ", ") + s.name + " " + fixed2(s.score);
        }
    }
    line += " [" + others + "]";
    if (!d.host.empty()) {
        line += " host=" + d.host;
    }
    if (d.ok) {
        line += " connections=" + std::to_string(d.recommendedConnections);
    }
    return line + " reason=" + d.reason;
}

std::string formatDecisionDetail(const RouteDecision& d) {
    std::string out;
    for (const auto& s : d.scores) {
        if (!out.empty()) {
            out += '\n';
        }
        out += s.name + " " + fixed2(s.score);
        if (!s.eligible) {
            out += " (" + s.note + ")";
            continue;
        }
        bool first = true;
        for (const auto& [name, value] : s.parts) {
            if (value == 0) {
                continue;
            }
            out += first ? " = " : (value < 0 ? " - " : " + ");
            if (first && value < 0) {
                out += "-";
            }
            out += name + " " + fixed2(std::fabs(value));
            first = false;
        }
    }
    return out;
}

} // namespace maria2
