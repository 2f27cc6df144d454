namespace Cacheback.Soak;

/// <summary>
/// What the soak's fetch returns: its key (a read checks it got its own), when the fetch started
/// (served ages count from then) and when it returned (a value's lifetime counts from its write,
/// just after: a read judges staleness from here), in Unix milliseconds.
/// </summary>
public sealed record SoakValue(string Key, long FetchedAtMs, long ReadyAtMs);
