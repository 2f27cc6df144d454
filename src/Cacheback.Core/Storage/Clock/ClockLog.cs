using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>The log lines of the store clock's measurements (category <c>Cacheback.Clock</c>).</summary>
internal static partial class ClockLog
{
    [LoggerMessage(50, LogLevel.Debug, "The store's clock is {OffsetMs} ms from this runtime's (round trip {RoundTripMs} ms)")]
    public static partial void Measured(ILogger logger, long offsetMs, long roundTripMs);

    [LoggerMessage(51, LogLevel.Information, "The store's clock moved against this runtime's: {PreviousMs} ms before, {OffsetMs} ms now; freshness follows the store")]
    public static partial void Moved(ILogger logger, long previousMs, long offsetMs);

    [LoggerMessage(52, LogLevel.Warning, "The store's clock could not be read; freshness stays judged with the last offset ({OffsetMs} ms) until the next measurement")]
    public static partial void Failed(ILogger logger, long offsetMs, Exception error);
}
