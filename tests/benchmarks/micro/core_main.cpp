// maria2_microbench: the core's hot paths (no Qt). Exits 1 when a benchmark reported an error.
#include "BenchRunner.h"

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 1;
    }
    return maria2::bench::runBenchmarks();
}
