namespace Cacheback;

/// <summary>One reading of a store's clock: the local time (Unix ms) when the request left and when the answer came back, and what the store said in between.</summary>
internal readonly record struct ClockSample(long SentMs, long StoreMs, long ReceivedMs)
{
    /// <summary>How long the round trip took, in local ms.</summary>
    public long RoundTripMs => ReceivedMs - SentMs;
}
