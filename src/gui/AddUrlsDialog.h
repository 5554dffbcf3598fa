#pragma once
// AddUrlsDialog: asks for one or more URLs, a target folder, an optional file name and checksum
// (single URL only), the connections and speed limit per download and whether to start at once;
// turns them into DownloadRequests. The form is ui/AddUrlsDialog.ui.
#include "core/types/DownloadTypes.h"

#include <QDialog>
#include <QList>
#include <QStringList>
#include <memory>

namespace Ui {
class AddUrlsDialog;
}

namespace maria2::gui {

class AddUrlsDialog final : public QDialog {
    Q_OBJECT
public:
    // readClipboard: pre-fill the URL box with the URLs found in the clipboard text.
    explicit AddUrlsDialog(const QString& defaultFolder, QWidget* parent = nullptr,
                           bool readClipboard = true);
    ~AddUrlsDialog() override;

    // One request per valid URL line; empty while the input is not valid.
    QList<maria2::DownloadRequest> requests() const;

    void setUrlsText(const QString& text);
    QString urlsText() const;
    void setTargetFolder(const QString& folder);
    QString targetFolder() const;
    void setFileName(const QString& name);
    void setStartNow(bool startNow);
    // "sha-256=HEX" or a bare hex digest; only used (and checked) when there is one URL.
    void setChecksum(const QString& checksum);
    // The connections spin box (request.split), clamped to 1..64; the window passes the
    // config's Download.Split.
    void setConnections(int connections); // 0 = Auto: the engine pool decides
    int connections() const;
    // The pool's engines, offered after "Automatic"; engine() is empty for Automatic.
    void setEngines(const QStringList& names);
    QString engine() const;
    // Each download's own speed limit (request.maxSpeed), bytes/s; 0 = none.
    void setSpeedLimit(qint64 bytesPerSecond);
    qint64 speedLimit() const;

    bool isInputValid() const { return m_valid; }
    QString problemText() const;                // what the error label says; empty when all is well
    QStringList urls() const { return m_urls; } // the valid URLs, in order

    // The http/https/ftp/ftps URLs in free text (whitespace separated), in order.
    static QStringList urlsInText(const QString& text);
    static bool isSupportedUrl(const QString& text);

private slots:
    void validate();
    void browse();

private:
    std::unique_ptr<Ui::AddUrlsDialog> m_ui;
    QStringList m_urls;
    bool m_valid = false;
};

} // namespace maria2::gui
