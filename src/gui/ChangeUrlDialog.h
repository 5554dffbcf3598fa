#pragma once
// ChangeUrlDialog: asks for a fresh link for one download (e.g. after "link expired"),
// pre-filled with the current one. OK stays disabled until the text is an http, https, ftp or
// ftps URL; the label under the box says what is wrong.
#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace maria2::gui {

class ChangeUrlDialog final : public QDialog {
    Q_OBJECT
public:
    ChangeUrlDialog(const QString& name, const QString& currentUrl, QWidget* parent = nullptr);

    void setUrl(const QString& url);
    QString url() const;        // trimmed, as typed
    QString encodedUrl() const; // what goes to the session
    bool isInputValid() const { return m_valid; }
    bool isChanged() const;      // differs from the URL the dialog started with
    QString problemText() const; // empty when the URL can be used

private:
    void validate();

    QString m_currentUrl;
    QLineEdit* m_edit;
    QLabel* m_errorLabel;
    QDialogButtonBox* m_buttons;
    bool m_valid = false;
};

} // namespace maria2::gui
