// The OpenTelemetry SDK listens to every source and meter named "Cacheback" in the process: tests
// that count what it captured must not share the process with other tests' runtimes.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
