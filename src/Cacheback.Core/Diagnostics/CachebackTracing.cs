using System.Diagnostics;

namespace Cacheback;

/// <summary>
/// Cacheback's spans, on the <see cref="ActivitySource"/> named "Cacheback". Each one is null (and
/// costs a check) when nobody listens; a read that hits makes none.
/// </summary>
/// <remarks>
/// Spans: <c>cacheback.fetch</c> (a synchronous fetch on a miss or a too-stale read),
/// <c>cacheback.claim</c> (the compare-and-set that claims a stale item's refresh),
/// <c>cacheback.queue.take</c> (the worker took a request; the refresh is its child) and
/// <c>cacheback.refresh</c> (a background refresh). Tags: <c>cacheback.job</c>, <c>cacheback.key</c>,
/// <c>cacheback.outcome</c>, and on failure the error status with the exception.
/// </remarks>
internal static class CachebackTracing
{
    public const string Fetch = "cacheback.fetch";
    public const string Claim = "cacheback.claim";
    public const string Take = "cacheback.queue.take";
    public const string Refresh = "cacheback.refresh";
    public const string KeyTag = "cacheback.key";
    public const string OutcomeTag = "cacheback.outcome";
    public const string StatusTag = "cacheback.status";
    public const string AttemptTag = "cacheback.attempt";

    /// <summary>On a refresh span: the refresh ran in the process that asked for it (the local lane), not one taken from a queue.</summary>
    public const string HereTag = "cacheback.refresh.here";

    public static readonly ActivitySource Source = new(CachebackDiagnostics.ActivitySourceName);

    /// <summary>Starts a span about one key of one job, under <paramref name="parent"/> (default: the current span); null when nobody listens.</summary>
    public static Activity? Start(string name, string job, string key, ActivityKind kind = ActivityKind.Internal, ActivityContext parent = default)
    {
        var activity = Source.StartActivity(name, kind, parent);
        if (activity is { IsAllDataRequested: true })
            activity.SetTag(CachebackMetrics.JobTagName, job).SetTag(KeyTag, key);
        return activity;
    }

    /// <summary>Starts a span about a refresh request taken from a queue; null when nobody listens.</summary>
    public static Activity? Start(string name, RefreshRequest request, ActivityKind kind, ActivityContext parent = default)
    {
        var activity = Start(name, request.Job, request.Key, kind, parent);
        activity?.SetTag(AttemptTag, request.Attempt);
        return activity;
    }

    /// <summary>Records how it ended.</summary>
    public static void Ended(this Activity? activity, string outcome) => activity?.SetTag(OutcomeTag, outcome);

    /// <summary>Records how a refresh ended; an error status for a failure or a timeout.</summary>
    public static void Ended(this Activity? activity, RefreshResult result, Exception? error = null)
    {
        if (activity is null)
            return;
        activity.SetTag(OutcomeTag, Outcome(result));
        if (result is RefreshResult.Failed or RefreshResult.TimedOut)
            activity.Failed(error, Outcome(result));
    }

    /// <summary>Records a failure: the outcome, the error status and the exception.</summary>
    public static void Failed(this Activity? activity, Exception? error, string outcome = "failed")
    {
        if (activity is null)
            return;
        activity.SetTag(OutcomeTag, outcome);
        activity.SetStatus(ActivityStatusCode.Error, error?.Message ?? outcome);
        if (error is not null)
            activity.AddException(error);
    }

    /// <summary>The outcome tag of a refresh result: snake case, as OpenTelemetry's attribute values are.</summary>
    public static string Outcome(RefreshResult result) => result switch
    {
        RefreshResult.Succeeded => "succeeded",
        RefreshResult.Superseded => "superseded",
        RefreshResult.Failed => "failed",
        RefreshResult.TimedOut => "timed_out",
        RefreshResult.Duplicate => "duplicate",
        RefreshResult.UnknownJob => "unknown_job",
        RefreshResult.SupersededBeforeFetch => "superseded_before_fetch",
        _ => result.ToString(),
    };

    /// <summary>Runs a refresh in its span (the child of <paramref name="parent"/>), ended with its result or failed with what it threw.</summary>
    internal static async Task<RefreshResult> RefreshTraced(
        RefreshRequest request,
        ActivityContext parent,
        bool here,
        Func<RefreshRequest, CancellationToken, Task<RefreshResult>> run,
        CancellationToken cancellationToken)
    {
        using var activity = Start(Refresh, request, ActivityKind.Internal, parent);
        if (here)
            activity?.SetTag(HereTag, true);
        try
        {
            var result = await run(request, cancellationToken).ConfigureAwait(false);
            activity.Ended(result);
            return result;
        }
        catch (Exception e)
        {
            // Cancelled: the pipeline gave up on it (timeout) or the worker stopped.
            activity.Failed(e, cancellationToken.IsCancellationRequested ? "cancelled" : "failed");
            throw;
        }
    }
}
