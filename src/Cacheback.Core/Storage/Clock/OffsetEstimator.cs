using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>
/// How far a store's clock is from ours, from a few readings (Cristian's algorithm): the store read
/// its clock somewhere within the round trip, so the midpoint of the round trip is our best guess
/// of when, and the shortest round trip bounds the error most tightly (at most half of it).
/// </summary>
internal static class OffsetEstimator
{
    /// <summary>Store time minus local time, in ms, from the sample with the shortest round trip; null when no sample is usable (none, or every one ran backwards).</summary>
    [Pure]
    public static long? Estimate(IReadOnlyList<ClockSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ClockSample? best = null;
        foreach (var sample in samples)
        {
            // A local clock that stepped back during the call says nothing about the midpoint.
            if (sample.RoundTripMs < 0)
                continue;
            if (best is not { } current || sample.RoundTripMs < current.RoundTripMs)
                best = sample;
        }

        return best is { } chosen ? chosen.StoreMs - (chosen.SentMs + (chosen.RoundTripMs / 2)) : null;
    }
}
