using Microsoft.Extensions.Logging;

namespace Cacheback.Hybrid;

/// <summary>Every log line Cacheback.Hybrid writes, source-generated (category <c>Cacheback.Hybrid</c>).</summary>
internal static partial class HybridLog
{
    [LoggerMessage(301, LogLevel.Warning, "HybridCache key rejected ({Reason}): the factory runs without the cache")]
    public static partial void KeyRejected(ILogger logger, string reason);

    [LoggerMessage(302, LogLevel.Warning, "HybridCache '{Key}': the value's payload is {Size} bytes, over MaximumPayloadBytes ({Maximum}); returned but not stored")]
    public static partial void PayloadTooLarge(ILogger logger, string key, long size, long maximum);

    [LoggerMessage(303, LogLevel.Warning, "HybridCache '{Key}': the store failed to {Operation}; carrying on without it")]
    public static partial void StoreFailed(ILogger logger, string key, string operation, Exception error);

    [LoggerMessage(304, LogLevel.Warning, "HybridCache '{Key}': the background refresh failed; the stale value is served until the next read after its lease tries again")]
    public static partial void RefreshFailed(ILogger logger, string key, Exception error);

    [LoggerMessage(305, LogLevel.Warning, "HybridCache '{Key}': stored bytes are unreadable ({Error}: {Detail}); treated as a miss")]
    public static partial void Unreadable(ILogger logger, string key, DecodeError error, string detail);

    [LoggerMessage(306, LogLevel.Debug, "HybridCache '{Key}': a refresh landed after another write and was dropped")]
    public static partial void RefreshSuperseded(ILogger logger, string key);

    [LoggerMessage(307, LogLevel.Warning, "HybridCache '{Key}': the refresh queue would not take the refresh for factory '{Factory}'; refreshing here with the call's factory")]
    public static partial void QueueFailed(ILogger logger, string key, string factory, Exception error);

    [LoggerMessage(308, LogLevel.Warning, "HybridCache '{Key}': the runtime's local refresh lane is full ({Capacity} refreshes waiting) or its worker has stopped; the refresh is dropped, and the next read after its lease claims again")]
    public static partial void RefreshDropped(ILogger logger, string key, int capacity);
}
