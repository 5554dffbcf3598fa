#pragma once
// The main() body both microbenchmark programs share. Google Benchmark 1.7 exits 0 even when a
// benchmark called SkipWithError, so the ctest smoke runs could not catch a broken setup: the
// display reporter is wrapped to remember errors, and the program exits 1 when there was one.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

namespace maria2::bench {

class ErrorTrackingReporter final : public benchmark::BenchmarkReporter {
public:
    explicit ErrorTrackingReporter(benchmark::BenchmarkReporter* inner)
        : m_inner(inner) {}

    bool ReportContext(const Context& context) override { return m_inner->ReportContext(context); }
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& run : runs) {
            m_failed = m_failed || run.error_occurred;
        }
        m_inner->ReportRuns(runs);
    }
    void Finalize() override { m_inner->Finalize(); }
    bool failed() const { return m_failed; }

private:
    std::unique_ptr<benchmark::BenchmarkReporter> m_inner;
    bool m_failed = false;
};

// Runs the benchmarks selected by the flags (benchmark::Initialize must have been called).
// 0 = every benchmark ran; 1 = one reported an error.
inline int runBenchmarks() {
    // The reporter --benchmark_format asks for (console, json, csv), as the library would pick.
    ErrorTrackingReporter reporter(benchmark::CreateDefaultDisplayReporter());
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return reporter.failed() ? 1 : 0;
}

} // namespace maria2::bench
