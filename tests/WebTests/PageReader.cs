using System.Text.RegularExpressions;

namespace Cacheback.Web.Tests;

/// <summary>What a view's page says, read back from its HTML (the ids the page gives each field).</summary>
internal sealed partial record PageReader(string Status, string Job, int Count, long Fetches, string[] Items, string Html)
{
    public static async Task<PageReader> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        var status = Field(html, "status");
        Assert.Equal(status, response.Headers.GetValues("X-Cache-Status").Single());
        return new PageReader(
            status,
            Field(html, "job"),
            int.Parse(Field(html, "count"), System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(Field(html, "fetches"), System.Globalization.CultureInfo.InvariantCulture),
            [.. ItemPattern().Matches(html).Select(m => m.Groups[1].Value)],
            html);
    }

    private static string Field(string html, string id)
    {
        var match = Regex.Match(html, $"id=\"{id}\"[^>]*>([^<]*)<");
        Assert.True(match.Success, $"The page has no element with id '{id}':\n{html}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("<li>([^<]*)</li>")]
    private static partial Regex ItemPattern();
}
