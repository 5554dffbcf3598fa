#pragma once
// maria2c's command line, with aria2c's option names and forms: "--dir=D", "--dir D", "-d D",
// "-dD", booleans as "--flag", "--flag=true|false". Plain C++ so it is unit-tested alone.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace maria2::cli {

struct CliOptions {
    std::vector<std::string> uris;
    std::string dir;                            // -d, --dir
    std::string out;                            // -o, --out
    std::string inputFile;                      // -i, --input-file
    std::optional<int> maxConcurrent;           // -j, --max-concurrent-downloads
    bool continueDownload = false;              // -c, --continue
    std::vector<std::string> headers;           // --header (repeatable)
    std::string userAgent;                      // -U, --user-agent
    std::string referer;                        // --referer
    std::optional<bool> keepHeadersAcrossHosts; // --keep-headers-across-hosts
    std::optional<bool> allowInsecureRedirect;  // --allow-insecure-redirect (https -> http)
    std::string allProxy;                       // --all-proxy
    std::optional<bool> checkCertificate;       // --check-certificate
    std::string caCertificate;                  // --ca-certificate
    std::optional<bool> allowOverwrite;         // --allow-overwrite
    std::string confPath;                       // --conf-path
    std::optional<int> maxTries;                // -m, --max-tries
    std::optional<int> connectTimeout;          // --connect-timeout
    std::optional<int> split;                   // -s, --split
    std::optional<int> maxConnectionPerServer;  // -x, --max-connection-per-server
    std::optional<std::int64_t> minSplitSize;   // -k, --min-split-size (bytes)
    std::string checksum;                       // --checksum=TYPE=DIGEST
    bool verifyAuto = false;                    // --verify=auto: NAME.sha256 / SHA256SUMS
    std::string engine;                         // --engine=NAME: force an engine of the pool
    bool engineReport = false;                  // --engine-report: each engine in turn
    bool quiet = false;                         // -q, --quiet
    bool help = false;                          // -h, --help
    bool version = false;                       // -v, --version
    std::string logFile;                        // -l, --log ("-" = stdout)
    std::string logLevel;                       // --log-level

    // Speed limits (B/s, 0 = none; unset = the config's), metrics, queue restarts.
    std::optional<std::int64_t> overallLimit;  // --max-overall-download-limit
    std::optional<std::int64_t> downloadLimit; // --max-download-limit, each download
    std::string statsJson;                     // --stats-json=FILE ("-" = stdout)
    std::optional<int> queueRetries;           // --queue-retries=N (maria2c's default: 0)
};

struct ParseResult {
    CliOptions options;
    std::string error; // non-empty: what was wrong, naming the option and value
};

ParseResult parseCommandLine(const std::vector<std::string>& args); // args without argv[0]

// -i FILE: one URI per line; blank lines and lines starting with '#' are skipped; leading and
// trailing white space is trimmed. Lines indented with white space carry per-download options
// in aria2; those are reported in *warnings and skipped. Returns nullopt and sets *error when
// the file cannot be read.
std::optional<std::vector<std::string>> readInputFile(const std::string& path, std::string* error,
                                                      std::vector<std::string>* warnings);

std::string helpText();

// "1048576", "512K", "1M", "2G" (binary units, as aria2). nullopt for anything else.
std::optional<std::int64_t> parseSize(const std::string& text);
// Speeds ("1.5M", "0 = unlimited") are read by maria2::text::parseSpeed (core/text/Text.h).

} // namespace maria2::cli
