using Microsoft.Extensions.DependencyInjection;

namespace Cacheback.Soak;

/// <summary>
/// The soak's backend: a fetch that takes <see cref="SoakSettings.FetchTime"/>, fails at
/// <see cref="SoakSettings.FailRate"/> and is slow (<see cref="SoakSettings.SlowFetchTime"/>) at
/// <see cref="SoakSettings.SlowRate"/>, and tallies itself in <see cref="SoakCounters"/>.
/// </summary>
public sealed class SoakFetch(SoakSettings settings, SoakCounters counters, TimeProvider time)
{
    public const string JobName = "soak";

    /// <summary>Off while the cache is warmed: the warm-up fills every key once, quickly, and is not measured.</summary>
    public bool FaultsEnabled { get; set; } = true;

    public async Task<SoakValue> FetchAsync(string key, CancellationToken cancellationToken)
    {
        var startedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (FaultsEnabled)
            counters.RecordRefresh(key, $"fetch started {startedMs} in pid {Environment.ProcessId}");
        var overlapping = await counters.EnterFetchAsync(key).ConfigureAwait(false);
        try
        {
            if (FaultsEnabled)
            {
                counters.Add(SoakCounters.Fetches);
                if (overlapping)
                    counters.Add(SoakCounters.Overlapping);
            }

            var roll = FaultsEnabled ? Random.Shared.NextDouble() : 1.0;
            var slow = roll >= settings.FailRate && roll < settings.FailRate + settings.SlowRate;
            await Task.Delay(slow ? settings.SlowFetchTime : settings.FetchTime, time, cancellationToken).ConfigureAwait(false);
            if (roll < settings.FailRate)
                throw new InvalidOperationException($"Soak: the injected failure of a fetch of '{key}'.");
            if (FaultsEnabled)
                counters.Add(SoakCounters.Succeeded);
        }
        catch (Exception) when (FaultsEnabled)
        {
            counters.Add(SoakCounters.Failed);
            await counters.RecordFailureAsync(key, time.GetUtcNow().ToUnixTimeMilliseconds()).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await counters.ExitFetchAsync(key).ConfigureAwait(false);
        }

        // Stamped once the fetch is over for Cacheback (after the in-flight counter's round trip, which
        // takes a while on a loaded machine): Cacheback's lifetime runs from its write, just after this.
        return new SoakValue(key, startedMs, time.GetUtcNow().ToUnixTimeMilliseconds());
    }
}

/// <summary>The soak's caching, registered the same way in the reading process and in its workers.</summary>
public static class SoakServiceCollectionExtensions
{
    /// <summary>Adds the <c>soak</c> cached function (keys are strings, values <see cref="SoakValue"/>) and its backend.</summary>
    public static IServiceCollection AddSoak(this IServiceCollection services, SoakSettings settings, Func<IServiceProvider, SoakCounters> counters) =>
        services
            .AddSingleton(settings)
            .AddSingleton(counters)
            .AddSingleton(provider => new SoakFetch(settings, provider.GetRequiredService<SoakCounters>(), TimeProvider.System))
            .AddCachedFetch<string, SoakValue>(SoakFetch.JobName, (provider, key, cancellationToken) =>
                provider.GetRequiredService<SoakFetch>().FetchAsync(key, cancellationToken))
            .AddCacheback(options =>
            {
                options.Policy = options.Policy.With(lifetime: settings.Lifetime, refreshTimeout: settings.RefreshTimeout);
                options.DrainTimeout = settings.Drain;
            });
}
