// Unit tests for maria2::PartStorage: what makes a part file resumable (the control file only
// claims flushed ranges, periodic saves on the worker, taking a save back) and the durable
// end (flush, close, rename, control file gone), on a private temporary directory.
#include "core/storage/PartStorage.h"

#include "core/io/BootId.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using maria2::IntervalSet;
using maria2::PartStorage;
using maria2::io::ControlData;
using maria2::io::IoError;
using maria2::io::IoWorker;

namespace {

class PartStorageTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() /
                ("maria2_part_storage_" +
                 std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    static ControlData describe() {
        ControlData d;
        d.url = "https://example.com/f.bin";
        d.totalBytes = 10;
        d.acceptsRanges = true;
        return d;
    }
    static std::string readAll(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    fs::path m_dir;
    IoWorker m_io;
};

TEST_F(PartStorageTest, ForcedSaveRecordsTheWrittenRangesAtOnce) {
    PartStorage store(m_io, "[#1]", std::chrono::milliseconds(1000), "https://example.com/f.bin");
    store.setPath(m_dir / "f.bin.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error)) << error.message;
    ASSERT_TRUE(store.file().writeAt(0, "hello", 5, &error));
    IntervalSet written;
    written.add({0, 5});
    store.save(true, written, &describe);
    EXPECT_EQ(store.durable(), written);
    EXPECT_FALSE(store.dirty());
    std::string why;
    const auto control = maria2::io::loadControl(store.controlPath(), &why);
    ASSERT_TRUE(control.has_value()) << why;
    ASSERT_EQ(control->ranges.size(), 1U);
    EXPECT_EQ(control->ranges[0].end, 5);
    EXPECT_EQ(control->totalBytes, 10);

    // Nothing new: no second write of the same.
    fs::remove(store.controlPath());
    store.save(true, written, &describe);
    EXPECT_FALSE(fs::exists(store.controlPath()));
    store.close();
}

TEST_F(PartStorageTest, PeriodicSaveRunsOnTheWorkerAndIsAppliedAfterIt) {
    PartStorage store(m_io, "[#2]", std::chrono::milliseconds(0), "u");
    store.setPath(m_dir / "g.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error)) << error.message;
    IntervalSet written;
    written.add({0, 3});
    ASSERT_TRUE(store.file().writeAt(0, "abc", 3, &error));
    store.save(false, written, &describe);
    store.settle(); // waits for it (or takes it back: then it stays dirty)
    if (store.dirty()) {
        EXPECT_TRUE(store.durable().empty());
        store.save(true, written, &describe);
    }
    EXPECT_EQ(store.durable(), written);
    EXPECT_TRUE(fs::exists(store.controlPath()));
    store.close();
}

TEST_F(PartStorageTest, SaveTakenBackBeforeItRanStaysDirty) {
    // Hold the worker so the periodic save stays queued.
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> started;
    const auto blocker = m_io.post([&] {
        started.set_value();
        released.wait();
    });
    started.get_future().wait();
    PartStorage store(m_io, "[#3]", std::chrono::milliseconds(0), "u");
    store.setPath(m_dir / "h.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error)) << error.message;
    IntervalSet written;
    written.add({0, 1});
    store.save(false, written, &describe);
    EXPECT_FALSE(store.dirty()); // in flight
    store.settle();              // queued: taken back
    EXPECT_TRUE(store.dirty());
    EXPECT_TRUE(store.durable().empty());
    EXPECT_FALSE(fs::exists(store.controlPath()));
    release.set_value();
    m_io.wait(blocker);
    store.close();
}

TEST_F(PartStorageTest, AdoptReadsTheControlFileAndItsUrl) {
    {
        PartStorage store(m_io, "[#4]", std::chrono::milliseconds(0), "first-url");
        store.setPath(m_dir / "a.part");
        IoError error;
        ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error));
        ASSERT_TRUE(store.file().writeAt(0, "0123456789", 10, &error));
        IntervalSet written;
        written.add({0, 10});
        store.save(true, written, &describe);
        store.close();
    }
    PartStorage again(m_io, "[#4]", std::chrono::milliseconds(0), "new-url");
    again.setPath(m_dir / "a.part");
    IoError error;
    const auto adopted = again.adopt(&error);
    ASSERT_TRUE(adopted.has_value()) << error.message;
    EXPECT_EQ(adopted->partSize, 10);
    ASSERT_TRUE(adopted->control.has_value()) << adopted->why;
    EXPECT_EQ(again.sourceUrl(), "https://example.com/f.bin");

    fs::remove(again.controlPath());
    PartStorage foreign(m_io, "[#5]", std::chrono::milliseconds(0), "u");
    foreign.setPath(m_dir / "a.part");
    const auto bare = foreign.adopt(&error);
    ASSERT_TRUE(bare.has_value());
    EXPECT_FALSE(bare->control.has_value());
    EXPECT_FALSE(bare->why.empty());
    again.close();
    foreign.close();
}

TEST_F(PartStorageTest, ForgetEmptiesThePartFile) {
    PartStorage store(m_io, "[#6]", std::chrono::milliseconds(0), "u");
    store.setPath(m_dir / "b.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error));
    ASSERT_TRUE(store.file().writeAt(0, "xyz", 3, &error));
    IntervalSet written;
    written.add({0, 3});
    store.save(true, written, &describe);
    store.setAllocated(true);
    ASSERT_TRUE(store.forget(&error)) << error.message;
    EXPECT_TRUE(store.durable().empty());
    EXPECT_TRUE(store.dirty());
    EXPECT_FALSE(store.allocated());
    EXPECT_EQ(store.file().size(), 0);
    store.close();
    store.removeFiles();
    EXPECT_FALSE(fs::exists(m_dir / "b.part"));
    EXPECT_FALSE(fs::exists(store.controlPath()));
}

TEST_F(PartStorageTest, FinishFlushesTrimsRenamesAndDropsTheControlFile) {
    PartStorage store(m_io, "[#7]", std::chrono::milliseconds(0), "u");
    store.setPath(m_dir / "c.bin.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error));
    ASSERT_TRUE(store.file().writeAt(0, "0123456789EXTRA", 15, &error));
    IntervalSet written;
    written.add({0, 10});
    store.save(true, written, &describe);
    ASSERT_TRUE(fs::exists(store.controlPath()));
    PartStorage::Finish plan;
    plan.total = 10;
    plan.renameTo = m_dir / "c.bin";
    std::promise<PartStorage::Finished> done;
    store.finish(plan, [&](const PartStorage::Finished& r) { done.set_value(r); });
    const PartStorage::Finished result = done.get_future().get();
    EXPECT_TRUE(result.ok) << result.message;
    store.settle();
    EXPECT_TRUE(store.finishedOk());
    EXPECT_FALSE(store.isOpen());
    EXPECT_FALSE(fs::exists(m_dir / "c.bin.part"));
    EXPECT_FALSE(fs::exists(store.controlPath()));
    EXPECT_EQ(readAll(m_dir / "c.bin"), "0123456789");
}

TEST_F(PartStorageTest, FinishBeforeVerifyKeepsThePartAndRecordsIt) {
    PartStorage store(m_io, "[#8]", std::chrono::milliseconds(0), "u");
    store.setPath(m_dir / "d.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error));
    ASSERT_TRUE(store.file().writeAt(0, "0123456789", 10, &error));
    PartStorage::Finish plan;
    plan.total = 10;
    plan.control = describe();
    plan.control->ranges = {{0, 10}};
    std::promise<PartStorage::Finished> done;
    store.finish(plan, [&](const PartStorage::Finished& r) { done.set_value(r); });
    EXPECT_TRUE(done.get_future().get().ok);
    store.settle();
    EXPECT_FALSE(store.isOpen());
    EXPECT_TRUE(fs::exists(m_dir / "d.part"));
    std::string why;
    const auto control = maria2::io::loadControl(store.controlPath(), &why);
    ASSERT_TRUE(control.has_value()) << why;
    ASSERT_EQ(control->ranges.size(), 1U);
    EXPECT_EQ(control->ranges[0].end, 10);
}

TEST_F(PartStorageTest, FinishThatCannotRenameSaysSo) {
    PartStorage store(m_io, "[#9]", std::chrono::milliseconds(0), "u");
    store.setPath(m_dir / "e.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error));
    PartStorage::Finish plan;
    plan.total = 0;
    plan.renameTo = m_dir / "missing-folder" / "e";
    std::promise<PartStorage::Finished> done;
    store.finish(plan, [&](const PartStorage::Finished& r) { done.set_value(r); });
    const auto result = done.get_future().get();
    EXPECT_FALSE(result.ok);
    EXPECT_TRUE(result.renameFailed);
    EXPECT_NE(result.message.find("cannot rename"), std::string::npos) << result.message;
    store.settle();
    EXPECT_FALSE(store.finishedOk());
    EXPECT_TRUE(fs::exists(m_dir / "e.part"));
}

} // namespace

TEST_F(PartStorageTest, BetweenFlushesTheWrittenRangesAreRecordedWithTheBoot) {
    if (maria2::io::currentBootId().empty()) {
        GTEST_SKIP() << "this platform does not tell its boot";
    }
    // Flushing saves an hour apart: only the written-ranges saves run.
    PartStorage store(m_io, "[#8]", std::chrono::hours(1), "u", std::chrono::milliseconds(0));
    store.setPath(m_dir / "w.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error)) << error.message;
    ASSERT_TRUE(store.file().writeAt(0, "0123456789", 10, &error));
    IntervalSet first;
    first.add({0, 4});
    store.save(true, first, &describe); // the flushing save at the start
    IntervalSet written;
    written.add({0, 4});
    written.add({6, 10});
    store.save(false, written, &describe);
    m_io.wait(m_io.post([] {})); // the worker runs tasks in order: the save has run
    store.settle();
    std::string why;
    auto control = maria2::io::loadControl(store.controlPath(), &why);
    ASSERT_TRUE(control.has_value()) << why;
    EXPECT_EQ(control->ranges, first.ranges()); // flushed: still only the first save's
    EXPECT_EQ(control->written, written.ranges());
    EXPECT_EQ(control->bootId, maria2::io::currentBootId());
    EXPECT_EQ(store.durable(), first); // not flushed, not durable
    store.close();

    // A later run in this boot (the process was killed): the written ranges are the file's;
    // durable stays the flushed ones until its own first flushing save.
    PartStorage again(m_io, "[#8]", std::chrono::hours(1), "u");
    again.setPath(m_dir / "w.part");
    const auto adopted = again.adopt(&error);
    ASSERT_TRUE(adopted.has_value()) << error.message;
    ASSERT_TRUE(adopted->control.has_value()) << adopted->why;
    EXPECT_EQ(adopted->control->ranges, written.ranges());
    again.setDurable(written);
    EXPECT_EQ(again.durable(), first);
    again.save(true, written, &describe);
    EXPECT_EQ(again.durable(), written);
    again.close();
}

TEST_F(PartStorageTest, AfterARestartOnlyTheFlushedRangesAreAdopted) {
    PartStorage store(m_io, "[#9]", std::chrono::hours(1), "u");
    store.setPath(m_dir / "r.part");
    IoError error;
    ASSERT_TRUE(store.open(maria2::io::PartFile::Mode::Replace, &error)) << error.message;
    ASSERT_TRUE(store.file().writeAt(0, "0123456789", 10, &error));
    store.close();
    ControlData d = describe();
    d.ranges = {{0, 4}};
    d.written = {{0, 10}};
    d.bootId = "a-boot-that-is-over";
    std::string why;
    ASSERT_TRUE(maria2::io::saveControl(store.controlPath(), d, &why)) << why;
    PartStorage again(m_io, "[#9]", std::chrono::hours(1), "u");
    again.setPath(m_dir / "r.part");
    const auto adopted = again.adopt(&error);
    ASSERT_TRUE(adopted.has_value()) << error.message;
    ASSERT_TRUE(adopted->control.has_value()) << adopted->why;
    const std::vector<maria2::ByteRange> flushed{{0, 4}};
    EXPECT_EQ(adopted->control->ranges, flushed);
    again.close();
}
