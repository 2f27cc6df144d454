using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>The L1 layer's log lines, source-generated. Event ids from 120.</summary>
internal static partial class L1Log
{
    [LoggerMessage(120, LogLevel.Warning, "Redis L1 on '{Channel}': cannot subscribe to invalidations; reads bypass the memory layer")]
    public static partial void SubscribeFailed(ILogger logger, string channel, Exception error);

    [LoggerMessage(121, LogLevel.Warning, "Redis L1 on '{Channel}': cannot publish the invalidation of {Job} '{Key}'; other nodes may serve the old value for up to {TimeToLive}")]
    public static partial void PublishFailed(ILogger logger, string channel, string job, string key, TimeSpan timeToLive, Exception error);

    [LoggerMessage(122, LogLevel.Information, "Redis L1 on '{Channel}': connection {Event} ({ConnectionType} to {Server}); memory layer cleared")]
    public static partial void Cleared(ILogger logger, string channel, string @event, string connectionType, string server);

    [LoggerMessage(123, LogLevel.Debug, "Redis L1 on '{Channel}': ignored a message that is not an invalidation")]
    public static partial void Unrecognized(ILogger logger, string channel);
}
