namespace Cacheback.Tests.Execution;

/// <summary>
/// Issue 10, defect 11: a synchronous fetch that outlasts the refresh timeout reaches its callers
/// as a <see cref="TimeoutException"/> naming the job, the key and the timeout; only a caller who
/// cancelled sees a cancellation, with their own token.
/// </summary>
public class FetchTimeoutTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    /// <summary>A fetch that ignores its token and never answers, and the signal that it started.</summary>
    private static (Func<string, CancellationToken, Task<string>> Fetch, TaskCompletionSource Started) Deaf()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<string>();
        return ((_, _) =>
        {
            started.TrySetResult();
            return never.Task;
        }, started);
    }

    [Fact]
    public async Task Get_FetchOutlastsTheRefreshTimeout_ThrowsTimeoutNamingJobKeyAndTimeout()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "late");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "slow-users");

        var read = cached.GetAsync("k").AsTask();
        var joined = cached.GetAsync("k").AsTask();
        await fetch.Started.Task.WaitAsync(Bound);
        h.Time.Advance(Policy.RefreshTimeout);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => read.Within(Bound));
        Assert.Contains("'slow-users'", e.Message);
        Assert.Contains("'k'", e.Message);
        Assert.Contains(Policy.RefreshTimeout.ToString(), e.Message);
        await Assert.ThrowsAsync<TimeoutException>(() => joined.Within(Bound));
        Assert.True(fetch.LastToken.IsCancellationRequested);
    }

    [Fact]
    public async Task Get_FetchIgnoringItsTokenOutlastsTheTimeout_ThrowsTheSameTimeout()
    {
        using var h = new Harness();
        var (fetch, started) = Deaf();
        var cached = Cache.Wrap<string, string>(fetch, Policy, runtime: h.Runtime, name: "deaf-users");

        var read = cached.GetAsync("k").AsTask();
        await started.Task.WaitAsync(Bound);
        h.Time.Advance(Policy.RefreshTimeout);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => read.Within(Bound));
        Assert.Contains("'deaf-users'", e.Message);
        Assert.Contains("'k'", e.Message);
    }

    [Fact]
    public async Task Get_CallerCancels_GetsTheirCancellation_WhileTheSharedFetchGoesOn()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "value");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "shared-users");
        using var cancel = new CancellationTokenSource();

        var mine = cached.GetAsync("k", cancel.Token).AsTask();
        var other = cached.GetAsync("k").AsTask();
        await fetch.Started.Task.WaitAsync(Bound);
        await cancel.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mine.WaitAsync(Bound));
        Assert.IsNotType<TimeoutException>(e.InnerException);
        Assert.Equal(cancel.Token, e.CancellationToken);
        Assert.False(fetch.LastToken.IsCancellationRequested);
        fetch.Open();
        Assert.Equal("value", await other.WaitAsync(Bound));
        Assert.Equal(1, fetch.Calls);
    }

    [Fact]
    public async Task Refresh_FetchIgnoringItsTokenOutlastsTheTimeout_ThrowsTimeout_AndStoresNothing()
    {
        // The explicit refresh is bounded like every other fetch: it used to wait for as long as
        // a fetch that never returns, with only the caller's token to end it.
        using var h = new Harness();
        var (fetch, started) = Deaf();
        var cached = Cache.Wrap<string, string>(fetch, Policy, runtime: h.Runtime, name: "deaf-refresh");

        var refresh = cached.RefreshAsync("k");
        await started.Task.WaitAsync(Bound);
        h.Time.Advance(Policy.RefreshTimeout);

        var e = await Assert.ThrowsAsync<TimeoutException>(() => refresh.Within(Bound));
        Assert.Contains("'deaf-refresh'", e.Message);
        Assert.Null(await cached.RawGetAsync("k"));
    }

    [Fact]
    public async Task Refresh_CallerCancels_GetsTheirCancellation()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "value");
        var cached = Cache.Wrap<string, string>(fetch.Fetch, Policy, runtime: h.Runtime, name: "cancelled-refresh");
        using var caller = new CancellationTokenSource();

        var refresh = cached.RefreshAsync("k", caller.Token);
        await fetch.Started.Task.WaitAsync(Bound);
        await caller.CancelAsync();

        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => refresh.WaitAsync(Bound));
        Assert.Equal(caller.Token, e.CancellationToken);
    }

    [Fact]
    public async Task Get_FetchSpendsTheTimeoutBeforeItReturns_TimesOutWithoutMoreTime()
    {
        using var h = new Harness();
        var never = new TaskCompletionSource<string>();
        CancellationToken seen = default;
        var cached = Cache.Wrap<string, string>((_, token) =>
        {
            // The timeout counts from the fetch's start: its synchronous part spends all of it.
            seen = token;
            h.Time.Advance(Policy.RefreshTimeout);
            return never.Task;
        }, Policy, runtime: h.Runtime, name: "blocking-users");

        var e = await Assert.ThrowsAsync<TimeoutException>(() => cached.GetAsync("k").AsTask().WaitAsync(Bound));
        Assert.Contains("'blocking-users'", e.Message);
        Assert.True(seen.IsCancellationRequested);
    }

    [Fact]
    public async Task Get_FetchReturnsHalfwayThroughTheTimeout_TimesOutWhenTheRestHasPassed()
    {
        using var h = new Harness();
        var fetch = new GatedFetch<string>(_ => "late");
        var half = TimeSpan.FromTicks(Policy.RefreshTimeout.Ticks / 2);
        var cached = Cache.Wrap<string, string>((args, token) =>
        {
            h.Time.Advance(half);
            return fetch.Fetch(args, token);
        }, Policy, runtime: h.Runtime, name: "halfway-users");

        var read = cached.GetAsync("k").AsTask();
        await fetch.Started.Task.WaitAsync(Bound);
        h.Time.Advance(Policy.RefreshTimeout - half - TimeSpan.FromMilliseconds(1));
        Assert.False(read.IsCompleted);
        h.Time.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<TimeoutException>(() => read.WaitAsync(Bound));
    }
}
