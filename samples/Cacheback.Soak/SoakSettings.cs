using System.Globalization;

namespace Cacheback.Soak;

/// <summary>The soak's command line; durations are seconds (<c>1.5</c>) or TimeSpans (<c>00:00:01.5</c>).</summary>
public sealed record SoakSettings
{
    public const string Usage =
        "usage: Cacheback.Soak [--duration S] [--keys N] [--readers N] [--lifetime S] [--refresh-timeout S]\n"
        + "                      [--fail-rate F] [--slow-rate F] [--slow-time S] [--fetch-time S] [--think-time S]\n"
        + "                      [--margin S] [--drain S] [--late-is-soft] [--redis CONN [--workers N] [--prefix P] [--poll-interval S]]";

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);
    public int Keys { get; init; } = 2_000;
    public int Readers { get; init; } = 16;
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RefreshTimeout { get; init; } = TimeSpan.FromSeconds(1);
    public double FailRate { get; init; } = 0.10;
    public double SlowRate { get; init; } = 0.05;

    /// <summary>How long a slow fetch takes; default half the refresh timeout (slow, not timed out).</summary>
    public TimeSpan? SlowTime { get; init; }

    /// <summary>How long every other fetch takes (the backend's round trip).</summary>
    public TimeSpan FetchTime { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>A reader's pause between reads (zero: back to back).</summary>
    public TimeSpan ThinkTime { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Added to the served-age bound for a shared, loaded machine.</summary>
    public TimeSpan Margin { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the end (readers stopping, workers draining) may take before the run gives up on it.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(15);

    public string? Redis { get; init; }
    public int Workers { get; init; } = 2;
    public string? Prefix { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>This process is one of a Redis soak's workers.</summary>
    public bool Worker { get; init; }

    /// <summary>Late stale reads (no failed fetch to excuse them) are reported as OVER, not failed: for the CI run on Redis, where they still occur (see README).</summary>
    public bool LateIsSoft { get; init; }

    public TimeSpan SlowFetchTime => SlowTime ?? RefreshTimeout / 2;

    /// <summary>
    /// How long after a read first finds a value stale (and so asks for its refresh) readers may
    /// still be served it while the workers keep up: the refresh timeout, a slow fetch, the margin.
    /// Served age is then at most Lifetime plus this, plus however long nobody read the key.
    /// </summary>
    public TimeSpan StaleBound => RefreshTimeout + SlowFetchTime + Margin;

    /// <summary>The arguments that make a worker process of the same soak.</summary>
    public IEnumerable<string> WorkerArguments() =>
    [
        "--worker", "--redis", Redis!, "--prefix", Prefix!,
        "--lifetime", Seconds(Lifetime), "--refresh-timeout", Seconds(RefreshTimeout),
        "--fail-rate", FailRate.ToString(CultureInfo.InvariantCulture), "--slow-rate", SlowRate.ToString(CultureInfo.InvariantCulture),
        "--slow-time", Seconds(SlowFetchTime), "--fetch-time", Seconds(FetchTime),
        "--poll-interval", Seconds(PollInterval), "--drain", Seconds(Drain),
    ];

    /// <summary>Reads the arguments; throws <see cref="ArgumentException"/> naming a bad one.</summary>
    public static SoakSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new SoakSettings();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            settings = name switch
            {
                "--duration" => settings with { Duration = Time(name, Value()) },
                "--keys" => settings with { Keys = Count(name, Value(), 1, 1_000_000) },
                "--readers" => settings with { Readers = Count(name, Value(), 1, 1_024) },
                "--lifetime" => settings with { Lifetime = Time(name, Value()) },
                "--refresh-timeout" => settings with { RefreshTimeout = Time(name, Value()) },
                "--fail-rate" => settings with { FailRate = Rate(name, Value()) },
                "--slow-rate" => settings with { SlowRate = Rate(name, Value()) },
                "--slow-time" => settings with { SlowTime = Time(name, Value()) },
                "--fetch-time" => settings with { FetchTime = Time(name, Value()) },
                "--think-time" => settings with { ThinkTime = Time(name, Value()) },
                "--margin" => settings with { Margin = Time(name, Value()) },
                "--drain" => settings with { Drain = Time(name, Value()) },
                "--redis" => settings with { Redis = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? Value() : "127.0.0.1:6379" },
                "--workers" => settings with { Workers = Count(name, Value(), 1, 64) },
                "--prefix" => settings with { Prefix = Value() },
                "--poll-interval" => settings with { PollInterval = Time(name, Value()) },
                "--worker" => settings with { Worker = true },
                "--late-is-soft" => settings with { LateIsSoft = true },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }

        if (settings.FailRate + settings.SlowRate > 1)
            throw new ArgumentException($"--fail-rate ({settings.FailRate}) plus --slow-rate ({settings.SlowRate}) is over 1.");
        if (settings.Worker && settings.Redis is null)
            throw new ArgumentException("--worker needs --redis.");
        return settings;
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static TimeSpan Time(string name, string value)
    {
        var time = value.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) ? span
            : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds < 86_400 ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} '{value}' is not a duration (seconds, or a TimeSpan such as 00:00:01.5).");
        return time >= TimeSpan.Zero ? time : throw new ArgumentException($"{name} '{value}' is negative.");
    }

    private static int Count(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= min && count <= max ? count
        : throw new ArgumentException($"{name} '{value}' is not a whole number between {min} and {max}.");

    private static double Rate(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1 ? rate
        : throw new ArgumentException($"{name} '{value}' is not a fraction between 0 and 1.");
}
