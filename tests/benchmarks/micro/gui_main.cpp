// maria2_microbench_gui: the GUI model's benchmarks need a QApplication. Always offscreen, so
// the figures never depend on a display server (and nothing opens on one).
#include "BenchRunner.h"

#include <QApplication>

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv); // takes the --benchmark_* flags out first
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    return maria2::bench::runBenchmarks();
}
