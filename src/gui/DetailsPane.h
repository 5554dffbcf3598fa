#pragma once
// DetailsPane: what the selected download is doing, below the downloads table. A header (name,
// URL, state and progress), the segment map, and three tabs: its connections (range, progress
// within the range, speed, server, racing or held), the engine with every engine's score and
// its parts, and its own log lines.
//
// The session does not push details: while the pane is visible and shows a running download
// it asks (Session::requestDetails) every 500 ms and fills in from detailsReady. Asking never
// blocks; answers for another download are ignored. The header follows the session's ordinary
// snapshots.
#include "core/types/DownloadTypes.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QWidget>

#include <vector>

class QLabel;
class QStackedWidget;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace maria2 {
class Session;
}

namespace maria2::gui {

class DetailsLog;
class SegmentMap;

class DetailsPane final : public QWidget {
    Q_OBJECT
public:
    // Connection list columns.
    enum ConnectionColumn { ConnNumber, ConnRange, ConnProgress, ConnSpeed, ConnRemote, ConnState };
    // Score list columns.
    enum ScoreColumn { ScoreEngine, ScoreValue, ScoreParts, ScoreNote };

    static constexpr int PollIntervalMs = 500;

    explicit DetailsPane(maria2::Session* session, QWidget* parent = nullptr);

    // The download to show; 0 = none selected (a hint instead). Asks for its details at once.
    void showDownload(maria2::DownloadId id);
    maria2::DownloadId currentId() const { return m_id; }
    // Asking the session every PollIntervalMs right now.
    bool isPolling() const { return m_poll.isActive(); }

    // For tests and accessibility: what a person reads.
    QString headerText() const; // name, URL and status line
    QString engineText() const; // engine, route and the router's reason
    bool showsHint() const;     // nothing selected
    SegmentMap* segmentMap() const { return m_map; }
    QTreeWidget* connectionList() const { return m_connections; }
    QTreeWidget* scoreList() const { return m_scores; }
    DetailsLog* logView() const { return m_log; }
    QTabWidget* tabs() const { return m_tabs; }

    // "fit 0.55, load -0.05": an engine's score parts as the score list shows them.
    static QString scoreParts(const maria2::EngineScoreDetail& score);

public slots:
    void setDetails(const maria2::DownloadDetails& details);
    void setSnapshot(const maria2::DownloadSnapshot& snapshot);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void buildUi();
    void onProgress(const QList<maria2::DownloadSnapshot>& batch);
    void onRemoved(maria2::DownloadId id);
    void requestNow();
    void updatePolling();
    void resetContents();
    void showUrl();
    void fillConnections(const std::vector<maria2::ConnectionDetail>& connections,
                         std::int64_t totalBytes);
    void fillScores(const maria2::DownloadDetails& details);
    void fillEngine(const maria2::DownloadDetails& details);

    QPointer<maria2::Session> m_session;
    maria2::DownloadId m_id = 0;
    bool m_haveSnapshot = false;
    bool m_shown = false; // between showEvent and hideEvent
    maria2::DownloadState m_state = maria2::DownloadState::Queued;
    QTimer m_poll;
    QElapsedTimer m_asked; // since the unanswered request went out; invalid when answered
    QString m_url;

    QStackedWidget* m_stack = nullptr;
    QLabel* m_hint = nullptr;
    QLabel* m_name = nullptr;
    QLabel* m_urlLabel = nullptr;
    QLabel* m_status = nullptr;
    SegmentMap* m_map = nullptr;
    QTabWidget* m_tabs = nullptr;
    QTreeWidget* m_connections = nullptr;
    QHash<int, QTreeWidgetItem*> m_connectionItems; // by connection number
    QLabel* m_engine = nullptr;
    QLabel* m_route = nullptr;
    QTreeWidget* m_scores = nullptr;
    std::vector<maria2::EngineScoreDetail> m_shownScores;
    std::string m_shownEngine;
    DetailsLog* m_log = nullptr;
};

} // namespace maria2::gui
