namespace Cacheback;

/// <summary>Runs the refreshes of one registered job.</summary>
internal interface IRefreshHandler
{
    /// <summary>How long one of its refreshes may run before it is cancelled; null for the worker's default.</summary>
    TimeSpan? Timeout { get; }

    /// <summary>Fetches and stores what <paramref name="request"/> names; throws when the fetch fails.</summary>
    Task<RefreshResult> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken);
}
