// Integration tests need a QCoreApplication: Session and QProcess live on its event loop.
#include <QCoreApplication>
#include <QStringList>
#include <gtest/gtest.h>

namespace maria2::test {
// store_test.cpp: a persisting Session that downloads until the test SIGKILLs this process.
int runStoreSessionChild(const QStringList& args);
} // namespace maria2::test

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    // Re-executed by a test as a child process rather than running the tests.
    if (const QStringList args = QCoreApplication::arguments();
        args.size() > 1 && args.at(1) == QLatin1String("--store-session-child")) {
        return maria2::test::runStoreSessionChild(args.mid(2));
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
