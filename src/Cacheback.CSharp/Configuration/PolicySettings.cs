using Microsoft.Extensions.Configuration;

namespace Cacheback;

/// <summary>
/// The default policy's thresholds in the <c>"Cacheback"</c> section, flat beside the other settings
/// (<c>"Cacheback:Lifetime"</c>, <c>"Cacheback:FetchOnMiss"</c>, ...): each key is the name of a
/// <see cref="Policy"/> property and is read onto <see cref="CachebackOptions.Policy"/>. The
/// thresholds, their defaults and their rules are <see cref="Policy"/>'s alone; this only maps keys
/// to its arguments.
/// </summary>
internal static class PolicySettings
{
    /// <summary>The keys, with the type of their values (for the check of unknown keys and of values that do not convert).</summary>
    public static IReadOnlyDictionary<string, Type> Keys { get; } = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(Policy.Lifetime)] = typeof(TimeSpan),
        [nameof(Policy.CacheTtl)] = typeof(TimeSpan),
        [nameof(Policy.RefreshTimeout)] = typeof(TimeSpan),
        [nameof(Policy.FetchOnMiss)] = typeof(bool),
        [nameof(Policy.FetchOnStaleThreshold)] = typeof(TimeSpan),
        [nameof(Policy.EarlyRefreshBeta)] = typeof(double),
        [nameof(Policy.LifetimeJitter)] = typeof(double),
    };

    /// <summary>
    /// <paramref name="policy"/> with the thresholds <paramref name="section"/> gives; a key that is
    /// missing or empty keeps the policy's value, and a value that does not convert is left to
    /// <see cref="ConfigurationCheck"/>, which names it.
    /// </summary>
    /// <exception cref="PolicyValidationException">The thresholds make no policy; each problem is named.</exception>
    public static Policy Apply(IConfigurationSection section, Policy policy)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(policy);
        return policy.With(
            lifetime: Read<TimeSpan>(section, nameof(Policy.Lifetime)),
            cacheTtl: Read<TimeSpan>(section, nameof(Policy.CacheTtl)),
            refreshTimeout: Read<TimeSpan>(section, nameof(Policy.RefreshTimeout)),
            fetchOnMiss: Read<bool>(section, nameof(Policy.FetchOnMiss)),
            fetchOnStaleThreshold: Read<TimeSpan>(section, nameof(Policy.FetchOnStaleThreshold)),
            earlyRefreshBeta: Read<double>(section, nameof(Policy.EarlyRefreshBeta)),
            lifetimeJitter: Read<double>(section, nameof(Policy.LifetimeJitter)));
    }

    private static T? Read<T>(IConfigurationSection section, string key)
        where T : struct =>
        (T?)ConfigurationCheck.Convert(section.GetSection(key), typeof(T));
}
