namespace Cacheback;

/// <summary>What became of one refresh request.</summary>
/// <param name="Request">The request.</param>
/// <param name="Result">How it ended.</param>
/// <param name="Duration">How long it ran (zero when it was not run).</param>
/// <param name="Error">The exception, when it failed or timed out.</param>
public sealed record RefreshOutcome(RefreshRequest Request, RefreshResult Result, TimeSpan Duration, Exception? Error = null);
