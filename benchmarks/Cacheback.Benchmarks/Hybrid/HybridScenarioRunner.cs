namespace Cacheback.Benchmarks.Hybrid;

/// <summary>Runs the stale-serving scenario against the three caches and prints one table.</summary>
internal static class HybridScenarioRunner
{
    public static async Task RunInProcessAsync(TextWriter output, int episodes)
    {
        output.WriteLine($"Stale episodes, one process: expiration {StaleEpisodes.Expiration.TotalMilliseconds} ms, backend {StaleEpisodes.Backend.TotalMilliseconds} ms, {StaleEpisodes.Callers} callers at once per episode.");
        output.WriteLine();
        var results = new List<StaleEpisodes.Result>();
        foreach (var build in new Func<HybridScenarioCaches.Built>[]
                 {
                     () => HybridScenarioCaches.Microsoft(StaleEpisodes.Expiration),
                     () => HybridScenarioCaches.Fusion(StaleEpisodes.Expiration),
                     () => HybridScenarioCaches.Cacheback(StaleEpisodes.Expiration),
                 })
        {
            var cache = build();
            using (cache.Owner)
                results.Add(await StaleEpisodes.RunAsync(cache, episodes));
        }

        StaleEpisodes.Print(output, results);
    }
}
