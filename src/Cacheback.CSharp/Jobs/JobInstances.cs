using System.Runtime.CompilerServices;

namespace Cacheback;

/// <summary>
/// The cached fetch of each job class in each runtime: instances of one job class share one (the
/// first one makes it), as django-cacheback jobs made anew for every call share their cache.
/// </summary>
internal static class JobInstances
{
    private static readonly ConditionalWeakTable<CachebackRuntime, Dictionary<string, (Type Owner, object Cached)>> ByRuntime = new();

    /// <summary>The cached fetch registered as <paramref name="name"/> by the job class <paramref name="owner"/>, made by <paramref name="create"/> the first time.</summary>
    /// <exception cref="ArgumentException">Another job class, or other types, already use the name.</exception>
    public static CachedFetch<TArgs, TResult> For<TArgs, TResult>(CachebackRuntime runtime, string name, Type owner, Func<CachedFetch<TArgs, TResult>> create)
    {
        var jobs = ByRuntime.GetOrCreateValue(runtime);
        lock (jobs)
        {
            if (!jobs.TryGetValue(name, out var existing))
            {
                var created = create();
                jobs[name] = (owner, created);
                return created;
            }

            return existing.Owner == owner && existing.Cached is CachedFetch<TArgs, TResult> shared
                ? shared
                : throw new ArgumentException($"The job name '{name}' is already used by {existing.Owner}; {owner} needs another name.", nameof(name));
        }
    }
}
