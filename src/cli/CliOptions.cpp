#include "cli/CliOptions.h"
#include "core/text/Text.h"

#include "core/log/Log.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>

namespace maria2::cli {
namespace {

enum class Arg { None, Required, OptionalBool };

struct Spec {
    std::string longName;
    char shortName;
    Arg arg;
    std::function<std::string(CliOptions&, const std::string&)> apply; // returns error or ""
};

std::string parseInt(const std::string& name, const std::string& value, int min, int max,
                     std::optional<int>& out) {
    int v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size() || v < min || v > max) {
        return "--" + name + " must be a whole number from " + std::to_string(min) + " to " +
               std::to_string(max) + ", got '" + value + "'";
    }
    out = v;
    return {};
}

// --max-overall-download-limit and --max-download-limit: aria2's speed syntax, up to the
// config's own bound for PerformanceSettings.DownloadSpeedLimit (2^40 B/s).
std::string parseLimit(const std::string& name, const std::string& value,
                       std::optional<std::int64_t>& out) {
    const auto speed = text::parseSpeed(value);
    if (!speed || *speed > (std::int64_t{1} << 40)) {
        return "--" + name +
               " takes a speed in bytes/s such as 512K, 10M or 1.5M (0 = unlimited), got '" +
               value + "'";
    }
    out = speed;
    return {};
}

std::string parseBool(const std::string& name, const std::string& value, bool& out) {
    if (value.empty() || value == "true") {
        out = true;
    } else if (value == "false") {
        out = false;
    } else {
        return "--" + name + " takes true or false, got '" + value + "'";
    }
    return {};
}

std::string setBool(const std::string& name, const std::string& value, std::optional<bool>& out) {
    bool b = false;
    std::string err = parseBool(name, value, b);
    if (err.empty()) {
        out = b;
    }
    return err;
}

const std::vector<Spec>& specs() {
    static const std::vector<Spec> kSpecs = {
        {"dir", 'd', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.dir = v;
             return std::string();
         }},
        {"out", 'o', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.out = v;
             return std::string();
         }},
        {"input-file", 'i', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.inputFile = v;
             return std::string();
         }},
        {"max-concurrent-downloads", 'j', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             return parseInt("max-concurrent-downloads", v, 1, 1000, o.maxConcurrent);
         }},
        {"continue", 'c', Arg::OptionalBool,
         [](CliOptions& o, const std::string& v) {
             return parseBool("continue", v, o.continueDownload);
         }},
        {"header", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             if (v.find(':') == std::string::npos) {
                 return "--header must look like 'Name: value', got '" + log::redactHeader(v) + "'";
             }
             o.headers.push_back(v);
             return std::string();
         }},
        {"user-agent", 'U', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.userAgent = v;
             return std::string();
         }},
        {"referer", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.referer = v;
             return std::string();
         }},
        {"keep-headers-across-hosts", 0, Arg::OptionalBool,
         [](CliOptions& o, const std::string& v) {
             return setBool("keep-headers-across-hosts", v, o.keepHeadersAcrossHosts);
         }},
        {"allow-insecure-redirect", 0, Arg::OptionalBool,
         [](CliOptions& o, const std::string& v) {
             return setBool("allow-insecure-redirect", v, o.allowInsecureRedirect);
         }},
        {"all-proxy", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.allProxy = v;
             return std::string();
         }},
        {"check-certificate", 0, Arg::OptionalBool,
         [](CliOptions& o, const std::string& v) {
             return setBool("check-certificate", v, o.checkCertificate);
         }},
        {"ca-certificate", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.caCertificate = v;
             return std::string();
         }},
        {"allow-overwrite", 0, Arg::OptionalBool,
         [](CliOptions& o, const std::string& v) {
             return setBool("allow-overwrite", v, o.allowOverwrite);
         }},
        {"conf-path", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.confPath = v;
             return std::string();
         }},
        {"max-tries", 'm', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             return parseInt("max-tries", v, 1, 1000, o.maxTries);
         }},
        {"connect-timeout", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             return parseInt("connect-timeout", v, 1, 600, o.connectTimeout);
         }},
        {"split", 's', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             return parseInt("split", v, 1, 64, o.split);
         }},
        {"max-connection-per-server", 'x', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             return parseInt("max-connection-per-server", v, 1, 64, o.maxConnectionPerServer);
         }},
        {"min-split-size", 'k', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             const auto size = parseSize(v);
             if (!size || *size < 4096 || *size > (std::int64_t{1} << 30)) {
                 return "--min-split-size takes a size from 4K to 1G (e.g. 1M), got '" + v + "'";
             }
             o.minSplitSize = size;
             return std::string();
         }},
        {"max-overall-download-limit", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             return parseLimit("max-overall-download-limit", v, o.overallLimit);
         }},
        {"max-download-limit", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             return parseLimit("max-download-limit", v, o.downloadLimit);
         }},
        {"stats-json", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             if (v.empty()) {
                 return std::string("--stats-json needs a file name (or '-' for stdout)");
             }
             o.statsJson = v; // opened by main(), which reports a file it cannot write
             return std::string();
         }},
        {"queue-retries", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             return parseInt("queue-retries", v, 0, 100, o.queueRetries);
         }},
        {"checksum", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.checksum = v; // validated by main(), which names the algorithm and length
             return std::string();
         }},
        {"engine", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.engine = v == "auto" ? std::string() : v; // checked against the pool by main()
             return std::string();
         }},
        {"engine-report", 0, Arg::None,
         [](CliOptions& o, const std::string&) {
             o.engineReport = true;
             return std::string();
         }},
        {"verify", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             if (v == "auto") {
                 o.verifyAuto = true;
             } else if (v == "off" || v == "none") {
                 o.verifyAuto = false;
             } else {
                 return "--verify takes 'auto' (look for NAME.sha256 or SHA256SUMS beside the "
                        "URL) or 'off', got '" +
                        v + "'";
             }
             return std::string();
         }},
        {"quiet", 'q', Arg::OptionalBool,
         [](CliOptions& o, const std::string& v) {
             return parseBool("quiet", v, o.quiet);
         }},
        {"help", 'h', Arg::None,
         [](CliOptions& o, const std::string&) {
             o.help = true;
             return std::string();
         }},
        {"version", 'v', Arg::None,
         [](CliOptions& o, const std::string&) {
             o.version = true;
             return std::string();
         }},
        {"log", 'l', Arg::Required,
         [](CliOptions& o, const std::string& v) {
             o.logFile = v;
             return std::string();
         }},
        {"log-level", 0, Arg::Required,
         [](CliOptions& o, const std::string& v) {
             std::string level = v == "notice" ? "info" : v; // aria2's "notice" is our info
             if (!log::isValidLevel(level)) {
                 return "--log-level takes debug, info, notice, warn or error, got '" + v + "'";
             }
             o.logLevel = level;
             return std::string();
         }},
    };
    return kSpecs;
}

const Spec* findLong(const std::string& name) {
    for (const auto& s : specs()) {
        if (s.longName == name) {
            return &s;
        }
    }
    return nullptr;
}

const Spec* findShort(char c) {
    for (const auto& s : specs()) {
        if (s.shortName != 0 && s.shortName == c) {
            return &s;
        }
    }
    return nullptr;
}

} // namespace

ParseResult parseCommandLine(const std::vector<std::string>& args) {
    ParseResult r;
    bool onlyUris = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (onlyUris || a.empty() || a[0] != '-' || a == "-") {
            r.options.uris.push_back(a);
            continue;
        }
        if (a == "--") {
            onlyUris = true;
            continue;
        }
        const Spec* spec = nullptr;
        std::string value;
        bool hasValue = false;
        std::string shown = a;
        if (a.rfind("--", 0) == 0) {
            const auto eq = a.find('=');
            const std::string name =
                a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            spec = findLong(name);
            shown = "--" + name;
            if (eq != std::string::npos) {
                value = a.substr(eq + 1);
                hasValue = true;
            }
        } else {
            spec = findShort(a[1]);
            shown = a.substr(0, 2);
            if (a.size() > 2) {
                value = a.substr(2);
                hasValue = true;
            }
        }
        if (spec == nullptr) {
            r.error = "unknown option '" + shown + "' (see --help)";
            return r;
        }
        if (spec->arg == Arg::None && hasValue) {
            r.error = "option '" + shown + "' takes no value";
            return r;
        }
        if (spec->arg == Arg::Required && !hasValue) {
            if (i + 1 >= args.size()) {
                r.error = "option '" + shown + "' needs a value";
                return r;
            }
            value = args[++i];
        }
        if (std::string err = spec->apply(r.options, value); !err.empty()) {
            r.error = err;
            return r;
        }
    }
    return r;
}

std::optional<std::vector<std::string>> readInputFile(const std::string& path, std::string* error,
                                                      std::vector<std::string>* warnings) {
    std::ifstream in(path == "-" ? "/dev/stdin" : path);
    if (!in) {
        if (error != nullptr) {
            *error = "cannot read input file '" + path + "'";
        }
        return std::nullopt;
    }
    std::vector<std::string> uris;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !text::trim(line).empty()) {
            if (warnings != nullptr) {
                warnings->push_back(path + ":" + std::to_string(number) +
                                    ": per-download options are not supported yet (ignored)");
            }
            continue;
        }
        const std::string t(text::trim(line));
        if (t.empty() || t[0] == '#') {
            continue;
        }
        uris.push_back(t);
    }
    if (in.bad()) { // a read error, e.g. the path is a directory: not "no URIs"
        if (error != nullptr) {
            *error = "cannot read input file '" + path + "'";
        }
        return std::nullopt;
    }
    return uris;
}

std::optional<std::int64_t> parseSize(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::int64_t unit = 1;
    std::string digits = text;
    switch (text.back()) {
    case 'K':
    case 'k':
        unit = 1024;
        break;
    case 'M':
    case 'm':
        unit = 1024 * 1024;
        break;
    case 'G':
    case 'g':
        unit = std::int64_t{1024} * 1024 * 1024;
        break;
    default:
        break;
    }
    if (unit != 1) {
        digits.pop_back();
    }
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || value < 0 ||
        value > (std::int64_t{1} << 50) / unit) {
        return std::nullopt;
    }
    return value * unit;
}

std::string helpText() {
    return R"(Usage: maria2c [OPTIONS] URI...
Download files over HTTP(S) and FTP. Each URI is a separate download.

 -d, --dir=DIR                  Folder to save into (default: config Download.Directory)
 -o, --out=FILE                 File name for the download (one URI only)
 -i, --input-file=FILE          Read URIs from FILE, one per line; '#' starts a comment
 -j, --max-concurrent-downloads=N  Downloads running at once (default: config)
 -c, --continue[=true|false]    Resume a partial FILE.part left by an earlier run
 -s, --split=N                  Connections per download, 1..64 (default: config, 8)
 -x, --max-connection-per-server=N  Upper bound per server, 1..64 (default: config, 16)
 -k, --min-split-size=SIZE      Never split below SIZE, e.g. 1M (default: config, 1M)
     --max-overall-download-limit=SPEED  Total speed limit, e.g. 512K, 10M, 1.5M; 0 = none
                                (default: config PerformanceSettings.DownloadSpeedLimit)
     --max-download-limit=SPEED  Speed limit of each download; 0 = none (default)
     --stats-json=FILE          Write one JSON line of metrics (speed, CPU, memory, disk,
                                efficiency, per download) per sample to FILE; '-' = stdout
     --queue-retries=N          Restart a download that failed transiently up to N times
                                (default 0: maria2c exits with the download's own result)
     --checksum=TYPE=DIGEST     Verify when done: md5, sha-1, sha-256 or sha-512
     --engine=NAME              Use this engine of the pool: multiplex, segmented, bulk,
                                generic (default auto: the router picks per download)
     --engine-report            Download the URI with each engine in turn and print a
                                table (connections, MB/s, CPU s, time to first byte)
     --verify=auto|off          Verify against a NAME.sha256 or SHA256SUMS published
                                beside the URL, when there is one (default off)
     --header=HEADER            Extra request header, e.g. "X-Token: abc" (repeatable); sent
                                to the URL's own host only, never shown in logs
     --keep-headers-across-hosts[=true|false]  Send --header values (and the URL's
                                credentials) on after a redirect to another host (default:
                                false; config Network.KeepHeadersAcrossHosts)
     --allow-insecure-redirect[=true|false]  Follow a redirect from https to http
                                (default: false; config Network.AllowInsecureRedirect)
 -U, --user-agent=UA            User-Agent to send
     --referer=URL              Referer to send
     --all-proxy=PROXY          Proxy for every protocol, e.g. http://user:pass@host:3128
     --check-certificate[=true|false]  Verify TLS certificates (default: true)
     --ca-certificate=FILE      Trust the CA certificates in FILE (PEM)
     --allow-overwrite[=true|false]  Overwrite an existing file instead of "name (1).ext"
     --conf-path=FILE           Configuration file (JSON); overrides the user config
 -m, --max-tries=N              Tries per download before giving up (default: config)
     --connect-timeout=SEC      Connection time-out in seconds (default: config)
 -l, --log=FILE                 Also write the log to FILE ('-' = stdout)
     --log-level=LEVEL          debug, info, notice, warn or error
 -q, --quiet                    No progress, no summary: only the exit code speaks
 -h, --help                     Show this help
 -v, --version                  Show the version

Exit codes follow aria2: 0 all finished, 1 unknown error, 2 time-out, 3 resource not found,
6 network problem, 7 unfinished downloads (interrupted), 9 disk full, 19 name resolution,
22 bad HTTP response, 23 too many redirects, 24 authorization failed, 28 bad option.
)";
}

} // namespace maria2::cli
