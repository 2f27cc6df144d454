namespace Cacheback;

/// <summary>How a refresh request ended.</summary>
public enum RefreshResult
{
    /// <summary>Fetched and stored.</summary>
    Succeeded,

    /// <summary>Fetched, but a newer write (a set, an invalidation, a delete) had replaced the claimed version: discarded.</summary>
    Superseded,

    /// <summary>The fetch threw. The stale value stays; the next read after the lease triggers again.</summary>
    Failed,

    /// <summary>The fetch outlasted the pipeline's timeout and was cancelled.</summary>
    TimedOut,

    /// <summary>A refresh of the same key was already queued or running: this one was not run.</summary>
    Duplicate,

    /// <summary>No job of that name is registered here: logged and dropped.</summary>
    UnknownJob,

    /// <summary>
    /// Not fetched: before its fetch, the refresh found its claim replaced (by a set, an
    /// invalidation, a delete or a newer claim), so its result could never have been stored.
    /// </summary>
    SupersededBeforeFetch,
}
