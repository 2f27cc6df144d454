namespace Cacheback.Tests.Execution;

/// <summary>Stored bytes this job cannot read (another deploy, another type) are a miss, never an error.</summary>
public class UnreadablePayloadTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(
        lifetime: TimeSpan.FromSeconds(10), refreshTimeout: TimeSpan.FromSeconds(30), cacheTtl: TimeSpan.FromHours(1));

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static byte[] EnvelopeOfAnotherType() =>
        EnvelopeCodec.Encode(Envelope.Fresh(42, "not an int", T0, T0.AddMinutes(10)), JsonPayloadSerializer<string>.Default);

    [Fact]
    public async Task UnreadablePayload_IsReplacedByTheFirstFetch()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes));
        await bytes.SetAsync("numbers:k", EnvelopeOfAnotherType(), TimeSpan.FromDays(30)); // written by a deploy with another T
        var calls = 0;
        var cached = Cache.Wrap<string, int>((_, _) => Task.FromResult(++calls), Policy, runtime: h.Runtime, name: "numbers");

        for (var i = 0; i < 5; i++)
            Assert.Equal(1, await cached.GetAsync("k"));

        Assert.Equal(1, calls);
        Assert.Equal(1, h.Count(CacheEventKind.Unreadable));
    }

    [Fact]
    public async Task UnreadablePayload_WithoutFetchOnMiss_IsFilledInTheBackground()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes));
        await bytes.SetAsync("numbers:k", EnvelopeOfAnotherType(), TimeSpan.FromDays(30));
        var cached = Cache.Wrap<string, int>((_, _) => Task.FromResult(7), Policy.With(fetchOnMiss: false), runtime: h.Runtime, name: "numbers", empty: -1);
        var filled = h.NextOutcome();

        Assert.Equal(-1, await cached.GetAsync("k"));

        Assert.Equal(RefreshResult.Succeeded, (await filled).Result);
        Assert.Equal(7, await cached.GetAsync("k"));
    }
}
