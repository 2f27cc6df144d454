namespace Cacheback.Soak;

/// <summary>What the soak's fetch returns: its key (a read checks it got its own) and when the fetch started, in Unix milliseconds.</summary>
public sealed record SoakValue(string Key, long FetchedAtMs);
