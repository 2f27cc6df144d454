namespace Cacheback.Tests.Execution;

/// <summary>
/// One operation per key: joiners share its outcome, a joiner's token only stops that joiner
/// waiting, and an operation that completes at once hands its value straight back (to its joiners
/// too). Deterministic: a joiner is made to arrive while the operation runs by joining from inside it.
/// </summary>
public class SingleFlightTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Run_CompletesAtOnce_ReturnsTheValueWithoutATask_AndRunsAgainNextTime()
    {
        var flights = new SingleFlight<string>();
        var runs = 0;

        var first = flights.Run("k", 0, _ => { runs++; return new ValueTask<string>("one"); });
        var second = flights.Run("k", 0, _ => { runs++; return new ValueTask<string>("two"); });

        Assert.True(first.IsCompletedSuccessfully);
        Assert.Equal("one", await first);
        Assert.Equal("two", await second);
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task Run_JoinedWhileItRuns_CompletingAtOnce_GivesTheJoinerTheSameValue()
    {
        var flights = new SingleFlight<string>();
        ValueTask<string> joined = default;
        var runs = 0;

        var owner = flights.Run("k", 0, _ =>
        {
            runs++;
            // Arrives while the operation runs: joins it, does not start another.
            joined = flights.Run("k", 0, _ => { runs++; return new ValueTask<string>("other"); });
            Assert.False(joined.IsCompleted);
            return new ValueTask<string>("shared");
        });

        Assert.Equal("shared", await owner);
        Assert.Equal("shared", await joined.AsTask().WaitAsync(Bound));
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task Run_ThrowsAtOnce_WhileJoined_EveryCallerGetsTheException()
    {
        var flights = new SingleFlight<string>();
        ValueTask<string> joined = default;
        var error = new InvalidOperationException("backend down");

        var owner = flights.Run<int>("k", 0, _ =>
        {
            joined = flights.Run("k", 0, _ => new ValueTask<string>("other"));
            throw error;
        });

        Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => owner.AsTask()));
        Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => joined.AsTask().WaitAsync(Bound)));
    }

    [Fact]
    public async Task Run_Pending_JoinerCancels_StopsOnlyThatJoiner_TheOwnerGetsTheValue()
    {
        var flights = new SingleFlight<string>();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();

        var owner = flights.Run("k", 0, _ => new ValueTask<string>(gate.Task)).AsTask();
        var joiner = flights.Run("k", 0, _ => new ValueTask<string>("other"), cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joiner.WaitAsync(Bound));
        Assert.False(owner.IsCompleted);
        gate.SetResult("late");
        Assert.Equal("late", await owner.WaitAsync(Bound));
    }

    [Fact]
    public async Task Run_Pending_FailsLater_OwnerAndJoinerGetTheException_ThenTheKeyRunsAgain()
    {
        var flights = new SingleFlight<string>();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var owner = flights.Run("k", 0, _ => new ValueTask<string>(gate.Task)).AsTask();
        var joiner = flights.Run("k", 0, _ => new ValueTask<string>("other")).AsTask();
        gate.SetException(new TimeoutException("slow"));

        await Assert.ThrowsAsync<TimeoutException>(() => owner.WaitAsync(Bound));
        await Assert.ThrowsAsync<TimeoutException>(() => joiner.WaitAsync(Bound));
        Assert.Equal("again", await flights.Run("k", 0, _ => new ValueTask<string>("again")));
    }

    [Fact]
    public async Task Run_OtherKeys_DoNotShare()
    {
        var flights = new SingleFlight<string>();
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);

        var a = flights.Run("a", 0, _ => new ValueTask<string>(gate.Task)).AsTask();
        var b = flights.Run("b", 0, _ => new ValueTask<string>("b"));

        Assert.Equal("b", await b);
        gate.SetResult("a");
        Assert.Equal("a", await a.WaitAsync(Bound));
    }
}
