#pragma warning disable CS0618 // ISystemClock is obsolete, and still how MemoryCache takes a clock.
using Microsoft.Extensions.Internal;

namespace Cacheback.Hybrid.Tests;

/// <summary>A <see cref="FakeTimeProvider"/> as the <see cref="ISystemClock"/> MemoryCache reads.</summary>
internal sealed class FakeSystemClock(FakeTimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
