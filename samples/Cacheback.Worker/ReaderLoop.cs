using System.Globalization;

namespace Cacheback.Worker;

/// <summary>
/// A reading node for multi-process tests and benchmarks: it never refreshes (its runtime's
/// worker is off), so every stale read it makes claims and enqueues to the shared Redis queue.
/// Driven by lines on stdin, it answers each with one line on stdout.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>read {keys} {concurrency} {rounds}</c>: <c>concurrency</c> tasks each read keys
/// <c>user-0</c>..<c>user-{keys-1}</c> of the <c>profiles</c> job <c>rounds</c> times → <c>done {reads}</c>.</item>
/// <item><c>burst {key} {callers}</c>: <c>callers</c> tasks released together read one key → <c>done {callers}</c>.</item>
/// <item><c>quit</c> (or end of input): exit 0.</item>
/// </list>
/// It prints <c>ready {pid}</c> first.
/// </remarks>
public static class ReaderLoop
{
    /// <remarks>stdin is read on a thread of its own: Console.In's ReadLineAsync blocks a thread-pool
    /// thread while it waits for a line, which on 2 cores starves the Redis client's completions.</remarks>
    public static Task<int> RunAsync(CachedFetch<string, string> profiles, TextReader input, TextWriter output)
    {
        var lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
        new Thread(() =>
        {
            while (input.ReadLine() is { } line)
                lines.Writer.TryWrite(line);
            lines.Writer.TryComplete();
        }) { IsBackground = true, Name = "stdin" }.Start();
        return RunAsync(profiles, async () => await lines.Reader.WaitToReadAsync().ConfigureAwait(false) && lines.Reader.TryRead(out var line) ? line : null, output);
    }

    private static async Task<int> RunAsync(CachedFetch<string, string> profiles, Func<Task<string?>> readLine, TextWriter output)
    {
        output.WriteLine($"ready {Environment.ProcessId}");
        output.Flush();
        while (await readLine().ConfigureAwait(false) is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            try
            {
                switch (parts.FirstOrDefault())
                {
                    case "read":
                        output.WriteLine($"done {await ReadAsync(profiles, Int(parts[1]), Int(parts[2]), Int(parts[3])).ConfigureAwait(false)}");
                        break;
                    case "burst":
                        output.WriteLine($"done {await BurstAsync(profiles, parts[1], Int(parts[2])).ConfigureAwait(false)}");
                        break;
                    case "quit":
                        return 0;
                    default:
                        output.WriteLine($"error unknown command '{line}'");
                        break;
                }
            }
            catch (Exception e)
            {
                output.WriteLine($"error {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            }

            output.Flush();
        }

        return 0;
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static async Task<int> ReadAsync(CachedFetch<string, string> profiles, int keys, int concurrency, int rounds)
    {
        var reads = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < keys; i++)
                {
                    // Each task starts at its own offset, so the keys are hit in different orders.
                    var value = await profiles.GetAsync($"user-{(i + worker) % keys}").ConfigureAwait(false);
                    if (value is null)
                        throw new InvalidOperationException("a read returned nothing");
                    Interlocked.Increment(ref reads);
                }
            }
        }))).ConfigureAwait(false);
        return reads;
    }

    private static async Task<int> BurstAsync(CachedFetch<string, string> profiles, string key, int callers)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = Enumerable.Range(0, callers).Select(async _ =>
        {
            await gate.Task.ConfigureAwait(false);
            return await profiles.GetAsync(key).ConfigureAwait(false);
        }).ToArray();
        gate.SetResult();
        await Task.WhenAll(reads).ConfigureAwait(false);
        return callers;
    }
}
