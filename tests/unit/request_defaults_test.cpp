// Unit tests for maria2::applyRequestDefaults: what a new download takes from the settings.
#include "core/config/RequestDefaults.h"

#include <gtest/gtest.h>

using maria2::applyRequestDefaults;
using maria2::DownloadRequest;
using maria2::DownloadSettings;
using maria2::RequestChoices;

namespace {

DownloadSettings settings(bool overwrite, bool resume) {
    DownloadSettings s;
    s.directory = "/downloads";
    s.allowOverwrite = overwrite;
    s.continueDownloads = resume;
    return s;
}

TEST(RequestDefaults, WhatTheAdderLeftOpenComesFromTheSettings) {
    DownloadRequest r;
    applyRequestDefaults(r, settings(true, false), {});
    EXPECT_EQ(r.directory, "/downloads");
    EXPECT_TRUE(r.allowOverwrite);
    EXPECT_FALSE(r.continuePartial);
    applyRequestDefaults(r, settings(false, true), {});
    EXPECT_FALSE(r.allowOverwrite);
    EXPECT_TRUE(r.continuePartial);
}

TEST(RequestDefaults, AnExplicitNoBeatsTheSettingsYes) {
    DownloadRequest r;
    applyRequestDefaults(r, settings(true, true), RequestChoices{false, false});
    EXPECT_FALSE(r.allowOverwrite) << "maria2c --allow-overwrite=false";
    EXPECT_FALSE(r.continuePartial) << "maria2c without -c";
}

TEST(RequestDefaults, AnExplicitYesBeatsTheSettingsNo) {
    DownloadRequest r;
    applyRequestDefaults(r, settings(false, false), RequestChoices{true, true});
    EXPECT_TRUE(r.allowOverwrite);
    EXPECT_TRUE(r.continuePartial);
}

TEST(RequestDefaults, AFolderTheAdderChoseIsKept) {
    DownloadRequest r;
    r.directory = "/elsewhere";
    applyRequestDefaults(r, settings(false, true), {});
    EXPECT_EQ(r.directory, "/elsewhere");
}

} // namespace
