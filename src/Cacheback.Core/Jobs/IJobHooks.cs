namespace Cacheback;

/// <summary>
/// Per-call overrides of the policy: a definition's hook functions (<see cref="DefinedHooks{TArgs, TResult}"/>),
/// django-cacheback's overridable methods. The executor asks them only off the hit path.
/// </summary>
internal interface IJobHooks<in TArgs>
{
    /// <summary>Whether a miss for <paramref name="args"/> fetches now.</summary>
    bool ShouldFetchOnMiss(TArgs args);

    /// <summary>Whether a stale item whose data is <paramref name="delta"/> past its lifetime (its age minus the lifetime) is fetched now instead of served.</summary>
    bool ShouldFetchStale(TArgs args, TimeSpan delta);

    /// <summary>Until when a value fetched at <paramref name="now"/> is fresh.</summary>
    DateTimeOffset Expiry(TArgs args, DateTimeOffset now);

    /// <summary>Until when a refresh triggered at <paramref name="now"/> holds its lease.</summary>
    DateTimeOffset Timeout(TArgs args, DateTimeOffset now);
}
