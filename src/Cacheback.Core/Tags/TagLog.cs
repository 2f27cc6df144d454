using Microsoft.Extensions.Logging;

namespace Cacheback;

/// <summary>The tag books' log messages.</summary>
internal static partial class TagLog
{
    [LoggerMessage(EventId = 60, Level = LogLevel.Warning, Message = "The counter of tag '{Tag}' is unreadable ({Error}: {Detail}); it reads as never invalidated until the next bump")]
    public static partial void Unreadable(ILogger logger, string tag, DecodeError error, string detail);
}
