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

    /// <summary>The jobs on a runtime built by hand (tests and benchmarks); a host registers them with <see cref="DemoJobsServiceCollectionExtensions.AddDemoJobs"/>.</summary>
    public DemoJobs(CachebackRuntime runtime, IConnectionMultiplexer connection, string prefix)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(connection);
        var database = connection.GetDatabase();
        Profiles = runtime.Wrap(new JobDefinition<string, string>((key, cancellationToken) => FetchProfileAsync(database, prefix, key, cancellationToken)) { Name = ProfilesJob });
        Trivial = runtime.Wrap(new JobDefinition<string, string>(FetchTrivialAsync) { Name = TrivialJob });
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

    /// <summary>The <c>profiles</c> fetch: counts itself in Redis, after the delay the control key asks for.</summary>
    public static async Task<string> FetchProfileAsync(IDatabase database, string prefix, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var delay = await database.StringGetAsync(FetchDelayKey(prefix)).ConfigureAwait(false);
        if (delay.HasValue && (long)delay > 0)
        {
            var holding = HoldingKey(prefix, Environment.ProcessId);
            await database.SetAddAsync(holding, key).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds((long)delay), cancellationToken).ConfigureAwait(false);
            await database.SetRemoveAsync(holding, key).ConfigureAwait(false);
        }

        var count = await database.StringIncrementAsync(FetchCounterKey(prefix, key)).ConfigureAwait(false);
        return $"{key}#{count}";
    }

    /// <summary>The <c>trivial</c> fetch: the key itself.</summary>
    public static Task<string> FetchTrivialAsync(string key, CancellationToken cancellationToken) => Task.FromResult(key);
}
