using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cacheback;

/// <summary>
/// The refresh requests a worker is running, one per claim (job, key and expected version), each
/// with the span it was taken in. The one in-flight record: the pipeline dedupes on it, the worker
/// counts and reports from it.
/// </summary>
internal sealed class RefreshesInFlight
{
    private readonly ConcurrentDictionary<(string Job, string Key, long? Version), (RefreshRequest Request, ActivityContext TakenIn)> _claims = new();

    /// <summary>How many run.</summary>
    public int Count => _claims.Count;

    /// <summary>Claims the request's key and version; false when a request of that claim already runs.</summary>
    /// <remarks>Records <see cref="Activity.Current"/> as the span the request was taken in.</remarks>
    public bool TryClaim(RefreshRequest request) =>
        _claims.TryAdd(ClaimOf(request), (request, Activity.Current?.Context ?? default));

    /// <summary>Gives the claim back, if this very request holds it (a later request of the same claim keeps its own).</summary>
    public void Release(RefreshRequest request)
    {
        var claim = ClaimOf(request);
        if (_claims.TryGetValue(claim, out var held) && ReferenceEquals(held.Request, request))
            _claims.TryRemove(new KeyValuePair<(string, string, long?), (RefreshRequest, ActivityContext)>(claim, held));
    }

    /// <summary>The span <paramref name="request"/> was taken in (default when it is not running).</summary>
    public ActivityContext TakenIn(RefreshRequest request) =>
        _claims.TryGetValue(ClaimOf(request), out var held) && ReferenceEquals(held.Request, request) ? held.TakenIn : default;

    /// <summary>The requests running now.</summary>
    public IReadOnlyList<RefreshRequest> Snapshot() => [.. _claims.Values.Select(v => v.Request)];

    private static (string, string, long?) ClaimOf(RefreshRequest request) => (request.Job, request.Key, request.ExpectedVersion);
}
