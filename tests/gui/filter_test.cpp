// DownloadsFilter: the status groups, the search (name or URL, any case), both together, the
// counts of the side list, sorting by the raw values (Added included), and rows following their
// changes without resets.
#include "DownloadsFilter.h"
#include "DownloadsModel.h"
#include "StatusFilterList.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <gtest/gtest.h>
#include <memory>

using maria2::DownloadId;
using maria2::DownloadSnapshot;
using maria2::DownloadState;
using maria2::gui::DownloadsFilter;
using maria2::gui::DownloadsModel;
using maria2::gui::StatusFilterList;

namespace {

DownloadSnapshot snapshot(DownloadId id, DownloadState state, const std::string& name,
                          const std::string& url, std::int64_t addedAtMs = 0) {
    DownloadSnapshot s;
    s.id = id;
    s.state = state;
    s.url = url;
    s.fileName = name;
    s.totalBytes = 1000;
    s.doneBytes = state == DownloadState::Completed ? 1000 : 100;
    s.addedAtMs = addedAtMs;
    return s;
}

class FilterTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_model = std::make_unique<DownloadsModel>();
        m_filter = std::make_unique<DownloadsFilter>(m_model.get());
        m_tester = std::make_unique<QAbstractItemModelTester>(
            m_filter.get(), QAbstractItemModelTester::FailureReportingMode::Fatal);
        // One of each kind, names and hosts to search for.
        add(1, DownloadState::Downloading, "Ubuntu-24.04.iso", "https://releases.example/ubuntu");
        add(2, DownloadState::Connecting, "movie.mkv", "http://media.example/v/123");
        add(3, DownloadState::Queued, "notes.pdf", "https://docs.example/notes.pdf");
        add(4, DownloadState::Paused, "backup.tar.gz", "ftp://files.example/backup.tar.gz");
        add(5, DownloadState::Retrying, "song.mp3", "http://music.example/UBUNTU-theme");
        add(6, DownloadState::Completed, "report.docx", "https://docs.example/report.docx");
        add(7, DownloadState::Completed, "photo.jpg", "https://img.example/photo.jpg");
        add(8, DownloadState::Failed, "broken.zip", "https://gone.example/broken.zip");
        add(9, DownloadState::LinkExpired, "expired.bin", "https://cdn.example/expired.bin?t=1");
        add(10, DownloadState::Verifying, "checked.iso", "https://releases.example/checked.iso");
    }
    void add(DownloadId id, DownloadState state, const std::string& name, const std::string& url) {
        m_model->addDownload(snapshot(id, state, name, url, 1700000000000 + qint64(id) * 60000));
    }
    QList<DownloadId> shown() const {
        QList<DownloadId> ids;
        for (int row = 0; row < m_filter->rowCount(); ++row)
            ids.append(m_filter->index(row, 0).data(DownloadsModel::IdRole).toULongLong());
        return ids;
    }

    std::unique_ptr<DownloadsModel> m_model;
    std::unique_ptr<DownloadsFilter> m_filter;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

} // namespace

TEST_F(FilterTest, EachStatusGroupShowsItsDownloads) {
    EXPECT_EQ(shown(), (QList<DownloadId>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    m_filter->setGroup(DownloadsFilter::Active);
    EXPECT_EQ(shown(), (QList<DownloadId>{1, 2, 10}));
    m_filter->setGroup(DownloadsFilter::Queued);
    EXPECT_EQ(shown(), (QList<DownloadId>{3, 4, 5}));
    m_filter->setGroup(DownloadsFilter::Completed);
    EXPECT_EQ(shown(), (QList<DownloadId>{6, 7}));
    m_filter->setGroup(DownloadsFilter::Failed);
    EXPECT_EQ(shown(), (QList<DownloadId>{8, 9}));
    m_filter->setGroup(DownloadsFilter::All);
    EXPECT_EQ(m_filter->rowCount(), 10);

    // The counts the side list shows come from the totals and agree with the rows.
    const DownloadsModel::Totals totals = m_model->totals();
    for (int g = 0; g < DownloadsFilter::GroupCount; ++g) {
        const auto group = DownloadsFilter::Group(g);
        m_filter->setGroup(group);
        EXPECT_EQ(DownloadsFilter::count(totals, group), m_filter->rowCount())
            << DownloadsFilter::groupName(group).toStdString();
    }
}

TEST_F(FilterTest, SearchMatchesNameOrUrlInAnyCase) {
    QSignalSpy changed(m_filter.get(), &DownloadsFilter::filterChanged);
    m_filter->setSearchText(QStringLiteral("ubuntu"));
    // The name of 1, the URL of 5 ("UBUNTU-theme").
    EXPECT_EQ(shown(), (QList<DownloadId>{1, 5}));
    EXPECT_EQ(changed.size(), 1);
    m_filter->setSearchText(QStringLiteral("  DOCS.example "));
    EXPECT_EQ(shown(), (QList<DownloadId>{3, 6}));
    m_filter->setSearchText(QStringLiteral(".iso"));
    EXPECT_EQ(shown(), (QList<DownloadId>{1, 10}));
    m_filter->setSearchText(QStringLiteral("nothing like it"));
    EXPECT_TRUE(shown().isEmpty());
    m_filter->setSearchText(QString());
    EXPECT_EQ(m_filter->rowCount(), 10);

    // Both at once: completed ones from docs.example.
    m_filter->setSearchText(QStringLiteral("docs"));
    m_filter->setGroup(DownloadsFilter::Completed);
    EXPECT_EQ(shown(), (QList<DownloadId>{6}));
    EXPECT_EQ(m_filter->searchText(), QStringLiteral("docs"));
}

TEST_F(FilterTest, RowsFollowTheirStateIntoAndOutOfAGroup) {
    m_filter->setGroup(DownloadsFilter::Active);
    ASSERT_EQ(shown(), (QList<DownloadId>{1, 2, 10}));
    QSignalSpy reset(m_filter.get(), &QAbstractItemModel::modelReset);

    // Finished: it leaves Active by itself; a queued one starting joins.
    m_model->updateDownload(snapshot(1, DownloadState::Completed, "Ubuntu-24.04.iso", "u"));
    EXPECT_EQ(shown(), (QList<DownloadId>{2, 10}));
    m_model->applyProgress({snapshot(3, DownloadState::Downloading, "notes.pdf", "n")});
    EXPECT_EQ(shown(), (QList<DownloadId>{2, 3, 10}));
    EXPECT_EQ(reset.size(), 0);
    // A new download that runs at once shows up; a removed one goes.
    m_model->addDownload(snapshot(11, DownloadState::Downloading, "new.bin", "http://x/new.bin"));
    m_model->removeDownload(2);
    EXPECT_EQ(shown(), (QList<DownloadId>{3, 10, 11}));
}

TEST_F(FilterTest, SortsByRawValuesIncludingTheAddedTime) {
    // Added: newest first on a descending sort, by epoch ms, not by the text.
    m_filter->sort(DownloadsModel::Added, Qt::DescendingOrder);
    EXPECT_EQ(shown(), (QList<DownloadId>{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}));
    const QString added = m_model->index(0, DownloadsModel::Added).data().toString();
    EXPECT_EQ(added, DownloadsModel::formatAdded(1700000000000 + 60000));
    EXPECT_FALSE(added.isEmpty());
    EXPECT_EQ(m_model->index(0, DownloadsModel::Added).data(DownloadsModel::RawValueRole),
              QVariant(qlonglong(1700000000000 + 60000)));
    EXPECT_EQ(m_model->headerData(DownloadsModel::Added, Qt::Horizontal).toString(),
              QStringLiteral("Added"));

    // Names in any case.
    m_filter->sort(DownloadsModel::Name, Qt::AscendingOrder);
    EXPECT_EQ(shown().first(), DownloadId(4)); // backup.tar.gz
    EXPECT_EQ(shown().last(), DownloadId(1));  // Ubuntu-24.04.iso

    // Back to the queue order.
    m_filter->sort(-1);
    EXPECT_EQ(shown().first(), DownloadId(1));
}

TEST_F(FilterTest, SideListShowsCountsAndPicksTheGroup) {
    StatusFilterList list;
    QObject::connect(&list, &StatusFilterList::groupChosen, m_filter.get(),
                     &DownloadsFilter::setGroup);
    list.showCounts(m_model->totals());
    EXPECT_EQ(list.count(), int(DownloadsFilter::GroupCount));
    EXPECT_EQ(list.entryText(DownloadsFilter::All), QStringLiteral("All (10)"));
    EXPECT_EQ(list.entryText(DownloadsFilter::Active), QStringLiteral("Active (3)"));
    EXPECT_EQ(list.entryText(DownloadsFilter::Queued), QStringLiteral("Queued (3)"));
    EXPECT_EQ(list.entryText(DownloadsFilter::Completed), QStringLiteral("Completed (2)"));
    EXPECT_EQ(list.entryText(DownloadsFilter::Failed), QStringLiteral("Failed (2)"));

    list.setCurrentGroup(DownloadsFilter::Failed);
    EXPECT_EQ(m_filter->group(), DownloadsFilter::Failed);
    EXPECT_EQ(shown(), (QList<DownloadId>{8, 9}));
    list.setCurrentGroup(DownloadsFilter::All);
    EXPECT_EQ(m_filter->rowCount(), 10);
}
