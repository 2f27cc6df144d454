using BenchmarkDotNet.Running;
using Cacheback.Benchmarks;
using Cacheback.Benchmarks.Scenarios;

// One entry point, two harnesses: BenchmarkDotNet for the nanosecond hit path, a plain
// harness for the scenarios (latency distributions over seconds, which BenchmarkDotNet does not model).
switch (args.FirstOrDefault())
{
    case "hit":
        var summary = BenchmarkRunner.Run<HitBenchmarks>(args: args[1..]);
        return summary.HasCriticalValidationErrors ? 1 : 0;
    case "serializers" when args.Skip(1).FirstOrDefault() == "--interleaved":
        SerializerBenchmarks.PrintSizes(Console.Out);
        Console.WriteLine();
        SerializerBenchmarks.RunInterleaved(Console.Out);
        return 0;
    case "serializers":
        SerializerBenchmarks.PrintSizes(Console.Out);
        var serializers = BenchmarkRunner.Run<SerializerBenchmarks>(args: args[1..]);
        return serializers.HasCriticalValidationErrors ? 1 : 0;
    case "scenarios":
        await ScenarioRunner.RunAsync(Console.Out);
        return 0;
    default:
        Console.Error.WriteLine("usage: Cacheback.Benchmarks hit [BenchmarkDotNet args] | serializers [--interleaved | BenchmarkDotNet args] | scenarios");
        return 2;
}
