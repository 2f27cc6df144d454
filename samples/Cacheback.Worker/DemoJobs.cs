using StackExchange.Redis;

namespace Cacheback.Worker;

/// <summary>
/// The jobs this worker knows, by name. Readers (web nodes) and workers register the same names
/// with the same policy: a worker finds a queued request's job by its name, never by a type.
/// </summary>
/// <remarks>
/// Both jobs are deterministic and count their fetches in Redis, so tests and benchmarks running
/// many processes can count refreshes across all of them:
/// <list type="bullet">
/// <item><c>profiles</c>: INCR <c>{prefix}fetches:{key}</c>, returns <c>{key}#{count}</c>. When
/// <c>{prefix}ctl:fetch-delay-ms</c> holds a number, the fetch first records its key in
/// <c>{prefix}holding:{pid}</c> and waits that long (a slow backend, for crash tests).</item>
/// <item><c>trivial</c>: returns the key; no I/O (queue throughput).</item>
/// </list>
/// </remarks>
public sealed class DemoJobs : IDisposable
{
    public const string ProfilesJob = "profiles";
    public const string TrivialJob = "trivial";

    private readonly IDatabase _database;
    private readonly string _prefix;
    private readonly string _holding;

    public DemoJobs(CachebackRuntime runtime, IConnectionMultiplexer connection, string prefix)
    {
        _database = connection.GetDatabase();
        _prefix = prefix;
        _holding = HoldingKey(prefix, Environment.ProcessId);
        var policy = runtime.Options.DefaultPolicy;
        Profiles = Cache.Wrap<string, string>(FetchProfileAsync, policy, name: ProfilesJob, runtime: runtime);
        Trivial = Cache.Wrap<string, string>((key, _) => Task.FromResult(key), policy, name: TrivialJob, runtime: runtime);
    }

    public CachedFetch<string, string> Profiles { get; }

    public CachedFetch<string, string> Trivial { get; }

    public static string FetchCounterKey(string prefix, string key) => $"{prefix}fetches:{key}";

    public static string FetchDelayKey(string prefix) => $"{prefix}ctl:fetch-delay-ms";

    public static string HoldingKey(string prefix, int processId) => $"{prefix}holding:{processId}";

    public void Dispose()
    {
        Profiles.Dispose();
        Trivial.Dispose();
    }

    private async Task<string> FetchProfileAsync(string key, CancellationToken cancellationToken)
    {
        var delay = await _database.StringGetAsync(FetchDelayKey(_prefix)).ConfigureAwait(false);
        if (delay.HasValue && (long)delay > 0)
        {
            await _database.SetAddAsync(_holding, key).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds((long)delay), cancellationToken).ConfigureAwait(false);
            await _database.SetRemoveAsync(_holding, key).ConfigureAwait(false);
        }

        var count = await _database.StringIncrementAsync(FetchCounterKey(_prefix, key)).ConfigureAwait(false);
        return $"{key}#{count}";
    }
}
