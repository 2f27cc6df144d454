using System.Globalization;
using System.Text;
using static System.Net.WebUtility;

namespace Cacheback.Web.Views;

/// <summary>The seed's <c>index.html</c>: the items, with what the cache did for them.</summary>
internal static class IndexPage
{
    private static readonly (string Href, string Label)[] Views =
    [
        ("/", "vanilla"), ("/?name=Item_1", "keyed"), ("/?name=Item_1&qs", "query filter"), ("/?name=Item_1&get", "query get"),
        ("/?function", "function"), ("/?function&q=3", "function with q"), ("/?decorator", "decorated"),
    ];

    public static string Render(ViewRead read)
    {
        var html = new StringBuilder(4096);
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Cacheback sandbox</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}nav a{margin-right:1em}")
            .Append(".hit{color:#070}.stale{color:#b60}.miss{color:#b00}dt{font-weight:bold}</style></head><body>")
            .Append("<nav>");
        foreach (var (href, label) in Views)
            html.Append(CultureInfo.InvariantCulture, $"<a href=\"{HtmlEncode(href)}\">{label}</a>");
        html.Append("<a href=\"/cacheback\">live page</a></nav>")
            .Append(CultureInfo.InvariantCulture, $"<h1>Job <code id=\"job\">{HtmlEncode(read.Job)}</code></h1>")
            .Append(CultureInfo.InvariantCulture, $"<p>{HtmlEncode(read.Explanation)}</p><dl>")
            .Append(CultureInfo.InvariantCulture, $"<dt>This read</dt><dd id=\"status\" class=\"{read.Status}\">{read.Status}</dd>")
            .Append(CultureInfo.InvariantCulture, $"<dt>Stored value fetched at</dt><dd id=\"fetched-at\">{Time(read.FetchedAt)}</dd>")
            .Append(CultureInfo.InvariantCulture, $"<dt>Fresh until</dt><dd id=\"fresh-until\">{Time(read.FreshUntil)}</dd>")
            .Append(CultureInfo.InvariantCulture, $"<dt>Fetches of this job in this process</dt><dd id=\"fetches\">{read.Fetches}</dd></dl>")
            .Append(CultureInfo.InvariantCulture, $"<h2>Items (<span id=\"count\">{read.Items.Length}</span>)</h2><ul id=\"items\">");
        foreach (var item in read.Items)
            html.Append(CultureInfo.InvariantCulture, $"<li>{HtmlEncode(item.Name)}</li>");
        return html.Append("</ul></body></html>").ToString();
    }

    private static string Time(DateTimeOffset? at) => at?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "nothing stored yet";
}
