using System.Globalization;

namespace Cacheback.Web.Compare;

/// <summary>The load run's settings, from the <c>"Compare"</c> section.</summary>
/// <param name="Expiry">How long a value is good: Cacheback's lifetime, HybridCache's and IMemoryCache's expiration (default 5 s).</param>
/// <param name="FetchDelay">How long the shared fetch takes (default 50 ms).</param>
internal sealed record CompareSettings(TimeSpan Expiry, TimeSpan FetchDelay)
{
    public const string SectionName = "Compare";

    /// <summary>Reads and checks the section; a bad value is named with its value and range.</summary>
    public static CompareSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var expiry = Read(section, "Expiry", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        var delay = Read(section, "FetchDelay", TimeSpan.FromMilliseconds(50), TimeSpan.Zero, TimeSpan.FromSeconds(10));
        return new CompareSettings(expiry, delay);
    }

    private static TimeSpan Read(IConfigurationSection section, string name, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        if (section[name] is not { } text)
            return fallback;
        if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value))
            throw new InvalidOperationException($"Compare:{name} is '{text}', which is not a duration (00:00:05 is 5 seconds).");
        return value >= min && value <= max
            ? value
            : throw new InvalidOperationException($"Compare:{name} must be between {min} and {max} (was {value}).");
    }
}
