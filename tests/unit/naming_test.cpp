// Unit tests for maria2::naming: where a download's file name comes from and how it is made
// safe to write. Pure functions, no network, no disk (except the default-predicate tests,
// which use a private temporary directory).
#include "core/naming/FileNaming.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace std::string_literals;
using maria2::naming::chooseFileName;
using maria2::naming::fileNameFromUrl;
using maria2::naming::isInside;
using maria2::naming::parseContentDisposition;
using maria2::naming::sanitizeFileName;
using maria2::naming::uniquePath;

namespace {

bool isValidUtf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = b < 0x80           ? 1
                          : (b >> 5) == 0x6  ? 2
                          : (b >> 4) == 0xE  ? 3
                          : (b >> 3) == 0x1E ? 4
                                             : 0;
        if (len == 0 || i + len > s.size())
            return false;
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

// Every property the header promises for a sanitized name.
void expectSafeName(const std::string& name) {
    SCOPED_TRACE("name: '" + name + "'");
    ASSERT_FALSE(name.empty());
    EXPECT_LE(name.size(), 236u);
    EXPECT_NE(name.front(), '.');
    EXPECT_NE(name, ".");
    EXPECT_NE(name, "..");
    EXPECT_EQ(name.find_first_of("/\\<>:\"|?*"), std::string::npos);
    for (char c : name) {
        const auto b = static_cast<unsigned char>(c);
        EXPECT_FALSE(b < 0x20 || b == 0x7F) << "control byte " << int(b);
    }
    EXPECT_NE(name.front(), ' ');
    EXPECT_NE(name.back(), ' ');
    EXPECT_NE(name.back(), '.');
    EXPECT_TRUE(isValidUtf8(name));
    // Still a single component after the filesystem library has a go at it.
    EXPECT_EQ(fs::path(name).filename().string(), name);
    EXPECT_FALSE(fs::path(name).has_parent_path());
}

} // namespace

// ---------------------------------------------------------------- parseContentDisposition

TEST(ContentDisposition, QuotedFilename) {
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="a b.txt")"), "a b.txt");
}

TEST(ContentDisposition, TokenFilename) {
    EXPECT_EQ(parseContentDisposition("attachment; filename=plain.txt"), "plain.txt");
}

TEST(ContentDisposition, ParameterNameIsCaseInsensitive) {
    EXPECT_EQ(parseContentDisposition(R"(inline; FILENAME="x")"), "x");
    EXPECT_EQ(parseContentDisposition(R"(Attachment; FileName="y.bin")"), "y.bin");
    EXPECT_EQ(parseContentDisposition("attachment; FILENAME*=utf-8''z.bin"), "z.bin");
}

TEST(ContentDisposition, QuotedStringEscapes) {
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="say \"hi\".txt")"),
              R"(say "hi".txt)");
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="back\\slash")"), R"(back\slash)");
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="\a\b\c")"), "abc");
}

TEST(ContentDisposition, SemicolonInsideQuotedString) {
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="a;b; c.txt"; size=3)"),
              "a;b; c.txt");
    EXPECT_EQ(parseContentDisposition(R"(attachment; foo="x; filename=evil"; filename="ok")"),
              "ok");
}

TEST(ContentDisposition, ExtraWhitespace) {
    EXPECT_EQ(parseContentDisposition("  attachment ;   filename =  \"spaced.txt\"  ; "),
              "spaced.txt");
    EXPECT_EQ(parseContentDisposition("attachment;filename=tight.txt"), "tight.txt");
    EXPECT_EQ(parseContentDisposition("attachment;\tfilename=\ttab.txt\t"), "tab.txt");
}

TEST(ContentDisposition, ExtendedUtf8) {
    EXPECT_EQ(parseContentDisposition("attachment; filename*=UTF-8''na%C3%AFve%20file.txt"),
              "na\xC3\xAFve file.txt");
}

TEST(ContentDisposition, ExtendedWithLanguageTag) {
    EXPECT_EQ(parseContentDisposition("attachment; filename*=UTF-8'en-US'r%C3%A9sum%C3%A9.pdf"),
              "r\xC3\xA9sum\xC3\xA9.pdf");
}

TEST(ContentDisposition, ExtendedLatin1IsConvertedToUtf8) {
    // 0xE9 is 'é' in ISO-8859-1; 0xFF is 'ÿ'.
    EXPECT_EQ(parseContentDisposition("attachment; filename*=iso-8859-1'de'caf%E9%FF.txt"),
              "caf\xC3\xA9\xC3\xBF.txt");
}

TEST(ContentDisposition, ExtendedWinsRegardlessOfOrder) {
    EXPECT_EQ(parseContentDisposition(
                  R"(attachment; filename="fallback.txt"; filename*=UTF-8''real%20name.txt)"),
              "real name.txt");
    EXPECT_EQ(parseContentDisposition(
                  R"(attachment; filename*=UTF-8''real%20name.txt; filename="fallback.txt")"),
              "real name.txt");
}

TEST(ContentDisposition, UnusableExtendedFallsBackToFilename) {
    // Unknown charset, no quotes, bad escape, invalid UTF-8, empty value.
    for (const char* ext : {"KOI8-R''abc", "abc.txt", "UTF-8''bad%zz", "UTF-8''half%4zx",
                            "UTF-8''trunc%4", "UTF-8''%FF%FE", "UTF-8''"}) {
        SCOPED_TRACE(ext);
        EXPECT_EQ(
            parseContentDisposition("attachment; filename*="s + ext + "; filename=\"fb.txt\""),
            "fb.txt");
        EXPECT_EQ(parseContentDisposition("attachment; filename*="s + ext), std::nullopt);
    }
}

TEST(ContentDisposition, QuotedExtendedValueIsTolerated) {
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename*="UTF-8''q%20x.bin")"), "q x.bin");
}

TEST(ContentDisposition, FilenameWithoutDispositionType) {
    EXPECT_EQ(parseContentDisposition(R"(filename="only.bin")"), "only.bin");
}

TEST(ContentDisposition, FirstDuplicateWins) {
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="one"; filename="two")"), "one");
}

TEST(ContentDisposition, OtherParametersAreIgnored) {
    EXPECT_EQ(parseContentDisposition(
                  R"(attachment; name="field"; filenamex="no"; creation-date="x"; filename=f.bin)"),
              "f.bin");
    EXPECT_EQ(parseContentDisposition(R"(form-data; name="file")"), std::nullopt);
}

TEST(ContentDisposition, PathsAreReturnedRaw) {
    // Neutralising them is sanitizeFileName's job; see the Hostile test below.
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="../../etc/passwd")"),
              "../../etc/passwd");
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="C:\\evil\\x.exe")"),
              R"(C:\evil\x.exe)");
}

TEST(ContentDisposition, GarbageAndEmptyGiveNullopt) {
    for (const char* header :
         {"", " ", ";;;", "attachment", "inline", "garbage", "=====", "\"\"\"",
          "attachment; filename", "attachment; filename=", R"(attachment; filename="")",
          "attachment; filename=   ;", R"(attachment; filename="unterminated)",
          "attachment; =x.txt", "\x01\x02\xff",
          "attachment; filename*=", "attachment; filename*=''"}) {
        SCOPED_TRACE(header);
        EXPECT_EQ(parseContentDisposition(header), std::nullopt);
    }
}

TEST(ContentDisposition, ParsingStopsAtUnterminatedQuoteButKeepsEarlierName) {
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="good.txt"; foo="oops)"), "good.txt");
}

TEST(ContentDisposition, JunkAfterClosingQuoteIsTolerated) {
    EXPECT_EQ(parseContentDisposition(R"(attachment; filename="a.txt"junk; size=1)"), "a.txt");
}

// ---------------------------------------------------------------- fileNameFromUrl

TEST(FileNameFromUrl, DecodesLastSegmentIgnoringQueryAndFragment) {
    EXPECT_EQ(fileNameFromUrl("http://h/dir/file%20name.iso?x=1#f"), "file name.iso");
    EXPECT_EQ(fileNameFromUrl("https://example.com/a/b/c.zip?redirect=/x/y.exe"), "c.zip");
}

TEST(FileNameFromUrl, NoFileNameGivesNullopt) {
    EXPECT_EQ(fileNameFromUrl("http://h/"), std::nullopt);
    EXPECT_EQ(fileNameFromUrl("http://h"), std::nullopt);
    EXPECT_EQ(fileNameFromUrl("http://h/dir/"), std::nullopt);
    EXPECT_EQ(fileNameFromUrl("http://h/?file=a.iso"), std::nullopt);
    EXPECT_EQ(fileNameFromUrl("http://h/a/.."), std::nullopt);
    EXPECT_EQ(fileNameFromUrl("http://h/a/%2e%2e"), std::nullopt);
}

TEST(FileNameFromUrl, Ftp) {
    EXPECT_EQ(fileNameFromUrl("ftp://h/pub/a.tar.gz"), "a.tar.gz");
}

TEST(FileNameFromUrl, WithPortAndCredentials) {
    EXPECT_EQ(fileNameFromUrl("http://user:pw@h:8080/x/y.bin"), "y.bin");
}

TEST(FileNameFromUrl, Utf8Segment) {
    EXPECT_EQ(fileNameFromUrl("http://h/%E6%97%A5%E6%9C%AC.txt"), "\xE6\x97\xA5\xE6\x9C\xAC.txt");
}

TEST(FileNameFromUrl, EncodedSlashStaysInSegment) {
    const auto raw = fileNameFromUrl("http://h/dir/a%2Fb.iso");
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(*raw, "a/b.iso"); // decoded, but it was one segment: "dir" is not involved
    const std::string safe = sanitizeFileName(*raw);
    expectSafeName(safe);
    EXPECT_EQ(safe.find('/'), std::string::npos);
    EXPECT_EQ(safe, "b.iso");
    EXPECT_EQ(chooseFileName("", "", "http://h/dir/..%2F..%2Fetc%2Fpasswd"), "passwd");
}

TEST(FileNameFromUrl, RejectedUrlsGiveNullopt) {
    for (const std::string& url : {""s, "not a url"s, "http://"s, "://nohost/x"s, "http://h/a b"s,
                                   "http://[::1/x.bin"s, "http://h/x\0y.bin"s}) {
        SCOPED_TRACE(url);
        EXPECT_EQ(fileNameFromUrl(url), std::nullopt);
    }
}

TEST(FileNameFromUrl, NulInsideUrlIsRejectedNotTruncated) {
    // Without the check, curl would see "http://h/safe.txt" and we would name it that.
    EXPECT_EQ(fileNameFromUrl("http://h/safe.txt\0/evil.exe"s), std::nullopt);
}

TEST(FileNameFromUrl, DecodedNulIsKeptForSanitizer) {
    const auto raw = fileNameFromUrl("http://h/a%00b.txt");
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(*raw, "a\0b.txt"s);
    EXPECT_EQ(sanitizeFileName(*raw), "a_b.txt");
}

// ---------------------------------------------------------------- sanitizeFileName

TEST(Sanitize, OrdinaryNamesAreUnchanged) {
    for (const char* n : {"file.txt", "a b c.tar.gz", "na\xC3\xAFve.txt", "x",
                          "\xE6\x97\xA5\xE6\x9C\xAC.txt", "emoji \xF0\x9F\x98\x80.png", "a..b"}) {
        EXPECT_EQ(sanitizeFileName(n), n);
    }
}

TEST(Sanitize, PathsKeepOnlyLastComponent) {
    EXPECT_EQ(sanitizeFileName("../../etc/passwd"), "passwd");
    EXPECT_EQ(sanitizeFileName("..\\..\\windows\\system32"), "system32");
    EXPECT_EQ(sanitizeFileName("/etc/shadow"), "shadow");
    EXPECT_EQ(sanitizeFileName("a/b"), "b");
    EXPECT_EQ(sanitizeFileName("C:\\evil\\x.exe"), "x.exe");
    EXPECT_EQ(sanitizeFileName("dir/"), "dir");
    EXPECT_EQ(sanitizeFileName("mixed/sep\\name.bin"), "name.bin");
}

TEST(Sanitize, DotNamesAndEmptyGiveFallback) {
    for (const std::string& n :
         {""s, "."s, ".."s, "..."s, "../"s, "/"s, "\\"s, "   "s, " . . "s, "a/.."s, "x\\."s}) {
        SCOPED_TRACE(n);
        EXPECT_EQ(sanitizeFileName(n), "index.html");
        EXPECT_EQ(sanitizeFileName(n, "fallback.bin"), "fallback.bin");
        EXPECT_EQ(sanitizeFileName(n, ""), "");
    }
}

TEST(Sanitize, ForbiddenCharactersBecomeUnderscore) {
    EXPECT_EQ(sanitizeFileName("a<b>c:d\"e|f?g*h.txt"), "a_b_c_d_e_f_g_h.txt");
    EXPECT_EQ(sanitizeFileName("C:x.exe"), "C_x.exe");
}

TEST(Sanitize, ControlCharacters) {
    EXPECT_EQ(sanitizeFileName("\x01\x1f name"), "__ name");
    EXPECT_EQ(sanitizeFileName("name\n.txt"), "name_.txt");
    EXPECT_EQ(sanitizeFileName("tab\there\x7f.txt"), "tab_here_.txt");
    EXPECT_EQ(sanitizeFileName("a\0b.txt"s), "a_b.txt");
    EXPECT_EQ(sanitizeFileName("\0"s), "_");
}

TEST(Sanitize, DisplayControlCharacters) {
    // U+202E RIGHT-TO-LEFT OVERRIDE would display "invoice\u202Egpj.exe" as "invoiceexe.jpg".
    EXPECT_EQ(sanitizeFileName("invoice\xE2\x80\xAEgpj.exe"), "invoice_gpj.exe");
    // C1 control U+0085.
    EXPECT_EQ(sanitizeFileName("a\xC2\x85z"), "a_z");
}

TEST(Sanitize, InvalidUtf8BytesBecomeUnderscore) {
    EXPECT_EQ(sanitizeFileName("caf\xE9.txt"), "caf_.txt");        // Latin-1 byte
    EXPECT_EQ(sanitizeFileName("\xC3"), "_");                      // truncated sequence
    EXPECT_EQ(sanitizeFileName("a\xC0\xAF.txt"), "a__.txt");       // overlong '/'
    EXPECT_EQ(sanitizeFileName("s\xED\xA0\x80.txt"), "s___.txt");  // surrogate
    EXPECT_EQ(sanitizeFileName("a\xE0\x80\xAF"), "a___");          // 3-byte overlong '/'
    EXPECT_EQ(sanitizeFileName("a\xF0\x80\x80\xAF"), "a____");     // 4-byte overlong '/'
    EXPECT_EQ(sanitizeFileName("big\xF4\x90\x80\x80"), "big____"); // > U+10FFFF
    EXPECT_EQ(sanitizeFileName("\xFF\xFE"), "__");
    EXPECT_EQ(sanitizeFileName("ok\xC3\xA9\x80"), "ok\xC3\xA9_"); // stray continuation
}

TEST(Sanitize, ReservedDeviceNamesGetUnderscorePrefix) {
    EXPECT_EQ(sanitizeFileName("CON"), "_CON");
    EXPECT_EQ(sanitizeFileName("con.txt"), "_con.txt");
    EXPECT_EQ(sanitizeFileName("nul.txt"), "_nul.txt");
    EXPECT_EQ(sanitizeFileName("aux"), "_aux");
    EXPECT_EQ(sanitizeFileName("PRN.tar.gz"), "_PRN.tar.gz");
    EXPECT_EQ(sanitizeFileName("COM1"), "_COM1");
    EXPECT_EQ(sanitizeFileName("Com1.log"), "_Com1.log");
    EXPECT_EQ(sanitizeFileName("LPT9.log"), "_LPT9.log");
    EXPECT_EQ(sanitizeFileName("lpt0"), "_lpt0");
    EXPECT_EQ(sanitizeFileName("COM\xC2\xB9.txt"), "_COM\xC2\xB9.txt");
    EXPECT_EQ(sanitizeFileName("CONOUT$"), "_CONOUT$");
    EXPECT_EQ(sanitizeFileName("CON .txt"), "_CON .txt");
    EXPECT_EQ(sanitizeFileName("  con."), "_con");
    EXPECT_EQ(sanitizeFileName("dir/NUL"), "_NUL");
}

TEST(Sanitize, NearReservedNamesAreLeftAlone) {
    for (const char* n : {"CONSOLE", "context.txt", "COM10", "COM", "LPT", "auxiliary.c", "nully",
                          "xCON", "COMA.txt", "my.con"}) {
        EXPECT_EQ(sanitizeFileName(n), n);
    }
}

TEST(Sanitize, TrimsTrailingDotsAndSpacesAndLeadingSpaces) {
    EXPECT_EQ(sanitizeFileName("file. . ."), "file");
    EXPECT_EQ(sanitizeFileName("  lead"), "lead");
    EXPECT_EQ(sanitizeFileName("name.txt.  "), "name.txt");
    EXPECT_EQ(sanitizeFileName(" both ends . "), "both ends");
    EXPECT_EQ(sanitizeFileName("inner  spaces ok"), "inner  spaces ok");
}

TEST(Sanitize, LongAsciiNameIsCappedKeepingExtension) {
    const std::string name = std::string(1000, 'a') + ".iso";
    const std::string safe = sanitizeFileName(name);
    EXPECT_EQ(safe.size(), 236u);
    EXPECT_EQ(safe, std::string(232, 'a') + ".iso");
}

TEST(Sanitize, LongNameWithoutExtensionIsCapped) {
    EXPECT_EQ(sanitizeFileName(std::string(1000, 'x')), std::string(236, 'x'));
}

TEST(Sanitize, LongNameKeepsDoubleExtension) {
    const std::string safe = sanitizeFileName(std::string(300, 'b') + ".tar.gz");
    EXPECT_EQ(safe.size(), 236u);
    EXPECT_EQ(safe.substr(safe.size() - 7), ".tar.gz");
}

TEST(Sanitize, LongMultibyteNameIsNotCutMidSequence) {
    // 'é' is two bytes; 'あ' is three. With ".txt" the stem budget is 232 bytes: with the
    // leading 'x', a naive cut would split a character.
    for (const std::string& ch : {"\xC3\xA9"s, "\xE3\x81\x82"s, "\xF0\x9F\x98\x80"s}) {
        std::string name = "x"; // shift the alignment by one byte
        for (int i = 0; i < 400; ++i)
            name += ch;
        name += ".txt";
        const std::string safe = sanitizeFileName(name);
        SCOPED_TRACE(ch);
        expectSafeName(safe);
        EXPECT_GE(safe.size(), 236u - ch.size() + 1);
        EXPECT_EQ(safe.substr(safe.size() - 4), ".txt");
        EXPECT_EQ(safe.find('_'), std::string::npos); // no character was mangled
    }
}

TEST(Sanitize, OverlongExtensionIsNotTreatedAsOne) {
    const std::string name = "a." + std::string(500, 'e');
    const std::string safe = sanitizeFileName(name);
    EXPECT_EQ(safe, name.substr(0, 236));
}

TEST(Sanitize, CapThenTrailingSpacesDoesNotExposeReservedName) {
    // After the cap the name is "NUL" + spaces; trimming leaves "NUL", which must be fixed.
    const std::string safe = sanitizeFileName("NUL" + std::string(300, ' ') + "x");
    EXPECT_EQ(safe, "_NUL");
}

TEST(Sanitize, ReservedPrefixDoesNotBreakTheCap) {
    // 236 bytes, no usable extension: the '_' prefix would make it 237.
    const std::string name = "CON." + std::string(232, 'e');
    const std::string safe = sanitizeFileName(name);
    EXPECT_EQ(safe.size(), 236u);
    EXPECT_EQ(safe, "_" + name.substr(0, 235));
}

TEST(Sanitize, HostileList) {
    const std::vector<std::string> hostile = {
        "../../etc/passwd",
        "..\\..\\windows\\system32",
        "/etc/shadow",
        "a/b",
        "\x01\x1f name",
        "name\n.txt",
        "CON",
        "con.txt",
        "aux",
        "Com1.log",
        "file. . .",
        "  lead",
        std::string(1000, 'n'),
        std::string(1000, '.'),
        std::string(999, ' ') + "z",
        "../", // "%2e%2e%2f" after decoding
        "evil\0.txt"s,
        "\0\0\0"s,
        "C:\\evil\\x.exe",
        "\\\\server\\share\\f",
        "..",
        "./.",
        "\xC0\xAE\xC0\xAE/",
        "<>:\"|?*",
        "trailing\\",
        "LPT1 . .",
    };
    for (const auto& n : hostile) {
        expectSafeName(sanitizeFileName(n));
        expectSafeName(sanitizeFileName(n, "x"));
    }
}

TEST(Sanitize, IsIdempotent) {
    for (const std::string& n :
         {"../a"s, "CON"s, "a\0b"s, std::string(600, 'q') + ".zip", " x. "s, "caf\xE9"s, "a:b"s}) {
        const std::string once = sanitizeFileName(n);
        EXPECT_EQ(sanitizeFileName(once), once);
    }
}

// ---------------------------------------------------------------- chooseFileName

TEST(ChooseFileName, ExplicitWins) {
    EXPECT_EQ(chooseFileName("out.bin", R"(attachment; filename="cd.bin")", "http://h/u.bin"),
              "out.bin");
}

TEST(ChooseFileName, ExplicitIsSanitizedToOneComponent) {
    EXPECT_EQ(chooseFileName("sub/x.bin", "", "http://h/u.bin"), "x.bin");
    EXPECT_EQ(chooseFileName("CON", "", ""), "_CON");
}

TEST(ChooseFileName, UnusableExplicitFallsThrough) {
    EXPECT_EQ(chooseFileName("..", R"(attachment; filename="cd.bin")", ""), "cd.bin");
    EXPECT_EQ(chooseFileName("   ", "", "http://h/u.bin"), "u.bin");
}

TEST(ChooseFileName, ContentDispositionBeatsUrl) {
    EXPECT_EQ(chooseFileName("", R"(attachment; filename="cd.bin")", "http://h/u.bin"), "cd.bin");
    EXPECT_EQ(chooseFileName("", "attachment; filename*=UTF-8''%C3%A9.bin", "http://h/u.bin"),
              "\xC3\xA9.bin");
}

TEST(ChooseFileName, ContentDispositionIsSanitized) {
    EXPECT_EQ(chooseFileName("", R"(attachment; filename="../../etc/passwd")", "http://h/u"),
              "passwd");
    EXPECT_EQ(chooseFileName("", R"(attachment; filename="C:\\evil\\x.exe")", ""), "x.exe");
}

TEST(ChooseFileName, UnusableContentDispositionFallsBackToUrl) {
    EXPECT_EQ(chooseFileName("", "garbage", "http://h/u.bin"), "u.bin");
    EXPECT_EQ(chooseFileName("", R"(attachment; filename="..")", "http://h/u.bin"), "u.bin");
}

TEST(ChooseFileName, UrlIsDecodedAndSanitized) {
    EXPECT_EQ(chooseFileName("", "", "http://h/dir/file%20name.iso?x=1#f"), "file name.iso");
    EXPECT_EQ(chooseFileName("", "", "http://h/a%3Cb%3E.txt"), "a_b_.txt");
}

TEST(ChooseFileName, DefaultIsIndexHtml) {
    EXPECT_EQ(chooseFileName("", "", "http://h/"), "index.html");
    EXPECT_EQ(chooseFileName("", "", "http://h"), "index.html");
    EXPECT_EQ(chooseFileName("", "", "not a url"), "index.html");
    EXPECT_EQ(chooseFileName("", "", ""), "index.html");
}

// ---------------------------------------------------------------- uniquePath

namespace {

auto takenIn(const std::set<fs::path>& set) {
    return [&set](const fs::path& p) {
        return set.count(p) != 0;
    };
}

} // namespace

TEST(UniquePath, FreeNameIsUsedAsIs) {
    const std::set<fs::path> taken;
    EXPECT_EQ(uniquePath("/d", "a.txt", takenIn(taken)), fs::path("/d/a.txt"));
}

TEST(UniquePath, CounterGoesBeforeExtension) {
    const std::set<fs::path> taken = {"/d/a.txt"};
    EXPECT_EQ(uniquePath("/d", "a.txt", takenIn(taken)), fs::path("/d/a (1).txt"));
}

TEST(UniquePath, CounterSkipsTakenNumbers) {
    const std::set<fs::path> taken = {"/d/a.txt", "/d/a (1).txt", "/d/a (2).txt", "/d/a (4).txt"};
    EXPECT_EQ(uniquePath("/d", "a.txt", takenIn(taken)), fs::path("/d/a (3).txt"));
}

TEST(UniquePath, DoubleExtensions) {
    for (const std::string& ext : {".tar.gz"s, ".tar.bz2"s, ".tar.xz"s, ".tar.zst"s, ".TAR.GZ"s}) {
        const std::set<fs::path> taken = {"/d/archive" + ext};
        EXPECT_EQ(uniquePath("/d", "archive" + ext, takenIn(taken)),
                  fs::path("/d/archive (1)" + ext));
    }
}

TEST(UniquePath, OnlyLastExtensionOtherwise) {
    const std::set<fs::path> taken = {"/d/my.file.zip", "/d/x.gz"};
    EXPECT_EQ(uniquePath("/d", "my.file.zip", takenIn(taken)), fs::path("/d/my.file (1).zip"));
    EXPECT_EQ(uniquePath("/d", "x.gz", takenIn(taken)), fs::path("/d/x (1).gz"));
}

TEST(UniquePath, DotFollowedBySpaceIsNotAnExtension) {
    const std::set<fs::path> taken = {"/d/Report v1. final", "/d/v1.2"};
    EXPECT_EQ(uniquePath("/d", "Report v1. final", takenIn(taken)),
              fs::path("/d/Report v1. final (1)"));
    EXPECT_EQ(uniquePath("/d", "v1.2", takenIn(taken)), fs::path("/d/v1 (1).2"));
}

TEST(UniquePath, NoExtension) {
    const std::set<fs::path> taken = {"/d/README", "/d/README (1)"};
    EXPECT_EQ(uniquePath("/d", "README", takenIn(taken)), fs::path("/d/README (2)"));
}

TEST(UniquePath, Dotfile) {
    const std::set<fs::path> taken = {"/d/.bashrc"};
    EXPECT_EQ(uniquePath("/d", ".bashrc", takenIn(taken)), fs::path("/d/.bashrc (1)"));
}

TEST(UniquePath, RelativeDirectory) {
    const std::set<fs::path> taken = {"dl/x.bin"};
    EXPECT_EQ(uniquePath("dl", "x.bin", takenIn(taken)), fs::path("dl/x (1).bin"));
}

TEST(UniquePath, PredicateSeesEveryCandidateInOrder) {
    std::vector<fs::path> asked;
    const auto result = uniquePath("/d", "f.txt", [&](const fs::path& p) {
        asked.push_back(p);
        return asked.size() < 3;
    });
    EXPECT_EQ(result, fs::path("/d/f (2).txt"));
    const std::vector<fs::path> expected = {"/d/f.txt", "/d/f (1).txt", "/d/f (2).txt"};
    EXPECT_EQ(asked, expected);
}

TEST(UniquePath, GivesUpWhenEverythingIsTaken) {
    int calls = 0;
    EXPECT_THROW(uniquePath("/d", "f.txt",
                            [&](const fs::path&) {
                                ++calls;
                                return true;
                            }),
                 std::runtime_error);
    EXPECT_EQ(calls, 10000); // the name itself plus (1)..(9999)
}

class UniquePathOnDisk : public ::testing::Test {
protected:
    void SetUp() override {
        // Random suffix: ctest may run several test processes (or builds) at once.
        m_dir = fs::temp_directory_path() /
                ("maria2_naming_test_" + std::to_string(std::random_device{}()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }
    void touch(const std::string& name) { std::ofstream(m_dir / name) << "x"; }

    fs::path m_dir;
};

TEST_F(UniquePathOnDisk, DefaultPredicateChecksTheFilesystem) {
    EXPECT_EQ(uniquePath(m_dir, "a.txt"), m_dir / "a.txt");
    touch("a.txt");
    touch("a (1).txt");
    EXPECT_EQ(uniquePath(m_dir, "a.txt"), m_dir / "a (2).txt");
}

TEST_F(UniquePathOnDisk, DefaultPredicateCountsDirectories) {
    fs::create_directory(m_dir / "name");
    EXPECT_EQ(uniquePath(m_dir, "name"), m_dir / "name (1)");
}

TEST_F(UniquePathOnDisk, DefaultPredicateCountsDanglingSymlinks) {
    // exists() follows links and would say "free"; writing there would follow the link.
    std::error_code ec;
    fs::create_symlink(m_dir / "nowhere", m_dir / "link.bin", ec);
    if (ec)
        GTEST_SKIP() << "cannot create symlinks here: " << ec.message();
    ASSERT_FALSE(fs::exists(m_dir / "link.bin"));
    EXPECT_EQ(uniquePath(m_dir, "link.bin"), m_dir / "link (1).bin");
}

TEST_F(UniquePathOnDisk, PartFileIsNotConsideredTaken) {
    touch("a.txt.part");
    EXPECT_EQ(uniquePath(m_dir, "a.txt"), m_dir / "a.txt");
}

// ---------------------------------------------------------------- isInside

TEST(IsInside, DirectChildAndDeeper) {
    EXPECT_TRUE(isInside("/dl", "/dl/a.txt"));
    EXPECT_TRUE(isInside("/dl", "/dl/sub/a.txt"));
    EXPECT_TRUE(isInside("/dl/", "/dl/a.txt"));
    EXPECT_TRUE(isInside("/", "/etc"));
}

TEST(IsInside, DotDotEscapes) {
    EXPECT_FALSE(isInside("/dl", "/dl/../etc/passwd"));
    EXPECT_FALSE(isInside("/dl", "/dl/sub/../../x"));
    EXPECT_FALSE(isInside("/dl", "/dl/.."));
    EXPECT_TRUE(isInside("/dl", "/dl/sub/../x"));
    EXPECT_TRUE(isInside("/dl", "/other/../dl/x"));
    EXPECT_TRUE(isInside("/dl/./x/..", "/dl/./a"));
}

TEST(IsInside, DirectoryItselfIsNotInside) {
    EXPECT_FALSE(isInside("/dl", "/dl"));
    EXPECT_FALSE(isInside("/dl", "/dl/"));
    EXPECT_FALSE(isInside("/dl", "/dl/."));
    EXPECT_FALSE(isInside("/dl", "/dl/sub/.."));
}

TEST(IsInside, ComponentsNotStringPrefix) {
    EXPECT_FALSE(isInside("/dl", "/dl2/a"));
    EXPECT_FALSE(isInside("/dl", "/d"));
    EXPECT_FALSE(isInside("/a/b", "/a/bc/d"));
}

TEST(IsInside, UnrelatedPaths) {
    EXPECT_FALSE(isInside("/dl", "/etc/passwd"));
    EXPECT_FALSE(isInside("/dl/sub", "/dl/a"));
}

TEST(IsInside, RelativePaths) {
    EXPECT_TRUE(isInside("dl", "dl/a"));
    EXPECT_TRUE(isInside("./dl", "dl/a"));
    EXPECT_FALSE(isInside("dl", "dl/../a"));
    EXPECT_FALSE(isInside("dl", "../dl/a"));
    EXPECT_TRUE(isInside(".", "a"));
    EXPECT_TRUE(isInside("", "a"));
    EXPECT_FALSE(isInside(".", "../a"));
    EXPECT_FALSE(isInside(".", "a/../../b"));
    EXPECT_FALSE(isInside(".", "."));
    EXPECT_TRUE(isInside("..", "../a"));
    EXPECT_FALSE(isInside("..", "../../a"));
}

TEST(IsInside, AbsoluteAndRelativeDoNotMix) {
    EXPECT_FALSE(isInside("/dl", "dl/a"));
    EXPECT_FALSE(isInside("dl", "/dl/a"));
    EXPECT_FALSE(isInside(".", "/etc/passwd"));
    EXPECT_FALSE(isInside("", "/etc/passwd"));
}

TEST(IsInside, SanitizedNamesStayInside) {
    const fs::path dir = "/downloads";
    for (const std::string& n :
         {"../../etc/passwd"s, ".."s, "/etc/shadow"s, "a\\..\\..\\b"s, "../"s}) {
        EXPECT_TRUE(isInside(dir, dir / sanitizeFileName(n))) << n;
        EXPECT_TRUE(isInside(
            dir, uniquePath(dir, sanitizeFileName(n), [](const fs::path&) { return false; })));
    }
}

// ---------------------------------------------------------------------------------------------
// Names a server chooses that would hide or fool: issue 15.

TEST(Sanitize, InvisibleCharactersAreDropped) {
    // U+200B zero-width space, U+FEFF, U+2060 word joiner, U+00AD soft hyphen, a tag character.
    EXPECT_EQ(sanitizeFileName("report\xE2\x80\x8B.pdf"), "report.pdf");
    EXPECT_EQ(sanitizeFileName("\xEF\xBB\xBFsetup.exe"), "setup.exe");
    EXPECT_EQ(sanitizeFileName("a\xE2\x81\xA0"
                               "b\xC2\xAD"
                               "c.txt"),
              "abc.txt");
    EXPECT_EQ(sanitizeFileName("x\xF3\xA0\x80\x81y.bin"), "xy.bin");
    // Nothing but invisible characters is no name at all.
    EXPECT_EQ(sanitizeFileName("\xE2\x80\x8B\xE2\x80\x8B", ""), "");
    // ZWNJ inside a Persian word is part of the word.
    EXPECT_EQ(sanitizeFileName("\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xB1\xD9\x88\xD9\x85.txt"),
              "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xB1\xD9\x88\xD9\x85.txt");
}

TEST(Sanitize, LeadingDotIsPrefixedSoNothingIsHidden) {
    EXPECT_EQ(sanitizeFileName(".bashrc"), "_.bashrc");
    EXPECT_EQ(sanitizeFileName(".htaccess"), "_.htaccess");
    EXPECT_EQ(sanitizeFileName("  .profile"), "_.profile");
    EXPECT_EQ(sanitizeFileName("dir/.ssh"), "_.ssh");
    // An invisible character in front does not smuggle the dot through.
    EXPECT_EQ(sanitizeFileName("\xE2\x80\x8B.bashrc"), "_.bashrc");
    // The prefix keeps the cap.
    EXPECT_EQ(sanitizeFileName("." + std::string(400, 'x')).size(), 236u);
}

TEST(Sanitize, EveryDerivedNameFitsTheFileSystemLimit) {
    // The longest name we write beside a file: "NAME (9999).part.maria2".
    const std::string safe = sanitizeFileName(std::string(400, 'n') + ".iso");
    const std::string stem = safe.substr(0, safe.size() - 4);
    EXPECT_LE((stem + " (9999).iso.part.maria2").size(), 255u);
}
