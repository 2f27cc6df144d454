using System.Net;
using System.Text.Json;

namespace Cacheback.Web.Tests;

/// <summary>The live page and its event stream over HTTP, on the fake clock: each second's counts and events.</summary>
public sealed class LivePageTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly SandboxFactory _app = SandboxFactory.OnFakeTime();
    private readonly HttpClient _client;

    public LivePageTests() => _client = _app.CreateClient();

    public Task InitializeAsync() => Task.CompletedTask;

    // Awaited, not blocked on: stopping the host must not hold one of xUnit's few test threads.
    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task LivePage_IsSelfContained()
    {
        using var response = await _client.GetAsync("/cacheback");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<svg id=\"chart\"", html, StringComparison.Ordinal);
        Assert.Contains("new EventSource(\"/cacheback/stream\")", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=", html, StringComparison.Ordinal);   // no script, style or image from elsewhere
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_SaysHello_ThenEachSecondsCountsAndEvents()
    {
        using var stream = await SseReader.OpenAsync(_client, "/cacheback/stream");
        var hello = await stream.NextAsync().WaitAsync(Bound);
        Assert.Equal("hello", hello.Event);
        Assert.False(hello.Data.GetProperty("onRedis").GetBoolean());

        await PageReader.GetAsync(_client, "/?decorator");   // a miss (fetched now)
        await PageReader.GetAsync(_client, "/?decorator");   // a hit
        await PageReader.GetAsync(_client, "/?decorator");   // a hit
        _app.Time.Advance(TimeSpan.FromSeconds(1));
        var tick = await stream.NextAsync().WaitAsync(Bound);

        Assert.Equal("tick", tick.Event);
        Assert.Equal((2, 0, 1, 0), (tick.Data.GetProperty("hits").GetInt64(), tick.Data.GetProperty("staleHits").GetInt64(),
            tick.Data.GetProperty("misses").GetInt64(), tick.Data.GetProperty("refreshes").GetInt64()));
        Assert.Equal(0, tick.Data.GetProperty("queueDepth").GetInt64());
        Assert.Equal(JsonValueKind.Null, tick.Data.GetProperty("deadLetters").ValueKind); // embedded: no dead letters to show
        var events = tick.Data.GetProperty("events").EnumerateArray().ToArray();
        Assert.Contains(events, e => e.GetProperty("job").GetString() == "decorated" && e.GetProperty("key").GetString() == "3" && e.GetProperty("status").GetString() == "Hit");
        Assert.Contains(events, e => e.GetProperty("status").GetString() == "Miss");

        _app.Time.Advance(TimeSpan.FromSeconds(6)); // stale: one stale hit, one refresh started
        await PageReader.GetAsync(_client, "/?decorator");
        await _app.Fetches.WhenAsync("decorated", 2).WaitAsync(Bound);
        _app.Time.Advance(TimeSpan.FromSeconds(1));
        var staleTick = await stream.NextAsync().WaitAsync(Bound);
        while (staleTick.Data.GetProperty("staleHits").GetInt64() == 0) // the 6 s advance ticked too; its second had no reads
            staleTick = await stream.NextAsync().WaitAsync(Bound);
        Assert.Equal((1, 1), (staleTick.Data.GetProperty("staleHits").GetInt64(), staleTick.Data.GetProperty("refreshes").GetInt64()));
    }
}
