using System.Globalization;

namespace Cacheback;

/// <summary>
/// Bounds of a <see cref="MemoryBinaryStore"/>: how many entries and how many bytes of values it
/// holds, and how the sweep of entries past their TTL paces itself. Checked when the store is built.
/// </summary>
public sealed class MemoryBinaryStoreOptions
{
    /// <summary>The largest <see cref="MaxBytes"/> accepted: 1 TiB.</summary>
    public const long MaxBytesLimit = 1L << 40;

    /// <summary>The smallest <see cref="MaxBytes"/> accepted: 1 KiB.</summary>
    public const long MinMaxBytes = 1L << 10;

    /// <summary>How many entries the store holds; a write past it evicts (CLOCK, as <see cref="MemoryStore"/>).</summary>
    /// <value>Default 100,000; from 1 to <see cref="MemoryStoreOptions.MaxEntriesLimit"/>.</value>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>
    /// How many bytes of values the store holds (the stored arrays' lengths; keys and bookkeeping
    /// not counted). A write past it evicts; a value larger than the whole bound is not stored
    /// (and the key's old value is removed, as the write superseded it).
    /// </summary>
    /// <value>Default 256 MiB; from <see cref="MinMaxBytes"/> to <see cref="MaxBytesLimit"/>.</value>
    public long MaxBytes { get; set; } = 256L << 20;

    /// <summary>How often entries past their TTL are swept out, whether or not anything is read or written.</summary>
    /// <value>Default one second; bounds as <see cref="MemoryStoreOptions.SweepInterval"/>.</value>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many entries one sweep looks at, at most.</summary>
    /// <value>Default 50,000; bounds as <see cref="MemoryStoreOptions.SweepBatchSize"/>.</value>
    public int SweepBatchSize { get; set; } = 50_000;

    internal IEnumerable<string> Problems(string prefix)
    {
        foreach (var problem in MemoryStoreOptions.Bounds.Problems(prefix, MaxEntries, SweepInterval, SweepBatchSize))
            yield return problem;
        if (MaxBytes is < MinMaxBytes or > MaxBytesLimit)
            yield return string.Create(CultureInfo.InvariantCulture, $"{prefix}{nameof(MaxBytes)} must be from {MinMaxBytes:N0} to {MaxBytesLimit:N0} (was {MaxBytes:N0}).");
    }

    /// <exception cref="ArgumentException">An option is out of its bounds; the message names each one.</exception>
    internal void Validate() => MemoryStoreOptions.Bounds.Throw(Problems(nameof(MemoryBinaryStoreOptions) + "."));
}
