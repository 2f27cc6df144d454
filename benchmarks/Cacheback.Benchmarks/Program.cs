using BenchmarkDotNet.Running;
using Cacheback.Benchmarks;
using Cacheback.Benchmarks.Hybrid;
using Cacheback.Benchmarks.Memory;
using Cacheback.Benchmarks.Scenarios;

// One entry point, two harnesses: BenchmarkDotNet for the nanosecond hit path, a plain
// harness for the scenarios (latency distributions over seconds, which BenchmarkDotNet does not model).
switch (args.FirstOrDefault())
{
    case "hit":
        var summary = BenchmarkRunner.Run<HitBenchmarks>(args: args[1..]);
        return summary.HasCriticalValidationErrors ? 1 : 0;
    case "miss" when args.Skip(1).FirstOrDefault() == "--interleaved":
        // miss --interleaved [rounds]: the same two misses in a timed loop, round by round in one process.
        MissBenchmarks.RunInterleaved(Console.Out, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 30);
        return 0;
    case "miss":
        // miss [BenchmarkDotNet args]: a miss on a new key with an already-completed fetch, against IMemoryCache.GetOrCreateAsync.
        var misses = BenchmarkRunner.Run<MissBenchmarks>(args: args[1..]);
        return misses.HasCriticalValidationErrors ? 1 : 0;
    case "serializers" when args.Skip(1).FirstOrDefault() == "--interleaved":
        SerializerBenchmarks.PrintSizes(Console.Out);
        Console.WriteLine();
        SerializerBenchmarks.RunInterleaved(Console.Out);
        return 0;
    case "serializers":
        SerializerBenchmarks.PrintSizes(Console.Out);
        var serializers = BenchmarkRunner.Run<SerializerBenchmarks>(args: args[1..]);
        return serializers.HasCriticalValidationErrors ? 1 : 0;
    case "memory" when args.Skip(1).FirstOrDefault() == "--layout":
        // memory --layout: the envelope as the dictionary's value against a record around it, in one process.
        LayoutBenchmark.Run(Console.Out, [1_000, 100_000, 1_000_000], rounds: 9);
        return 0;
    case "memory":
        // memory [sizes...]: bytes per entry and hit cost for 1 k, 100 k and 1 M keys (or the sizes given).
        var sizes = args.Length > 1 ? args[1..].Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [1, 1_000, 100_000, 1_000_000];
        await MemoryBenchmark.RunAsync(Console.Out, sizes, rounds: 7);
        return 0;
    case "hybrid-hit":
        var hybridHit = BenchmarkRunner.Run<HybridHitBenchmarks>(args: args[1..]);
        return hybridHit.HasCriticalValidationErrors ? 1 : 0;
    case "hybrid-scenarios":
        // hybrid-scenarios [episodes]: the stale-serving scenario, one process, three caches.
        await HybridScenarioRunner.RunInProcessAsync(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20);
        return 0;
    case "hybrid-redis":
        // hybrid-redis REDIS [episodes]: the stale-serving scenario with two processes sharing Redis.
        await TwoProcessEpisodes.RunAsync(Console.Out, args[1], args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20);
        return 0;
    case "hybrid-node":
        return await RedisNode.RunAsync(args[1], args[2], args[3]);
    case "scenarios":
        await ScenarioRunner.RunAsync(Console.Out);
        return 0;
    default:
        Console.Error.WriteLine("usage: Cacheback.Benchmarks hit [BenchmarkDotNet args] | miss [--interleaved [rounds] | BenchmarkDotNet args] | serializers [--interleaved | BenchmarkDotNet args] | memory [--layout | sizes...] | scenarios | hybrid-hit [BenchmarkDotNet args] | hybrid-scenarios [episodes] | hybrid-redis REDIS [episodes]");
        return 2;
}
