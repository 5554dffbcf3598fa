// The GUI tests need a QApplication (widgets, fonts, clipboard), so no gtest_main here.
#include <QApplication>
#include <gtest/gtest.h>

int main(int argc, char* argv[]) {
    // Never open windows on a real display, even when run by hand.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    ::testing::InitGoogleTest(&argc, argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("MAria2-tests"));
    QApplication::setOrganizationName(QStringLiteral("MAria2"));
    return RUN_ALL_TESTS();
}
