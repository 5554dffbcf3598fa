// QueueFinishedPrompt with a fake PowerAction (never the real one: a test must not suspend the
// machine) and its timer seam (setTicking(false) + tick()): it acts once when the countdown
// runs out, never after Cancel, Escape or cancel(), and says so when the system refuses.
#include "QueueFinishedPrompt.h"
#include "session/PowerAction.h"
#include "support/Files.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <gtest/gtest.h>

#include <vector>

using maria2::PowerKind;
using maria2::gui::QueueFinishedPrompt;

namespace {

class FakePower final : public maria2::PowerAction {
public:
    bool perform(PowerKind kind, std::string* error) override {
        performed.push_back(kind);
        if (!succeed && error != nullptr) {
            *error = "not allowed by polkit";
        }
        return succeed;
    }
    std::vector<PowerKind> performed;
    bool succeed = true;
};

QPushButton* button(const QueueFinishedPrompt& prompt, QDialogButtonBox::StandardButton which) {
    const auto* box = prompt.findChild<QDialogButtonBox*>();
    return box != nullptr ? box->button(which) : nullptr;
}

QString text(const QueueFinishedPrompt& prompt) {
    QString all;
    for (const QLabel* label : prompt.findChildren<QLabel*>()) {
        all += label->text();
    }
    return all;
}

} // namespace

TEST(QueueFinishedPromptTest, ActsOnceWhenTheCountdownRunsOut) {
    FakePower power;
    QueueFinishedPrompt prompt(PowerKind::Sleep, &power, nullptr, 3);
    prompt.setTicking(false);
    prompt.show();
    EXPECT_EQ(prompt.remainingSeconds(), 3);
    EXPECT_TRUE(text(prompt).contains(QStringLiteral("3 seconds"))) << text(prompt).toStdString();
    EXPECT_TRUE(text(prompt).contains(QStringLiteral("sleep")));

    prompt.tick();
    prompt.tick();
    EXPECT_EQ(prompt.remainingSeconds(), 1);
    EXPECT_TRUE(power.performed.empty());
    EXPECT_TRUE(prompt.isVisible());

    QSignalSpy acted(&prompt, &QueueFinishedPrompt::acted);
    prompt.tick();
    ASSERT_EQ(power.performed.size(), 1u);
    EXPECT_EQ(power.performed.front(), PowerKind::Sleep);
    EXPECT_TRUE(prompt.hasActed());
    EXPECT_FALSE(prompt.isVisible()); // done: it closes
    ASSERT_EQ(acted.count(), 1);
    EXPECT_TRUE(acted.at(0).at(0).toBool());

    // Fires once: more ticks or "now" do nothing.
    prompt.tick();
    prompt.actNow();
    EXPECT_EQ(power.performed.size(), 1u);
}

TEST(QueueFinishedPromptTest, CancelStopsItForGood) {
    FakePower power;
    QueueFinishedPrompt prompt(PowerKind::Shutdown, &power, nullptr, 2);
    prompt.setTicking(false);
    prompt.show();
    EXPECT_TRUE(text(prompt).contains(QStringLiteral("shut down")));
    prompt.tick();
    QPushButton* cancel = button(prompt, QDialogButtonBox::Cancel);
    ASSERT_NE(cancel, nullptr);
    QTest::mouseClick(cancel, Qt::LeftButton);
    EXPECT_TRUE(prompt.isCancelled());
    EXPECT_FALSE(prompt.isVisible());
    for (int i = 0; i < 5; ++i) {
        prompt.tick();
    }
    prompt.actNow();
    EXPECT_TRUE(power.performed.empty());
}

TEST(QueueFinishedPromptTest, EscapeAndEnterCancelRatherThanAct) {
    FakePower power;
    {
        QueueFinishedPrompt prompt(PowerKind::Sleep, &power, nullptr, 2);
        prompt.setTicking(false);
        prompt.show();
        QTest::keyClick(&prompt, Qt::Key_Escape);
        EXPECT_TRUE(prompt.isCancelled());
        prompt.tick();
        prompt.tick();
    }
    {
        // Cancel is the default button: a stray Enter does not put the computer to sleep.
        QueueFinishedPrompt prompt(PowerKind::Sleep, &power, nullptr, 2);
        prompt.setTicking(false);
        prompt.show();
        QTest::keyClick(&prompt, Qt::Key_Return);
        EXPECT_TRUE(prompt.isCancelled());
        prompt.tick();
        prompt.tick();
    }
    EXPECT_TRUE(power.performed.empty());
}

TEST(QueueFinishedPromptTest, TheNowButtonActsAtOnce) {
    FakePower power;
    QueueFinishedPrompt prompt(PowerKind::Shutdown, &power, nullptr, 60);
    prompt.setTicking(false);
    prompt.show();
    auto* now = prompt.findChild<QPushButton*>(QStringLiteral("actNow"));
    ASSERT_NE(now, nullptr);
    EXPECT_TRUE(now->text().contains(QStringLiteral("Shut down")));
    QTest::mouseClick(now, Qt::LeftButton);
    ASSERT_EQ(power.performed.size(), 1u);
    EXPECT_EQ(power.performed.front(), PowerKind::Shutdown);
}

TEST(QueueFinishedPromptTest, ARefusalIsShownInPlaceOfTheCountdown) {
    FakePower power;
    power.succeed = false;
    QueueFinishedPrompt prompt(PowerKind::Sleep, &power, nullptr, 1);
    prompt.setTicking(false);
    prompt.show();
    prompt.tick();
    ASSERT_EQ(power.performed.size(), 1u);
    EXPECT_TRUE(prompt.isVisible());
    EXPECT_TRUE(text(prompt).contains(QStringLiteral("not allowed by polkit")))
        << text(prompt).toStdString();
    QPushButton* close = button(prompt, QDialogButtonBox::Close);
    ASSERT_NE(close, nullptr);
    QTest::mouseClick(close, Qt::LeftButton);
    EXPECT_FALSE(prompt.isVisible());
    EXPECT_EQ(power.performed.size(), 1u);
}

TEST(QueueFinishedPromptTest, TheRealTimerCountsDown) {
    FakePower power;
    QueueFinishedPrompt prompt(PowerKind::Sleep, &power, nullptr, 1);
    prompt.show();
    EXPECT_TRUE(power.performed.empty()); // not before a second has passed
    EXPECT_TRUE(maria2::test::waitFor([&] { return !power.performed.empty(); }, 10000));
    EXPECT_EQ(power.performed.size(), 1u);
}
