using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Cacheback.Tests.Observability.Logging;

/// <summary>
/// Every log message of every Cacheback package has an event id of its own, so that a filter or an
/// alert on an id (as log pipelines key them) means one message. Each package keeps a range:
/// Core 1–99, Redis 100–199, the C# hosting 200–299, Hybrid 300–399.
/// </summary>
public class EventIdTests
{
    private static readonly string[] Packages =
        ["Cacheback.Core", "Cacheback.CSharp", "Cacheback.Redis", "Cacheback.Redis.Hosting", "Cacheback.Hybrid", "Cacheback.EntityFrameworkCore"];

    private static IEnumerable<(string Message, int Id)> Messages() =>
        from package in Packages
        from type in Assembly.Load(new AssemblyName(package)).GetTypes()
        from method in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select ($"{package}: {type.Name}.{method.Name}", attribute.EventId);

    [Fact]
    public void EveryLogMessage_HasAnEventIdOfItsOwn()
    {
        var messages = Messages().ToArray();
        Assert.True(messages.Length > 40, $"only {messages.Length} log messages found: is a package missing?");
        var shared = messages.GroupBy(m => m.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Message))}").ToArray();
        Assert.True(shared.Length == 0, "event ids used more than once:\n" + string.Join("\n", shared));
    }

    [Theory]
    [InlineData("Cacheback.Core", 1, 99)]
    [InlineData("Cacheback.Redis", 100, 199)]
    [InlineData("Cacheback.CSharp", 200, 299)]
    [InlineData("Cacheback.Hybrid", 300, 399)]
    public void EachPackage_KeepsToItsRange(string package, int first, int last) =>
        Assert.All(Messages().Where(m => m.Message.StartsWith(package + ":", StringComparison.Ordinal)),
            m => Assert.InRange(m.Id, first, last));
}
