#include "DetailsPane.h"

#include "DetailsLog.h"
#include "DownloadsModel.h"
#include "SegmentMap.h"
#include "session/Session.h"

#include <QFont>
#include <QHeaderView>
#include <QLabel>
#include <QResizeEvent>
#include <QStackedWidget>
#include <QStringList>
#include <QTabWidget>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace maria2::gui {

namespace {

// An unanswered request is given up on after this long (the session may have dropped it),
// so one lost answer never stops the pane from refreshing.
constexpr qint64 AnswerTimeoutMs = 2000;

bool sameScores(const std::vector<EngineScoreDetail>& a, const std::vector<EngineScoreDetail>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const EngineScoreDetail& x, const EngineScoreDetail& y) {
                          return x.engine == y.engine && x.score == y.score &&
                                 x.eligible == y.eligible && x.parts == y.parts && x.note == y.note;
                      });
}

QTreeWidget* makeList(const QStringList& headers, QWidget* parent) {
    auto* list = new QTreeWidget(parent);
    list->setRootIsDecorated(false);
    list->setUniformRowHeights(true);
    list->setAlternatingRowColors(true);
    list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    list->setHeaderLabels(headers);
    list->header()->setStretchLastSection(true);
    list->header()->setSectionResizeMode(QHeaderView::Interactive);
    return list;
}

} // namespace

DetailsPane::DetailsPane(Session* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session) {
    setObjectName(QStringLiteral("detailsPane"));
    buildUi();
    m_poll.setInterval(PollIntervalMs);
    connect(&m_poll, &QTimer::timeout, this, &DetailsPane::requestNow);
    if (session) {
        connect(session, &Session::detailsReady, this, &DetailsPane::setDetails);
        connect(session, &Session::downloadStateChanged, this, &DetailsPane::setSnapshot);
        connect(session, &Session::progress, this, &DetailsPane::onProgress);
        connect(session, &Session::downloadRemoved, this, &DetailsPane::onRemoved);
    }
    showDownload(0);
}

void DetailsPane::buildUi() {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    m_stack = new QStackedWidget(this);
    outer->addWidget(m_stack);

    m_hint = new QLabel(tr("Select a download to see its segments, connections, engine and log."),
                        m_stack);
    m_hint->setObjectName(QStringLiteral("detailsHint"));
    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setWordWrap(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    m_stack->addWidget(m_hint);

    auto* page = new QWidget(m_stack);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->setSpacing(4);
    m_name = new QLabel(page);
    m_name->setObjectName(QStringLiteral("detailsName"));
    QFont bold = m_name->font();
    bold.setBold(true);
    m_name->setFont(bold);
    m_urlLabel = new QLabel(page);
    m_urlLabel->setObjectName(QStringLiteral("detailsUrl"));
    m_status = new QLabel(page);
    m_status->setObjectName(QStringLiteral("detailsStatus"));
    for (QLabel* label : {m_name, m_urlLabel, m_status}) {
        label->setTextFormat(Qt::PlainText);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        // Long names and URLs are elided, never widen the window.
        label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        layout->addWidget(label);
    }
    m_urlLabel->setForegroundRole(QPalette::PlaceholderText);
    m_map = new SegmentMap(page);
    layout->addWidget(m_map);

    m_tabs = new QTabWidget(page);
    m_tabs->setObjectName(QStringLiteral("detailsTabs"));
    m_tabs->setDocumentMode(true);
    layout->addWidget(m_tabs, 1);

    m_connections = makeList(
        {tr("#"), tr("Range"), tr("Progress"), tr("Speed"), tr("Server"), tr("Status")}, m_tabs);
    m_connections->setObjectName(QStringLiteral("detailsConnections"));
    m_tabs->addTab(m_connections, tr("Connections"));

    auto* enginePage = new QWidget(m_tabs);
    auto* engineLayout = new QVBoxLayout(enginePage);
    engineLayout->setContentsMargins(4, 4, 4, 4);
    m_engine = new QLabel(enginePage);
    m_engine->setObjectName(QStringLiteral("detailsEngine"));
    m_route = new QLabel(enginePage);
    m_route->setObjectName(QStringLiteral("detailsRoute"));
    for (QLabel* label : {m_engine, m_route}) {
        label->setTextFormat(Qt::PlainText);
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        engineLayout->addWidget(label);
    }
    m_scores = makeList({tr("Engine"), tr("Score"), tr("Breakdown"), tr("Note")}, enginePage);
    m_scores->setObjectName(QStringLiteral("detailsScores"));
    engineLayout->addWidget(m_scores, 1);
    m_tabs->addTab(enginePage, tr("Engine"));

    m_log = new DetailsLog(m_tabs);
    m_tabs->addTab(m_log, tr("Log"));
    m_stack->addWidget(page);
}

void DetailsPane::showDownload(DownloadId id) {
    if (id == m_id && id != 0)
        return;
    m_id = id;
    m_haveSnapshot = false;
    m_asked.invalidate();
    resetContents();
    m_stack->setCurrentIndex(id == 0 ? 0 : 1);
    if (id != 0 && m_session) {
        const DownloadSnapshot snapshot = m_session->download(id);
        if (snapshot.id == id)
            setSnapshot(snapshot);
    }
    updatePolling();
    if (m_shown)
        requestNow();
}

bool DetailsPane::showsHint() const {
    return m_stack->currentIndex() == 0;
}

void DetailsPane::resetContents() {
    m_name->clear();
    m_url.clear();
    m_urlLabel->clear();
    m_urlLabel->setToolTip({});
    m_status->clear();
    m_map->clear();
    m_connections->clear();
    m_connectionItems.clear();
    m_scores->clear();
    m_shownScores.clear();
    m_shownEngine.clear();
    m_engine->setText(tr("Engine: not chosen yet"));
    m_route->clear();
    m_log->reset();
}

QString DetailsPane::headerText() const {
    if (showsHint())
        return m_hint->text();
    return QStringList{m_name->text(), m_url, m_status->text()}.join(QLatin1Char('\n'));
}

QString DetailsPane::engineText() const {
    return m_engine->text() + QLatin1Char('\n') + m_route->text();
}

void DetailsPane::setSnapshot(const DownloadSnapshot& s) {
    if (s.id == 0 || s.id != m_id)
        return;
    const bool wasPolling = m_poll.isActive();
    m_haveSnapshot = true;
    m_state = s.state;

    QString name = QString::fromStdString(s.fileName);
    const QString url = QString::fromStdString(s.url);
    if (name.isEmpty())
        name = QUrl(url).fileName();
    if (name.isEmpty())
        name = url;
    m_name->setText(name);
    m_name->setToolTip(QString::fromStdString(s.filePath));
    if (url != m_url) {
        m_url = url;
        m_urlLabel->setToolTip(url);
        showUrl();
    }

    QStringList parts{DownloadsModel::stateName(s.state)};
    if (s.totalBytes > 0) {
        parts << tr("%1 of %2 (%3%)")
                     .arg(DownloadsModel::formatSize(s.doneBytes),
                          DownloadsModel::formatSize(s.totalBytes))
                     .arg(100.0 * double(s.doneBytes) / double(s.totalBytes), 0, 'f', 1);
    } else if (s.doneBytes > 0 || s.totalBytes < 0) {
        parts << tr("%1 of unknown size").arg(DownloadsModel::formatSize(s.doneBytes));
    }
    if (isActive(s.state)) {
        parts << DownloadsModel::formatSpeed(s.speedBytesPerSec);
        if (s.etaSeconds >= 0)
            parts << tr("%1 left").arg(DownloadsModel::formatEta(s.etaSeconds));
        parts << tr("%n connection(s)", nullptr, s.connections);
    }
    if (!s.errorMessage.empty() && !isActive(s.state) && s.state != DownloadState::Completed)
        parts << QString::fromStdString(s.errorMessage);
    m_status->setText(parts.join(QStringLiteral("  \u00b7  ")));
    m_status->setToolTip(m_status->text());

    updatePolling();
    // Just finished: one last look, so the map shows the whole file done.
    if (wasPolling && !m_poll.isActive() && m_shown) {
        m_asked.invalidate(); // even while a question is out: its answer may predate the end
        requestNow();
    }
}

void DetailsPane::onProgress(const QList<DownloadSnapshot>& batch) {
    if (m_id == 0)
        return;
    for (const DownloadSnapshot& s : batch) {
        if (s.id == m_id) {
            setSnapshot(s);
            return;
        }
    }
}

void DetailsPane::onRemoved(DownloadId id) {
    if (id == m_id)
        showDownload(0);
}

void DetailsPane::setDetails(const DownloadDetails& d) {
    if (d.id == 0 || d.id != m_id)
        return;
    m_asked.invalidate();
    m_map->setDetails(d);
    fillConnections(d.connections, d.totalBytes);
    fillEngine(d);
    fillScores(d);
    m_log->setLines(d.logLines);
}

void DetailsPane::fillConnections(const std::vector<ConnectionDetail>& connections,
                                  std::int64_t total) {
    // Rows are kept per connection number and updated in place: selection and scrolling
    // survive the twice-a-second refresh.
    QHash<int, QTreeWidgetItem*> kept;
    for (int row = 0; row < int(connections.size()); ++row) {
        const ConnectionDetail& c = connections[std::size_t(row)];
        QTreeWidgetItem* item = m_connectionItems.take(c.number);
        if (!item) {
            item = new QTreeWidgetItem;
            item->setTextAlignment(ConnNumber, Qt::AlignRight | Qt::AlignVCenter);
            item->setTextAlignment(ConnSpeed, Qt::AlignRight | Qt::AlignVCenter);
        }
        if (m_connections->indexOfTopLevelItem(item) != row) {
            if (m_connections->indexOfTopLevelItem(item) >= 0)
                m_connections->takeTopLevelItem(m_connections->indexOfTopLevelItem(item));
            m_connections->insertTopLevelItem(row, item);
        }
        kept.insert(c.number, item);

        const std::int64_t end = c.rangeEnd >= 0 ? c.rangeEnd : total;
        const std::int64_t written = std::max<std::int64_t>(0, c.position - c.rangeStart);
        item->setText(ConnNumber, QString::number(c.number));
        item->setText(ConnRange,
                      end >= 0 ? tr("%1 \u2013 %2")
                                     .arg(DownloadsModel::formatSize(c.rangeStart),
                                          DownloadsModel::formatSize(end))
                               : tr("%1 \u2013 end").arg(DownloadsModel::formatSize(c.rangeStart)));
        if (end > c.rangeStart) {
            const double percent = 100.0 * double(written) / double(end - c.rangeStart);
            item->setText(ConnProgress, tr("%1 of %2 (%3%)")
                                            .arg(DownloadsModel::formatSize(written),
                                                 DownloadsModel::formatSize(end - c.rangeStart))
                                            .arg(std::min(percent, 100.0), 0, 'f', 1));
        } else {
            item->setText(ConnProgress, DownloadsModel::formatSize(written));
        }
        item->setText(ConnSpeed, DownloadsModel::formatSpeed(c.speedBytesPerSec));
        item->setText(ConnRemote, QString::fromStdString(c.remote));
        QStringList flags;
        if (c.racing)
            flags << tr("racing");
        if (c.paused)
            flags << tr("held by speed limit");
        item->setText(ConnState,
                      flags.isEmpty() ? tr("writing") : flags.join(QStringLiteral(", ")));
        item->setToolTip(ConnState, c.racing ? tr("An endgame duplicate: it downloads the end of "
                                                  "another connection's range, and whichever is "
                                                  "faster wins.")
                                             : QString());
    }
    for (QTreeWidgetItem* gone : std::as_const(m_connectionItems))
        delete gone;
    m_connectionItems = kept;
}

void DetailsPane::fillEngine(const DownloadDetails& d) {
    const QString engine = QString::fromStdString(d.engine);
    const QString reason = QString::fromStdString(d.routeReason);
    if (engine.isEmpty())
        m_engine->setText(tr("Engine: not chosen yet"));
    else if (reason.isEmpty())
        m_engine->setText(tr("Engine: %1").arg(engine));
    else
        m_engine->setText(tr("Engine: %1 \u2014 %2").arg(engine, reason));
    m_route->setText(d.route.empty() ? QString()
                                     : tr("Router: %1").arg(QString::fromStdString(d.route)));
}

QString DetailsPane::scoreParts(const EngineScoreDetail& score) {
    QStringList parts;
    for (const auto& [name, value] : score.parts)
        parts << tr("%1 %2").arg(QString::fromStdString(name)).arg(value, 0, 'f', 2);
    return parts.join(QStringLiteral(", "));
}

void DetailsPane::fillScores(const DownloadDetails& d) {
    if (d.engine == m_shownEngine && sameScores(d.scores, m_shownScores))
        return;
    m_shownEngine = d.engine;
    m_shownScores = d.scores;
    m_scores->clear();
    const QColor muted = palette().color(QPalette::PlaceholderText);
    for (const EngineScoreDetail& s : d.scores) {
        auto* item = new QTreeWidgetItem(m_scores);
        const QString name = QString::fromStdString(s.engine);
        item->setText(ScoreEngine, name);
        item->setText(ScoreValue, s.eligible ? QString::number(s.score, 'f', 2)
                                             : tr("%1 (not eligible)").arg(s.score, 0, 'f', 2));
        item->setTextAlignment(ScoreValue, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(ScoreParts, scoreParts(s));
        item->setText(ScoreNote, QString::fromStdString(s.note));
        item->setToolTip(ScoreNote, QString::fromStdString(s.note));
        const bool chosen = s.engine == d.engine;
        for (int column = 0; column < m_scores->columnCount(); ++column) {
            if (chosen) {
                QFont font = item->font(column);
                font.setBold(true);
                item->setFont(column, font);
            } else if (!s.eligible) {
                item->setForeground(column, muted);
            }
        }
        if (chosen)
            item->setToolTip(ScoreEngine, tr("The engine this download runs on"));
    }
}

void DetailsPane::requestNow() {
    if (m_id == 0 || !m_session)
        return;
    // One question at a time: a busy session is not flooded with requests it answers late.
    if (m_asked.isValid() && m_asked.elapsed() < AnswerTimeoutMs)
        return;
    m_asked.start();
    m_session->requestDetails(m_id);
}

void DetailsPane::updatePolling() {
    // A finished download's details do not change: asked once, not every 500 ms.
    const bool finished = m_haveSnapshot && isFinal(m_state);
    if (m_shown && m_id != 0 && !finished) {
        if (!m_poll.isActive())
            m_poll.start();
    } else {
        m_poll.stop();
    }
}

void DetailsPane::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    m_shown = true;
    updatePolling();
    requestNow();
}

void DetailsPane::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_shown = false; // also when the window is minimised: nobody looks
    updatePolling();
}

void DetailsPane::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    showUrl();
}

void DetailsPane::showUrl() {
    const int width = std::max(40, m_urlLabel->width());
    m_urlLabel->setText(m_urlLabel->fontMetrics().elidedText(m_url, Qt::ElideMiddle, width));
}

} // namespace maria2::gui
