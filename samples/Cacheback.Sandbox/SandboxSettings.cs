using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Cacheback.Sandbox;

/// <summary>The sandbox's settings, from the <c>"Sandbox"</c> section (the web app and the worker read the same).</summary>
/// <param name="Database">The SQLite file (default: <c>cacheback-sandbox.db</c> in the temp folder, so a web node and a worker on one machine share it).</param>
/// <param name="SlowFetch">How long the vanilla job's fetch takes (default 3 s; under its 5 s refresh timeout, which bounds every fetch).</param>
public sealed record SandboxSettings(string Database, TimeSpan SlowFetch)
{
    public const string SectionName = "Sandbox";

    /// <summary>The vanilla job's refresh timeout: its fetch must end within it.</summary>
    public static readonly TimeSpan VanillaRefreshTimeout = TimeSpan.FromSeconds(5);

    public static string DefaultDatabase => Path.Combine(Path.GetTempPath(), "cacheback-sandbox.db");

    public string ConnectionString => $"Data Source={Database}";

    /// <summary>Reads and checks the section.</summary>
    /// <exception cref="InvalidOperationException">A value is not a duration, or out of range (named, with its value).</exception>
    public static SandboxSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        var slow = TimeSpan.FromSeconds(3);
        if (section["SlowFetch"] is { } text && !TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out slow))
            throw new InvalidOperationException($"Sandbox:SlowFetch is '{text}', which is not a duration (00:00:03 is 3 seconds).");
        if (slow < TimeSpan.Zero || slow >= VanillaRefreshTimeout)
            throw new InvalidOperationException($"Sandbox:SlowFetch must be at least 0 and under the vanilla job's refresh timeout, {VanillaRefreshTimeout} (was {slow}).");
        var database = section["Database"] is { Length: > 0 } path ? path : DefaultDatabase;
        return new SandboxSettings(database, slow);
    }
}
