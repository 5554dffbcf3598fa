// Unit tests for maria2c's command line (aria2c's option names and forms) and -i input files.
#include "cli/CliOptions.h"
#include "core/text/Text.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using maria2::cli::CliOptions;
using maria2::cli::helpText;
using maria2::cli::parseCommandLine;
using maria2::cli::ParseResult;
using maria2::cli::readInputFile;

namespace {

ParseResult parse(std::vector<std::string> args) {
    return parseCommandLine(args);
}

// Parses and asserts success; returns the options.
CliOptions ok(std::vector<std::string> args) {
    const ParseResult r = parseCommandLine(args);
    EXPECT_TRUE(r.error.empty()) << r.error;
    return r.options;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Basics

TEST(CliParse, NoArgumentsIsFine) {
    const ParseResult r = parse({});
    EXPECT_TRUE(r.error.empty());
    EXPECT_TRUE(r.options.uris.empty());
    EXPECT_FALSE(r.options.help);
    EXPECT_FALSE(r.options.continueDownload);
    EXPECT_FALSE(r.options.maxConcurrent.has_value());
    EXPECT_FALSE(r.options.checkCertificate.has_value());
    EXPECT_FALSE(r.options.allowOverwrite.has_value());
}

TEST(CliParse, UrisKeptInOrder) {
    const CliOptions o = ok({"http://a/1", "https://b/2", "ftp://c/3"});
    ASSERT_EQ(o.uris.size(), 3u);
    EXPECT_EQ(o.uris[0], "http://a/1");
    EXPECT_EQ(o.uris[1], "https://b/2");
    EXPECT_EQ(o.uris[2], "ftp://c/3");
}

TEST(CliParse, OptionsAndUrisInterleave) {
    const CliOptions o = ok({"http://a/1", "-d", "/tmp/x", "http://b/2", "-c"});
    EXPECT_EQ(o.dir, "/tmp/x");
    EXPECT_TRUE(o.continueDownload);
    ASSERT_EQ(o.uris.size(), 2u);
    EXPECT_EQ(o.uris[1], "http://b/2");
}

TEST(CliParse, LoneDashIsAUri) {
    const CliOptions o = ok({"-"});
    ASSERT_EQ(o.uris.size(), 1u);
    EXPECT_EQ(o.uris[0], "-");
}

// ---------------------------------------------------------------------------------------------
// Value forms

TEST(CliParse, DirAllForms) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--dir=/data/dl"}, {"--dir", "/data/dl"}, {"-d", "/data/dl"}, {"-d/data/dl"}}) {
        const CliOptions o = ok(args);
        EXPECT_EQ(o.dir, "/data/dl") << args[0];
        EXPECT_TRUE(o.uris.empty()) << args[0];
    }
}

TEST(CliParse, ValueMayContainEqualsAndSpaces) {
    EXPECT_EQ(ok({"--out=a=b.txt"}).out, "a=b.txt");
    EXPECT_EQ(ok({"--dir", "My Downloads"}).dir, "My Downloads");
    EXPECT_EQ(ok({"--dir="}).dir, "");
}

TEST(CliParse, ValueMayStartWithDash) {
    EXPECT_EQ(ok({"-o", "-weird-name"}).out, "-weird-name");
}

TEST(CliParse, StringOptions) {
    const CliOptions o = ok({"-o", "f.bin", "--input-file=list.txt", "-U", "Agent/1", "--referer",
                             "http://r/", "--all-proxy=http://p:3128", "--ca-certificate",
                             "/ca.pem", "--conf-path=/c.json", "-l", "-", "--log-level=debug"});
    EXPECT_EQ(o.out, "f.bin");
    EXPECT_EQ(o.inputFile, "list.txt");
    EXPECT_EQ(o.userAgent, "Agent/1");
    EXPECT_EQ(o.referer, "http://r/");
    EXPECT_EQ(o.allProxy, "http://p:3128");
    EXPECT_EQ(o.caCertificate, "/ca.pem");
    EXPECT_EQ(o.confPath, "/c.json");
    EXPECT_EQ(o.logFile, "-");
    EXPECT_EQ(o.logLevel, "debug");
    EXPECT_TRUE(o.uris.empty());
}

TEST(CliParse, ShortAttachedValues) {
    const CliOptions o = ok({"-ofile.iso", "-j3", "-m7", "-i/tmp/in.txt", "-UUA"});
    EXPECT_EQ(o.out, "file.iso");
    EXPECT_EQ(o.maxConcurrent, 3);
    EXPECT_EQ(o.maxTries, 7);
    EXPECT_EQ(o.inputFile, "/tmp/in.txt");
    EXPECT_EQ(o.userAgent, "UA");
}

TEST(CliParse, LaterValueWins) {
    EXPECT_EQ(ok({"-d", "a", "--dir=b"}).dir, "b");
}

// ---------------------------------------------------------------------------------------------
// Booleans

TEST(CliParse, ContinueForms) {
    EXPECT_TRUE(ok({"--continue"}).continueDownload);
    EXPECT_TRUE(ok({"-c"}).continueDownload);
    EXPECT_TRUE(ok({"--continue=true"}).continueDownload);
    EXPECT_FALSE(ok({"--continue=false"}).continueDownload);
    EXPECT_FALSE(ok({"-c", "--continue=false"}).continueDownload);
}

TEST(CliParse, BooleanDoesNotSwallowTheNextArgument) {
    const CliOptions o = ok({"--continue", "http://a/f"});
    EXPECT_TRUE(o.continueDownload);
    ASSERT_EQ(o.uris.size(), 1u);
    EXPECT_EQ(o.uris[0], "http://a/f");

    const CliOptions o2 = ok({"-c", "false"});
    EXPECT_TRUE(o2.continueDownload);
    ASSERT_EQ(o2.uris.size(), 1u); // "false" is a URI here, as in aria2
}

TEST(CliParse, CheckCertificate) {
    const CliOptions off = ok({"--check-certificate=false"});
    ASSERT_TRUE(off.checkCertificate.has_value());
    EXPECT_FALSE(*off.checkCertificate);
    const CliOptions on = ok({"--check-certificate"});
    ASSERT_TRUE(on.checkCertificate.has_value());
    EXPECT_TRUE(*on.checkCertificate);
}

TEST(CliParse, RedirectPolicyFlags) {
    const CliOptions none = ok({"http://h/x"});
    EXPECT_FALSE(none.keepHeadersAcrossHosts.has_value());
    EXPECT_FALSE(none.allowInsecureRedirect.has_value());
    const CliOptions on = ok({"--keep-headers-across-hosts", "--allow-insecure-redirect=true"});
    ASSERT_TRUE(on.keepHeadersAcrossHosts.has_value());
    EXPECT_TRUE(*on.keepHeadersAcrossHosts);
    ASSERT_TRUE(on.allowInsecureRedirect.has_value());
    EXPECT_TRUE(*on.allowInsecureRedirect);
    const CliOptions off =
        ok({"--keep-headers-across-hosts=false", "--allow-insecure-redirect=false"});
    EXPECT_FALSE(*off.keepHeadersAcrossHosts);
    EXPECT_FALSE(*off.allowInsecureRedirect);
    EXPECT_FALSE(maria2::cli::parseCommandLine({"--allow-insecure-redirect=maybe"}).error.empty());
    EXPECT_NE(maria2::cli::helpText().find("--keep-headers-across-hosts"), std::string::npos);
    EXPECT_NE(maria2::cli::helpText().find("--allow-insecure-redirect"), std::string::npos);
}

TEST(CliParse, AllowOverwrite) {
    const CliOptions yes = ok({"--allow-overwrite=true"});
    ASSERT_TRUE(yes.allowOverwrite.has_value());
    EXPECT_TRUE(*yes.allowOverwrite);
    const CliOptions no = ok({"--allow-overwrite=false"});
    ASSERT_TRUE(no.allowOverwrite.has_value());
    EXPECT_FALSE(*no.allowOverwrite);
}

TEST(CliParse, InvalidBooleanErrorsNamingOption) {
    const ParseResult r = parse({"--allow-overwrite=maybe"});
    ASSERT_FALSE(r.error.empty());
    EXPECT_TRUE(contains(r.error, "--allow-overwrite")) << r.error;
    EXPECT_TRUE(contains(r.error, "maybe")) << r.error;

    for (const char* arg : {"--continue=yes", "--check-certificate=0", "--quiet=TRUE"}) {
        const ParseResult e = parse({arg});
        EXPECT_FALSE(e.error.empty()) << arg;
        const std::string name = std::string(arg).substr(0, std::string(arg).find('='));
        EXPECT_TRUE(contains(e.error, name)) << e.error;
    }
}

TEST(CliParse, FlagsWithoutValues) {
    const CliOptions o = ok({"-q", "-h", "-v"});
    EXPECT_TRUE(o.quiet);
    EXPECT_TRUE(o.help);
    EXPECT_TRUE(o.version);
    const CliOptions l = ok({"--quiet", "--help", "--version"});
    EXPECT_TRUE(l.quiet);
    EXPECT_TRUE(l.help);
    EXPECT_TRUE(l.version);
}

TEST(CliParse, NoValueOptionRejectsValue) {
    const ParseResult r = parse({"--help=yes"});
    ASSERT_FALSE(r.error.empty());
    EXPECT_TRUE(contains(r.error, "--help")) << r.error;
}

// ---------------------------------------------------------------------------------------------
// Numbers

TEST(CliParse, MaxConcurrent) {
    EXPECT_EQ(ok({"-j", "5"}).maxConcurrent, 5);
    EXPECT_EQ(ok({"--max-concurrent-downloads=1"}).maxConcurrent, 1);
    EXPECT_EQ(ok({"-j1000"}).maxConcurrent, 1000);
}

TEST(CliParse, MaxConcurrentOutOfRangeOrNotANumber) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"-j", "0"},
                                               {"-j", "x"},
                                               {"-j", "-3"},
                                               {"-j", "1001"},
                                               {"-j", "2.5"},
                                               {"-j", ""},
                                               {"-j", " 4"},
                                               {"-j", "99999999999"},
                                               {"--max-concurrent-downloads=4x"}}) {
        const ParseResult r = parse(args);
        ASSERT_FALSE(r.error.empty()) << args.back();
        EXPECT_TRUE(contains(r.error, "max-concurrent-downloads")) << r.error;
        EXPECT_FALSE(r.options.maxConcurrent.has_value()) << args.back();
    }
    const ParseResult x = parse({"-j", "x"});
    EXPECT_TRUE(contains(x.error, "'x'")) << x.error;
}

TEST(CliParse, MaxTriesAndConnectTimeout) {
    const CliOptions o = ok({"-m", "3", "--connect-timeout=15"});
    EXPECT_EQ(o.maxTries, 3);
    EXPECT_EQ(o.connectTimeout, 15);

    const ParseResult tries = parse({"--max-tries=0"});
    EXPECT_TRUE(contains(tries.error, "--max-tries")) << tries.error;
    const ParseResult timeout = parse({"--connect-timeout", "601"});
    EXPECT_TRUE(contains(timeout.error, "--connect-timeout")) << timeout.error;
}

// ---------------------------------------------------------------------------------------------
// Headers

TEST(CliParse, RepeatedHeaders) {
    const CliOptions o =
        ok({"--header=X-One: 1", "--header", "X-Two: 2", "--header=Authorization: Bearer t"});
    ASSERT_EQ(o.headers.size(), 3u);
    EXPECT_EQ(o.headers[0], "X-One: 1");
    EXPECT_EQ(o.headers[1], "X-Two: 2");
    EXPECT_EQ(o.headers[2], "Authorization: Bearer t");
}

TEST(CliParse, HeaderWithoutColonErrors) {
    const ParseResult r = parse({"--header=NoColon"});
    ASSERT_FALSE(r.error.empty());
    EXPECT_TRUE(contains(r.error, "--header")) << r.error;
    EXPECT_TRUE(contains(r.error, "NoColon")) << r.error;
    EXPECT_TRUE(r.options.headers.empty());
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(CliParse, UnknownLongOptionNamed) {
    const ParseResult r = parse({"http://a/f", "--no-such-option"});
    ASSERT_FALSE(r.error.empty());
    EXPECT_TRUE(contains(r.error, "'--no-such-option'")) << r.error;

    const ParseResult withValue = parse({"--bogus=secret-value"});
    ASSERT_FALSE(withValue.error.empty());
    EXPECT_TRUE(contains(withValue.error, "--bogus")) << withValue.error;
    EXPECT_FALSE(contains(withValue.error, "secret-value")) << withValue.error;
}

TEST(CliParse, UnknownShortOptionNamed) {
    const ParseResult r = parse({"-Z"});
    ASSERT_FALSE(r.error.empty());
    EXPECT_TRUE(contains(r.error, "'-Z'")) << r.error;

    const ParseResult attached = parse({"-Xvalue"});
    ASSERT_FALSE(attached.error.empty());
    EXPECT_TRUE(contains(attached.error, "'-X'")) << attached.error;
}

TEST(CliParse, LongOptionNeedsExactName) {
    // No abbreviations: "--di" is not "--dir".
    const ParseResult r = parse({"--di=/x"});
    ASSERT_FALSE(r.error.empty());
    EXPECT_TRUE(contains(r.error, "--di")) << r.error;
}

TEST(CliParse, MissingValueAtTheEnd) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"-d"}, {"http://a/f", "--dir"}, {"-o"}, {"--header"}, {"-j"}}) {
        const ParseResult r = parse(args);
        ASSERT_FALSE(r.error.empty()) << args.back();
        EXPECT_TRUE(contains(r.error, args.back())) << r.error;
        EXPECT_TRUE(contains(r.error, "value")) << r.error;
    }
}

// ---------------------------------------------------------------------------------------------
// "--" and log level

TEST(CliParse, DoubleDashMakesTheRestUris) {
    const CliOptions o = ok({"-c", "--", "-d", "--dir=x", "--", "http://a/f"});
    EXPECT_TRUE(o.continueDownload);
    EXPECT_EQ(o.dir, "");
    ASSERT_EQ(o.uris.size(), 4u);
    EXPECT_EQ(o.uris[0], "-d");
    EXPECT_EQ(o.uris[1], "--dir=x");
    EXPECT_EQ(o.uris[2], "--");
    EXPECT_EQ(o.uris[3], "http://a/f");
}

TEST(CliParse, LogLevelNoticeIsInfo) {
    EXPECT_EQ(ok({"--log-level=notice"}).logLevel, "info");
    EXPECT_EQ(ok({"--log-level", "warn"}).logLevel, "warn");
    EXPECT_EQ(ok({"--log-level=error"}).logLevel, "error");
}

TEST(CliParse, LogLevelInvalid) {
    const ParseResult r = parse({"--log-level=chatty"});
    ASSERT_FALSE(r.error.empty());
    EXPECT_TRUE(contains(r.error, "--log-level")) << r.error;
    EXPECT_TRUE(contains(r.error, "chatty")) << r.error;
}

// ---------------------------------------------------------------------------------------------
// helpText

TEST(CliHelp, MentionsEveryLongOption) {
    const std::string help = helpText();
    for (const char* name : {"--dir",
                             "--out",
                             "--input-file",
                             "--max-concurrent-downloads",
                             "--continue",
                             "--header",
                             "--user-agent",
                             "--referer",
                             "--all-proxy",
                             "--check-certificate",
                             "--ca-certificate",
                             "--allow-overwrite",
                             "--conf-path",
                             "--max-tries",
                             "--connect-timeout",
                             "--quiet",
                             "--help",
                             "--version",
                             "--log",
                             "--log-level",
                             "--max-overall-download-limit",
                             "--max-download-limit",
                             "--stats-json",
                             "--queue-retries"}) {
        EXPECT_TRUE(contains(help, name)) << name;
        // And every option named in the help is accepted by the parser.
        const ParseResult r = parse({std::string(name) + "=x"});
        EXPECT_FALSE(contains(r.error, "unknown option")) << name << ": " << r.error;
    }
}

TEST(CliHelp, MentionsShortOptionsAndUsage) {
    const std::string help = helpText();
    EXPECT_TRUE(contains(help, "Usage: maria2c"));
    for (const char* name :
         {"-d,", "-o,", "-i,", "-j,", "-c,", "-U,", "-m,", "-l,", "-q,", "-h,", "-v,"}) {
        EXPECT_TRUE(contains(help, name)) << name;
    }
}

// ---------------------------------------------------------------------------------------------
// readInputFile

class CliInputFile : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        m_dir =
            fs::temp_directory_path() / ("maria2-unit-cli-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(stamp) + "-" + std::to_string(counter++));
        ASSERT_TRUE(fs::create_directory(m_dir)) << m_dir;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    std::string write(const std::string& name, const std::string& content) {
        const fs::path p = m_dir / name;
        std::ofstream out(p, std::ios::binary);
        out << content;
        return p.string();
    }
    fs::path m_dir;
};

TEST_F(CliInputFile, CommentsAndBlankLinesSkipped) {
    const std::string path = write("list.txt", "# my downloads\n"
                                               "http://a/1\n"
                                               "\n"
                                               "   \n"
                                               "#http://commented/out\n"
                                               "https://b/2\n"
                                               "ftp://c/3"); // no final newline
    std::string error;
    std::vector<std::string> warnings;
    const auto uris = readInputFile(path, &error, &warnings);
    ASSERT_TRUE(uris.has_value()) << error;
    ASSERT_EQ(uris->size(), 3u);
    EXPECT_EQ((*uris)[0], "http://a/1");
    EXPECT_EQ((*uris)[1], "https://b/2");
    EXPECT_EQ((*uris)[2], "ftp://c/3");
    EXPECT_TRUE(warnings.empty());
}

TEST_F(CliInputFile, CrlfLineEndings) {
    const std::string path =
        write("dos.txt", "http://a/1\r\n\r\n# comment\r\nhttp://b/2\r\nhttp://c/3  \r\n");
    std::string error;
    std::vector<std::string> warnings;
    const auto uris = readInputFile(path, &error, &warnings);
    ASSERT_TRUE(uris.has_value()) << error;
    ASSERT_EQ(uris->size(), 3u);
    for (const auto& u : *uris) {
        EXPECT_EQ(u.find('\r'), std::string::npos) << u;
        EXPECT_EQ(u.find(' '), std::string::npos) << u;
    }
    EXPECT_EQ((*uris)[0], "http://a/1");
    EXPECT_EQ((*uris)[2], "http://c/3");
    EXPECT_TRUE(warnings.empty());
}

TEST_F(CliInputFile, IndentedOptionLinesWarnedAndSkipped) {
    const std::string path = write("opts.txt", "http://a/1\n"
                                               "  dir=/tmp/a\n"
                                               "\tout=file.bin\n"
                                               "http://b/2\n");
    std::string error;
    std::vector<std::string> warnings;
    const auto uris = readInputFile(path, &error, &warnings);
    ASSERT_TRUE(uris.has_value()) << error;
    ASSERT_EQ(uris->size(), 2u);
    EXPECT_EQ((*uris)[0], "http://a/1");
    EXPECT_EQ((*uris)[1], "http://b/2");
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_TRUE(contains(warnings[0], path + ":2")) << warnings[0];
    EXPECT_TRUE(contains(warnings[1], path + ":3")) << warnings[1];
}

TEST_F(CliInputFile, EmptyFileGivesNoUris) {
    const std::string path = write("empty.txt", "");
    std::string error;
    const auto uris = readInputFile(path, &error, nullptr);
    ASSERT_TRUE(uris.has_value()) << error;
    EXPECT_TRUE(uris->empty());
}

TEST_F(CliInputFile, NullWarningsPointerAccepted) {
    const std::string path = write("w.txt", "  dir=/x\nhttp://a/1\n");
    const auto uris = readInputFile(path, nullptr, nullptr);
    ASSERT_TRUE(uris.has_value());
    ASSERT_EQ(uris->size(), 1u);
    EXPECT_EQ((*uris)[0], "http://a/1");
}

TEST_F(CliInputFile, MissingFileErrorsNamingIt) {
    const std::string path = (m_dir / "does-not-exist.txt").string();
    std::string error;
    std::vector<std::string> warnings;
    EXPECT_FALSE(readInputFile(path, &error, &warnings).has_value());
    EXPECT_TRUE(contains(error, path)) << error;
}

TEST_F(CliInputFile, DirectoryIsAnErrorNotAnEmptyList) {
    // "-i ~/Downloads" by mistake must not silently download nothing and exit 0.
    const std::string path = m_dir.string();
    std::string error;
    std::vector<std::string> warnings;
    EXPECT_FALSE(readInputFile(path, &error, &warnings).has_value());
    EXPECT_TRUE(contains(error, path)) << error;
}

} // namespace

namespace {

TEST(CliParse, VerifyAutoAndOff) {
    EXPECT_FALSE(ok({"http://a/1"}).verifyAuto);
    EXPECT_TRUE(ok({"--verify=auto", "http://a/1"}).verifyAuto);
    EXPECT_FALSE(ok({"--verify=auto", "--verify=off", "http://a/1"}).verifyAuto);
    const ParseResult bad = parse({"--verify=sha256", "http://a/1"});
    EXPECT_TRUE(contains(bad.error, "--verify")) << bad.error;
    EXPECT_TRUE(contains(bad.error, "sha256")) << bad.error;
}

// ---------------------------------------------------------------------------------------------
// Speed limits, --stats-json and --queue-retries

TEST(CliSpeed, ParsesAria2FormsAndDecimals) {
    using maria2::text::parseSpeed;
    EXPECT_EQ(parseSpeed("0"), 0);
    EXPECT_EQ(parseSpeed("100000"), 100000);
    EXPECT_EQ(parseSpeed("512K"), 512 * 1024);
    EXPECT_EQ(parseSpeed("512k"), 512 * 1024);
    EXPECT_EQ(parseSpeed("10M"), 10 * 1024 * 1024);
    EXPECT_EQ(parseSpeed("1.5M"), 3 * 512 * 1024);
    EXPECT_EQ(parseSpeed("0.5K"), 512);
    EXPECT_EQ(parseSpeed("2G"), std::int64_t{2} * 1024 * 1024 * 1024);
    EXPECT_EQ(parseSpeed("1.25"), 1); // rounded to whole bytes
    // The spellings the settings and time windows accept, so a speed reads the same anywhere.
    EXPECT_EQ(parseSpeed("10MB/s"), 10 * 1024 * 1024);
    EXPECT_EQ(parseSpeed("512KiB"), 512 * 1024);
    EXPECT_EQ(parseSpeed("100000B/s"), 100000);
    for (const char* bad : {"", "fast", "-1", "+1", "1.", ".5M", "1.5.5M", "1,5M", "10XB/s", "1e6",
                            "M", "1.xK", "1.0000000001K", "99999999999999999999"}) {
        EXPECT_FALSE(parseSpeed(bad).has_value()) << bad;
    }
}

TEST(CliParse, SpeedLimitsAllFormsAndDefaults) {
    const CliOptions none = ok({"http://a/1"});
    EXPECT_FALSE(none.overallLimit.has_value()); // the config's limit applies
    EXPECT_FALSE(none.downloadLimit.has_value());

    EXPECT_EQ(ok({"--max-overall-download-limit=10M"}).overallLimit, 10 * 1024 * 1024);
    EXPECT_EQ(ok({"--max-overall-download-limit", "1.5M"}).overallLimit, 3 * 512 * 1024);
    EXPECT_EQ(ok({"--max-overall-download-limit=0"}).overallLimit, 0); // unlimited
    EXPECT_EQ(ok({"--max-download-limit=512K"}).downloadLimit, 512 * 1024);
    EXPECT_EQ(ok({"--max-download-limit", "0"}).downloadLimit, 0);
}

TEST(CliParse, BadSpeedLimitNamesOptionAndValue) {
    for (const char* option : {"--max-overall-download-limit", "--max-download-limit"}) {
        for (const char* value : {"fast", "-5M", "1.5.5M", "2T", "2048G"}) {
            const ParseResult r = parse({std::string(option) + "=" + value, "http://a/1"});
            EXPECT_TRUE(contains(r.error, option)) << option << "=" << value << ": " << r.error;
            EXPECT_TRUE(contains(r.error, std::string("'") + value + "'")) << r.error;
            EXPECT_TRUE(contains(r.error, "512K")) << r.error; // says what would work
        }
        const ParseResult missing = parse({option});
        EXPECT_TRUE(contains(missing.error, "needs a value")) << missing.error;
    }
}

TEST(CliParse, StatsJsonTakesAFileOrDash) {
    EXPECT_TRUE(ok({"http://a/1"}).statsJson.empty());
    EXPECT_EQ(ok({"--stats-json=/tmp/s.jsonl"}).statsJson, "/tmp/s.jsonl");
    EXPECT_EQ(ok({"--stats-json", "-", "http://a/1"}).statsJson, "-");
    const ParseResult empty = parse({"--stats-json="});
    EXPECT_TRUE(contains(empty.error, "--stats-json")) << empty.error;
    const ParseResult missing = parse({"--stats-json"});
    EXPECT_TRUE(contains(missing.error, "needs a value")) << missing.error;
}

TEST(CliParse, QueueRetries) {
    EXPECT_FALSE(ok({"http://a/1"}).queueRetries.has_value()); // maria2c then uses 0
    EXPECT_EQ(ok({"--queue-retries=3"}).queueRetries, 3);
    EXPECT_EQ(ok({"--queue-retries", "0"}).queueRetries, 0);
    for (const char* value : {"-1", "101", "many", ""}) {
        const ParseResult r = parse({std::string("--queue-retries=") + value});
        EXPECT_TRUE(contains(r.error, "--queue-retries")) << value << ": " << r.error;
        EXPECT_TRUE(contains(r.error, "0 to 100")) << r.error;
    }
}

} // namespace
