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
/// <item><c>profiles</c>: INCR <c>{prefix}fetches:{key}</c>, returns <c>{key}#{count}</c>. While
/// <c>{prefix}ctl:hold:{pid}</c> exists, process <c>pid</c>'s fetches record their key in
/// <c>{prefix}holding:{pid}</c> and never finish (a hung backend, for crash tests: the test sees
/// what the process holds, then kills it; no fetch finishes early on a slow machine).</item>
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

    /// <summary>While it exists, process <paramref name="processId"/>'s fetches hang (until their refresh times out or the process dies).</summary>
    public static string HoldKey(string prefix, int processId) => $"{prefix}ctl:hold:{processId}";

    public static string HoldingKey(string prefix, int processId) => $"{prefix}holding:{processId}";

    public void Dispose()
    {
        Profiles.Dispose();
        Trivial.Dispose();
    }

    /// <summary>The <c>profiles</c> fetch: counts itself in Redis, unless this process is told to hold its fetches.</summary>
    public static async Task<string> FetchProfileAsync(IDatabase database, string prefix, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (await database.KeyExistsAsync(HoldKey(prefix, Environment.ProcessId)).ConfigureAwait(false))
        {
            await database.SetAddAsync(HoldingKey(prefix, Environment.ProcessId), key).ConfigureAwait(false);
            // Held until cancelled: no timer, so what the test sees held stays held until it acts.
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var count = await database.StringIncrementAsync(FetchCounterKey(prefix, key)).ConfigureAwait(false);
        return $"{key}#{count}";
    }

    /// <summary>The <c>trivial</c> fetch: the key itself.</summary>
    public static Task<string> FetchTrivialAsync(string key, CancellationToken cancellationToken) => Task.FromResult(key);
}
