namespace Cacheback;

/// <summary>A refresh queue could not take a request: it is full, or cannot be reached.</summary>
public sealed class RefreshQueueUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RefreshQueueUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
