using System.Globalization;

namespace Cacheback;

/// <summary>
/// Bounds of a <see cref="MemoryStore"/>: how many envelopes it holds (across all its jobs), and how
/// the sweep that removes entries past their TTL paces itself. Checked when the store is built.
/// </summary>
/// <remarks>
/// The bound is by entries, not bytes: the store holds values as objects, whose size .NET cannot
/// tell cheaply (an object graph would have to be walked on every write). For a bound in bytes,
/// use a store that holds bytes (<see cref="MemoryBinaryStore"/> behind an <see cref="EncodedStore"/>, or Redis).
/// </remarks>
public sealed class MemoryStoreOptions
{
    /// <summary>The largest <see cref="MaxEntries"/> accepted.</summary>
    public const int MaxEntriesLimit = 1_000_000_000;

    /// <summary>The largest <see cref="SweepBatchSize"/> accepted.</summary>
    public const int SweepBatchSizeLimit = 10_000_000;

    /// <summary>The shortest <see cref="SweepInterval"/> accepted.</summary>
    public static readonly TimeSpan MinSweepInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="SweepInterval"/> accepted.</summary>
    public static readonly TimeSpan MaxSweepInterval = TimeSpan.FromDays(1);

    /// <summary>
    /// How many envelopes the store holds, all jobs together. A write past it evicts entries that
    /// were not read since the eviction hand last passed them (CLOCK: a second chance for every read entry).
    /// </summary>
    /// <value>Default 100,000; from 1 to <see cref="MaxEntriesLimit"/>.</value>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>How often entries past their TTL are swept out (on the store's <see cref="TimeProvider"/>), whether or not anything is written.</summary>
    /// <value>Default one second; from <see cref="MinSweepInterval"/> to <see cref="MaxSweepInterval"/>.</value>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many entries one sweep looks at, at most: the sweep goes on where the last one stopped, so a large store never stalls a tick.</summary>
    /// <value>Default 50,000 (about a millisecond of work); from 1 to <see cref="SweepBatchSizeLimit"/>.</value>
    public int SweepBatchSize { get; set; } = 50_000;

    /// <summary>What is wrong with these options, each problem naming its field (after <paramref name="prefix"/>) and its limits; empty when nothing is.</summary>
    public IEnumerable<string> Problems(string prefix) => Bounds.Problems(prefix, MaxEntries, SweepInterval, SweepBatchSize);

    /// <exception cref="ArgumentException">An option is out of its bounds; the message names each one.</exception>
    internal void Validate() => Bounds.Throw(Problems(nameof(MemoryStoreOptions) + "."));

    internal static class Bounds
    {
        public static IEnumerable<string> Problems(string prefix, int maxEntries, TimeSpan sweepInterval, int sweepBatchSize)
        {
            if (maxEntries is < 1 or > MaxEntriesLimit)
                yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}{nameof(MaxEntries)} must be from 1 to {MaxEntriesLimit:N0} (was {maxEntries:N0}).");
            if (sweepInterval < MinSweepInterval || sweepInterval > MaxSweepInterval)
                yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}{nameof(SweepInterval)} must be from {MinSweepInterval} to {MaxSweepInterval} (was {sweepInterval}).");
            if (sweepBatchSize is < 1 or > SweepBatchSizeLimit)
                yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}{nameof(SweepBatchSize)} must be from 1 to {SweepBatchSizeLimit:N0} (was {sweepBatchSize:N0}).");
        }

        public static void Throw(IEnumerable<string> problems)
        {
            var all = problems.ToList();
            if (all.Count > 0)
                throw new ArgumentException(string.Join(" ", all), "options");
        }
    }
}
