#pragma once
// ClipboardWatcher: offers the links a person copies anywhere (Interface.WatchClipboard, off by
// default). When the clipboard gets new text with http(s)/ftp(s) links, urlsFound() carries
// them, once per text: the same text copied again is not offered twice, and text MAria2 copied
// itself (Copy URL) is never offered.
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>

class QClipboard;

namespace maria2::gui {

class ClipboardWatcher final : public QObject {
    Q_OBJECT
public:
    explicit ClipboardWatcher(QClipboard* clipboard, QObject* parent = nullptr);

    bool isEnabled() const { return m_enabled; }
    // Turning it on does not offer what is on the clipboard already: only what is copied next.
    void setEnabled(bool enabled);
    // MAria2 is about to put text on the clipboard: never offer it back.
    void ignoreText(const QString& text);

public slots:
    // What the clipboard's dataChanged runs; tests call it after setting the text.
    void check();

signals:
    void urlsFound(const QStringList& urls);

private:
    QClipboard* m_clipboard;
    bool m_enabled = false;
    QString m_last;           // the text seen last, offered or not
    QSet<size_t> m_offered;   // hashes of texts offered already
    QSet<size_t> m_ownCopies; // hashes of texts MAria2 copied
};

} // namespace maria2::gui
