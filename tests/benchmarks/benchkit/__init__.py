"""MAria2's peer benchmark (tests/benchmarks/run.py): servers, clients, measurement, report."""
