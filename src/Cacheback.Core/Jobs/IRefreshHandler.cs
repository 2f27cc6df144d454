namespace Cacheback;

/// <summary>Runs the refreshes of one registered job.</summary>
public interface IRefreshHandler
{
    /// <summary>Fetches and stores what <paramref name="request"/> names; throws when the fetch fails.</summary>
    Task<RefreshResult> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken);
}
