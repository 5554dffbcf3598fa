#include "SpeedLimitMenu.h"

#include "SpeedLimitDialog.h"
#include "SpeedLimitEdit.h"
#include "core/config/Config.h"
#include "core/schedule/TimeWindow.h"
#include "session/Session.h"

#include <QActionGroup>
#include <exception>

namespace maria2::gui {

SpeedLimitMenu::SpeedLimitMenu(Session* session, QWidget* dialogParent, QWidget* parent)
    : QMenu(tr("Speed &Limit"), parent)
    , m_session(session)
    , m_dialogParent(dialogParent)
    , m_group(new QActionGroup(this)) {
    setObjectName(QStringLiteral("speedLimitMenu"));
    // No icon: a menu bar would show it instead of the title. The toolbar button has one.
    setToolTipsVisible(true);
    m_group->setExclusive(true);

    m_unlimited = addAction(tr("&Unlimited"));
    m_unlimited->setObjectName(QStringLiteral("speedLimitUnlimited"));
    m_unlimited->setData(qint64(0));
    m_unlimited->setCheckable(true);
    m_group->addAction(m_unlimited);
    addSeparator();
    m_presetsEnd = addSeparator();
    m_custom = addAction(tr("&Custom\u2026"));
    m_custom->setObjectName(QStringLiteral("speedLimitCustom"));
    m_custom->setCheckable(true);
    m_custom->setToolTip(tr("Any limit of your own"));
    m_group->addAction(m_custom);
    rebuildPresets();

    connect(m_group, &QActionGroup::triggered, this, [this](QAction* action) {
        if (!m_session)
            return;
        if (action == m_custom) {
            sync(); // stays on the current entry until the dialog says otherwise
            askCustom();
            return;
        }
        m_session->setSpeedLimit(action->data().toLongLong());
        sync();
    });
    connect(this, &QMenu::aboutToShow, this, &SpeedLimitMenu::sync);
    if (session) {
        connect(session, &Session::speedLimitChanged, this, &SpeedLimitMenu::sync);
        connect(session, &Session::configChanged, this, &SpeedLimitMenu::rebuildPresets);
    }
    sync();
}

QList<qint64> SpeedLimitMenu::presetsFrom(const std::string& text) {
    std::vector<std::int64_t> values;
    try {
        values = parseSpeedList(text);
    } catch (const std::exception&) {
        // The loader checks the key; a hand-made Config may still carry nonsense.
        values = parseSpeedList(InterfaceSettings{}.speedLimitPresets);
    }
    return QList<qint64>(values.begin(), values.end());
}

QList<qint64> SpeedLimitMenu::presets() const {
    QList<qint64> out;
    for (const QAction* action : m_presets)
        out.append(action->data().toLongLong());
    return out;
}

void SpeedLimitMenu::rebuildPresets() {
    const QList<qint64> wanted = presetsFrom(m_session ? m_session->config().ui.speedLimitPresets
                                                       : InterfaceSettings{}.speedLimitPresets);
    if (wanted == presets())
        return;
    for (QAction* action : std::as_const(m_presets)) {
        m_group->removeAction(action);
        removeAction(action);
        delete action;
    }
    m_presets.clear();
    for (qint64 preset : wanted) {
        auto* action = new QAction(SpeedLimitEdit::text(preset), this);
        action->setObjectName(QStringLiteral("speedLimitPreset%1").arg(preset));
        action->setData(preset);
        action->setCheckable(true);
        insertAction(m_presetsEnd, action);
        m_group->addAction(action);
        m_presets.append(action);
    }
    sync();
}

QAction* SpeedLimitMenu::presetAction(qint64 bytesPerSecond) const {
    for (QAction* action : m_presets) {
        if (action->data().toLongLong() == bytesPerSecond)
            return action;
    }
    return nullptr;
}

QAction* SpeedLimitMenu::checkedAction() const {
    return m_group->checkedAction();
}

void SpeedLimitMenu::sync() {
    const qint64 limit = m_session ? qint64(m_session->speedLimit()) : 0;
    QAction* current = limit <= 0 ? m_unlimited : presetAction(limit);
    if (current == nullptr) {
        current = m_custom;
        m_custom->setText(tr("&Custom (%1)\u2026").arg(SpeedLimitEdit::text(limit)));
    } else {
        m_custom->setText(tr("&Custom\u2026"));
    }
    current->setChecked(true);
}

void SpeedLimitMenu::askCustom() {
    if (!m_session)
        return;
    auto* dialog = new SpeedLimitDialog(tr("Speed Limit"),
                                        tr("Overall download speed limit, shared by all downloads "
                                           "(0 = unlimited):"),
                                        m_session->speedLimit(), m_dialogParent);
    dialog->setObjectName(QStringLiteral("speedLimitDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (m_session)
            m_session->setSpeedLimit(dialog->bytesPerSecond());
        sync();
    });
    dialog->open();
}

} // namespace maria2::gui
