using System.Text.Json;

namespace Cacheback.Web.Tests;

/// <summary>Reads server-sent events (<c>event:</c> and <c>data:</c> lines, a blank line after each) from a response.</summary>
internal sealed class SseReader : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    public static async Task<SseReader> OpenAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseReader(response, await response.Content.ReadAsStreamAsync());
    }

    public async Task<(string Event, JsonElement Data)> NextAsync()
    {
        string? name = null, data = null;
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0 && data is not null)
                return (name ?? "message", JsonDocument.Parse(data).RootElement);
            if (line.StartsWith("event: ", StringComparison.Ordinal))
                name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
                data = line["data: ".Length..];
        }

        throw new EndOfStreamException("The event stream ended.");
    }

    public void Dispose()
    {
        _reader.Dispose();
        _response.Dispose();
    }
}
