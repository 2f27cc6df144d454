using System.Diagnostics;
using System.Globalization;

namespace Cacheback.Benchmarks.Hybrid;

/// <summary>
/// The stale-serving scenario with two processes sharing one Redis (<c>hybrid-redis REDIS [episodes]</c>):
/// per cache, two <see cref="RedisNode"/> processes; the first fills the key, then each episode both
/// read it at once after it expired. Fetches are summed over both processes.
/// </summary>
internal static class TwoProcessEpisodes
{
    public static async Task RunAsync(TextWriter output, string redis, int episodes)
    {
        output.WriteLine($"Stale episodes, two processes sharing Redis: expiration {StaleEpisodes.Expiration.TotalMilliseconds} ms, backend {StaleEpisodes.Backend.TotalMilliseconds} ms, {StaleEpisodes.Callers} callers at once per process per episode.");
        output.WriteLine();
        var results = new List<StaleEpisodes.Result>();
        foreach (var (kind, name) in new[] { ("microsoft", "Microsoft HybridCache"), ("fusion", "FusionCache"), ("cacheback", "Cacheback.Hybrid") })
            results.Add(await RunOneAsync(kind, name, redis, episodes));
        StaleEpisodes.Print(output, results);
    }

    private static async Task<StaleEpisodes.Result> RunOneAsync(string kind, string name, string redis, int episodes)
    {
        var prefix = $"bench:{kind}:{Guid.NewGuid():N}:";
        var nodes = new[] { Start(kind, redis, prefix), Start(kind, redis, prefix) };
        try
        {
            foreach (var node in nodes)
                await Expect(node, "ready");
            var latencies = new List<double>();
            var refreshes = 0;
            // Each episode: a key of its own, filled, left to expire, then read by both at once. Episode -1 warms both processes up and is not counted.
            for (var episode = -1; episode < episodes; episode++)
            {
                var key = (episode + 1).ToString(CultureInfo.InvariantCulture);
                // The first process fills the key, then the second reads it once while fresh, as a
                // node serving the key all along would have (its local level holds it).
                foreach (var node in nodes)
                {
                    await Send(node, "fill " + key);
                    await Expect(node, "filled");
                }

                var filled = await FetchesAsync(nodes);
                await Task.Delay(StaleEpisodes.Expiration + StaleEpisodes.Settle);
                await Task.WhenAll(nodes.Select(n => Send(n, "episode " + key)));
                var burst = new List<double>();
                foreach (var node in nodes)
                {
                    var line = await Expect(node, "latencies");
                    burst.AddRange(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => double.Parse(s, CultureInfo.InvariantCulture)));
                }

                await Task.Delay(StaleEpisodes.Settle);
                if (episode < 0)
                    continue;
                latencies.AddRange(burst);
                refreshes += await FetchesAsync(nodes) - filled;
            }

            latencies.Sort();
            return StaleEpisodes.Summarize(name, episodes, refreshes, latencies);
        }
        finally
        {
            foreach (var node in nodes)
            {
                try
                {
                    await Send(node, "quit");
                    await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException)
                {
                    node.Kill();
                }

                node.Dispose();
            }
        }
    }

    private static async Task<int> FetchesAsync(Process[] nodes)
    {
        var fetches = 0;
        foreach (var node in nodes)
        {
            await Send(node, "fetches");
            fetches += int.Parse((await Expect(node, "fetches")).Split(' ')[1], CultureInfo.InvariantCulture);
        }

        return fetches;
    }

    private static Process Start(string kind, string redis, string prefix)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var dll = typeof(TwoProcessEpisodes).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            info.ArgumentList.Add(dll);
        foreach (var a in new[] { "hybrid-node", kind, redis, prefix })
            info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException("The node process did not start.");
    }

    private static async Task Send(Process node, string command)
    {
        await node.StandardInput.WriteLineAsync(command);
        await node.StandardInput.FlushAsync();
    }

    private static async Task<string> Expect(Process node, string prefix)
    {
        while (await node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return line;
        }

        throw new InvalidOperationException($"The node exited before saying '{prefix}'.");
    }
}
