namespace Cacheback.Soak;

/// <summary>Served ages, to the millisecond, in fixed buckets: memory stays flat however long the soak runs.</summary>
public sealed class AgeHistogram(TimeSpan range)
{
    private readonly long[] _buckets = new long[(int)Math.Min(range.TotalMilliseconds, 3_600_000) + 1];
    private long _count;
    private long _maxMs;

    public long Count => Interlocked.Read(ref _count);

    public TimeSpan Max => TimeSpan.FromMilliseconds(Interlocked.Read(ref _maxMs));

    public void Record(long ageMs)
    {
        ageMs = Math.Max(0, ageMs); // clocks of two processes may differ by a little
        Interlocked.Increment(ref _buckets[Math.Min(ageMs, _buckets.Length - 1)]);
        Interlocked.Increment(ref _count);
        for (var max = Interlocked.Read(ref _maxMs); ageMs > max; max = Interlocked.Read(ref _maxMs))
            if (Interlocked.CompareExchange(ref _maxMs, ageMs, max) == max)
                break;
    }

    /// <summary>The age at or under which <paramref name="fraction"/> of the reads were (the last bucket holds everything beyond the range).</summary>
    public TimeSpan Percentile(double fraction)
    {
        var count = Count;
        if (count == 0)
            return TimeSpan.Zero;
        var rank = (long)Math.Ceiling(fraction * count);
        long seen = 0;
        for (var ms = 0; ms < _buckets.Length; ms++)
            if ((seen += Interlocked.Read(ref _buckets[ms])) >= rank)
                return TimeSpan.FromMilliseconds(ms);
        return Max;
    }
}
