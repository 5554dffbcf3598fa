#pragma once
// SpeedLimitMenu: the overall speed limit at run time, as a menu of checkable entries:
// Unlimited, the presets of Interface.SpeedLimitPresets ("512K, 1M, ...", rebuilt when the
// session's config changes) and "Custom…" (a small dialog). The entry of Session::speedLimit()
// (the person's own limit) is checked; choosing one calls Session::setSpeedLimit at once. One
// instance per place it appears (menu bar, toolbar, tray); each follows the session, so they
// always agree.
#include <QList>
#include <QMenu>
#include <QPointer>
#include <string>

class QActionGroup;

namespace maria2 {
class Session;
}

namespace maria2::gui {

class SpeedLimitMenu final : public QMenu {
    Q_OBJECT
public:
    // dialogParent: the window the "Custom…" dialog belongs to (the menu itself may be the
    // tray's, which has none).
    SpeedLimitMenu(maria2::Session* session, QWidget* dialogParent, QWidget* parent = nullptr);

    // B/s, ascending: Interface.SpeedLimitPresets parsed (the defaults when it cannot be).
    static QList<qint64> presetsFrom(const std::string& text);
    QList<qint64> presets() const; // the ones shown now

    QAction* unlimitedAction() const { return m_unlimited; }
    QAction* customAction() const { return m_custom; }
    QAction* presetAction(qint64 bytesPerSecond) const; // null if that is not a preset
    // The checked entry, per the session's limit.
    QAction* checkedAction() const;

public slots:
    // Checks the entry of the session's current limit (called on every change and on show).
    void sync();
    // Opens the "Custom…" dialog without blocking; OK sets the limit.
    void askCustom();
    // Rebuilds the preset entries from the session's config (Session::configChanged).
    void rebuildPresets();

private:
    QPointer<maria2::Session> m_session;
    QWidget* m_dialogParent;
    QActionGroup* m_group;
    QAction* m_unlimited;
    QAction* m_presetsEnd; // the separator before "Custom…"
    QList<QAction*> m_presets;
    QAction* m_custom;
};

} // namespace maria2::gui
