using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Cacheback.Web.Tests;

/// <summary>
/// The live page in a real browser: Debian's chromium, driven by its chromedriver (eng/test.sh
/// installs both when missing), against the app on a free loopback port and the real clock. One
/// browser session for the whole test; every wait is on a condition of the page, bounded.
/// </summary>
public sealed class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task LivePage_ChartAndEventsFollowTheReads()
    {
        Assert.True(File.Exists(Chromium) && File.Exists(ChromeDriver),
            $"The browser test needs Debian's chromium and chromium-driver ({Chromium}, {ChromeDriver}): apt-get install chromium chromium-driver (eng/test.sh does, as root).");
        await using var app = SandboxFactory.OnKestrel();
        var address = app.ServerAddress;
        using var client = new HttpClient { BaseAddress = address };
        using var browser = StartBrowser();
        var wait = new WebDriverWait(browser, Bound) { PollingInterval = TimeSpan.FromMilliseconds(100) };

        browser.Navigate().GoToUrl(new Uri(address, "/cacheback"));
        wait.Until(d => d.FindElement(By.Id("state")).Text == "live");
        wait.Until(d => Ticks(d) >= 1); // the stream runs before any read
        Assert.Equal(0, Total(browser));
        var emptyLine = browser.FindElement(By.Id("line-misses")).GetAttribute("points");

        // A miss and two hits of the decorated function, and a miss of a keyed item.
        for (var i = 0; i < 3; i++)
            (await client.GetAsync(new Uri("/?decorator", UriKind.Relative))).EnsureSuccessStatusCode();
        (await client.GetAsync(new Uri("/?name=Item_7", UriKind.Relative))).EnsureSuccessStatusCode();

        wait.Until(d => Total(d) >= 4);
        wait.Until(d => Rows(d).Any(r => r.Contains("decorated", StringComparison.Ordinal) && r.Contains("Hit", StringComparison.Ordinal)));
        wait.Until(d => Rows(d).Any(r => r.Contains("Item_7", StringComparison.Ordinal) && r.Contains("Miss", StringComparison.Ordinal)));
        Assert.NotEqual(emptyLine, browser.FindElement(By.Id("line-misses")).GetAttribute("points"));
        Assert.Equal("0", browser.FindElement(By.Id("queue-depth")).Text);

        // More reads move the chart on again.
        var before = Total(browser);
        for (var i = 0; i < 5; i++)
            (await client.GetAsync(new Uri("/?name=Item_7", UriKind.Relative))).EnsureSuccessStatusCode();
        wait.Until(d => Total(d) >= before + 5);
    }

    private static ChromeDriver StartBrowser()
    {
        // The driver named outright, so Selenium Manager never looks for (or downloads) one.
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        // Headless; --no-sandbox because CI runs as root; no proxy, so nothing leaves loopback.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-proxy-server",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");
        return new ChromeDriver(service, options, Bound);
    }

    private static long Ticks(IWebDriver driver) => long.Parse(driver.FindElement(By.Id("chart")).GetAttribute("data-ticks") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    private static long Total(IWebDriver driver) => long.Parse(driver.FindElement(By.Id("chart")).GetAttribute("data-total") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    private static string[] Rows(IWebDriver driver) => [.. driver.FindElements(By.CssSelector("#events tr")).Select(r => r.Text)];
}
