// MainWindow's lower half: the details pane of the selected download and the activity chart
// (speed, CPU, memory), as tabs under the table; and the settings dialog.
#include "ActivityChart.h"
#include "DetailsPane.h"
#include "DownloadsModel.h"
#include "DownloadsView.h"
#include "MainWindow.h"
#include "SettingsDialog.h"
#include "session/Session.h"

#include <QAction>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QMenu>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>

namespace maria2::gui {

void MainWindow::createPanes() {
    m_panes = new QTabWidget(this);
    m_panes->setObjectName(QStringLiteral("lowerPanes"));
    m_panes->setDocumentMode(true);
    m_details = new DetailsPane(m_session, m_panes);
    m_details->setObjectName(QStringLiteral("detailsPane"));
    m_chart = new ActivityChart(m_panes);
    m_chart->setObjectName(QStringLiteral("activityChart"));
    m_chart->attach(m_session);
    m_panes->addTab(m_details, tr("&Details"));
    m_panes->addTab(m_chart, tr("&Activity"));
    m_splitter->addWidget(m_panes);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setSizes({380, 260});

    // The pane follows the current row (the one with the keyboard focus in the selection).
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                m_details->showDownload(
                    current.isValid() ? current.data(DownloadsModel::IdRole).toULongLong() : 0);
            });

    m_panesAction = new QAction(tr("&Details and Activity"), this);
    m_panesAction->setObjectName(QStringLiteral("toggleLowerPanes"));
    m_panesAction->setCheckable(true);
    m_panesAction->setChecked(true);
    m_panesAction->setShortcut(QKeySequence(Qt::Key_F4));
    m_panesAction->setToolTip(tr("Show the selected download's segments, connections, engine "
                                 "and log, and the speed / CPU / memory chart"));
    connect(m_panesAction, &QAction::toggled, m_panes, &QWidget::setVisible);
    m_viewMenu->insertAction(m_viewMenu->actions().value(1), m_panesAction);

    connect(this, &MainWindow::settingsRequested, this, &MainWindow::showSettings);
}

SettingsDialog* MainWindow::settingsDialog() const {
    return m_settings;
}

void MainWindow::showSettings() {
    if (m_settings) {
        m_settings->show();
        m_settings->raise();
        m_settings->activateWindow();
        return;
    }
    auto* dialog = new SettingsDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_settings = dialog;
    dialog->open(); // never exec(): downloads and the table keep going while it is open
}

} // namespace maria2::gui
