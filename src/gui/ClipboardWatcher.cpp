#include "ClipboardWatcher.h"

#include "AddUrlsDialog.h"

#include <QClipboard>
#include <QHash>

namespace maria2::gui {

ClipboardWatcher::ClipboardWatcher(QClipboard* clipboard, QObject* parent)
    : QObject(parent)
    , m_clipboard(clipboard) {
    if (m_clipboard)
        connect(m_clipboard, &QClipboard::dataChanged, this, &ClipboardWatcher::check);
}

void ClipboardWatcher::setEnabled(bool enabled) {
    if (enabled == m_enabled)
        return;
    m_enabled = enabled;
    if (enabled && m_clipboard)
        m_last = m_clipboard->text(); // what was copied before is not "new"
}

void ClipboardWatcher::ignoreText(const QString& text) {
    m_ownCopies.insert(qHash(text));
}

void ClipboardWatcher::check() {
    if (!m_enabled || !m_clipboard)
        return;
    const QString text = m_clipboard->text();
    if (text == m_last)
        return; // dataChanged without a change (some platforms send it twice)
    m_last = text;
    const size_t key = qHash(text);
    if (text.trimmed().isEmpty() || m_ownCopies.contains(key) || m_offered.contains(key))
        return;
    // A pasted novel is not a list of downloads: look only at the start of a long text.
    const QStringList urls = AddUrlsDialog::urlsInText(text.left(256 * 1024));
    if (urls.isEmpty())
        return;
    m_offered.insert(key);
    emit urlsFound(urls);
}

} // namespace maria2::gui
