using Microsoft.Extensions.DependencyInjection;

namespace Cacheback;

/// <summary>A job the container made (<c>AddCachebackJob</c>): each of its fetches runs on an instance resolved in a scope of its own.</summary>
internal interface IContainerJob
{
    /// <summary>Runs the job in <paramref name="runtime"/>, its fetches each in a new scope of <paramref name="scopes"/>, on the <paramref name="service"/> resolved there; before its first use.</summary>
    void AttachTo(CachebackRuntime runtime, IServiceScopeFactory scopes, Type service);
}
