#pragma once
// DownloadsView: the downloads table, with a hint in the empty viewport ("No downloads yet",
// "Nothing matches") so a first start or a strict filter does not look broken.
#include <QString>
#include <QTableView>

namespace maria2::gui {

class DownloadsView final : public QTableView {
    Q_OBJECT
public:
    explicit DownloadsView(QWidget* parent = nullptr);

    void setEmptyText(const QString& text);
    QString emptyText() const { return m_emptyText; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QString m_emptyText;
};

} // namespace maria2::gui
