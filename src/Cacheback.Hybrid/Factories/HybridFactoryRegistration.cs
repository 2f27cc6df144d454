using Microsoft.Extensions.Hosting;

namespace Cacheback.Hybrid;

/// <summary>
/// Makes the cache when the host builds its hosted services, so that its named factories are in
/// the runtime's registry before the refresh worker takes a request naming one.
/// </summary>
internal sealed class HybridFactoryRegistration(CachebackHybridCache cache) : IHostedService
{
    /// <summary>The cache, made (and its factories registered) by the time the host starts.</summary>
    public CachebackHybridCache Cache { get; } = cache;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
