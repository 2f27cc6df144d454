namespace Cacheback.Tests.Envelopes;

/// <summary>What a byte store holds when a cached function names no serializer, and the JSON option.</summary>
public class DefaultSerializerTests
{
    private static readonly Policy Policy = Cacheback.Policy.Create(lifetime: TimeSpan.FromMinutes(10));

    public sealed record Profile(string Name, int Age, DateTimeOffset Since, IReadOnlyList<string> Roles);

    private static Profile Ada(string name) => new(name, 36, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)), ["admin"]);

    [Fact]
    public async Task Wrap_WithoutASerializer_StoresMessagePackThatReadsBack()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes));
        var cached = Cache.Wrap<string, Profile>((name, _) => Task.FromResult(Ada(name)), Policy, runtime: h.Runtime, name: "profiles");

        var fetched = await cached.GetAsync("ada");
        var again = await cached.GetAsync("ada");

        var stored = (await bytes.GetAsync("profiles:ada"))!;
        var asMessagePack = Assert.IsType<DecodeResult<Profile>.Decoded>(EnvelopeCodec.Decode(stored, MessagePackPayloadSerializer<Profile>.Default));
        Assert.Equal(DecodeError.PayloadUnreadable, Assert.IsType<DecodeResult<Profile>.Failed>(EnvelopeCodec.Decode(stored, JsonPayloadSerializer<Profile>.Default)).Error);
        Assert.Equal(fetched.Name, asMessagePack.Envelope.Value?.Name ?? "");
        Assert.Equal((fetched.Name, fetched.Since), (again.Name, again.Since));
        Assert.Equal(fetched.Roles, again.Roles);
        Assert.Equal(1, h.Count(CacheEventKind.Hit));
    }

    [Fact]
    public async Task Wrap_WithTheJsonSerializer_StoresJson()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes));
        var cached = Cache.Wrap<string, Profile>(
            (name, _) => Task.FromResult(Ada(name)), Policy, runtime: h.Runtime, name: "profiles", serializer: new JsonPayloadSerializer<Profile>());

        await cached.GetAsync("ada");

        var stored = (await bytes.GetAsync("profiles:ada"))!;
        Assert.IsType<DecodeResult<Profile>.Decoded>(EnvelopeCodec.Decode(stored, JsonPayloadSerializer<Profile>.Default));
    }

    [Fact]
    public async Task Wrap_StoredBytesOfAnotherShape_AreAMissReportedUnreadable()
    {
        var bytes = new MemoryBinaryStore();
        using var h = new Harness(store: new EncodedStore(bytes));
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);
        await bytes.SetAsync("profiles:ada", EnvelopeCodec.Encode(Envelope.Fresh<int[]>(1, [1, 2, 3], t0, t0.AddYears(10)), MessagePackPayloadSerializer<int[]>.Default), TimeSpan.FromDays(1));
        var cached = Cache.Wrap<string, Profile>((name, _) => Task.FromResult(Ada(name)), Policy, runtime: h.Runtime, name: "profiles");

        var profile = await cached.GetAsync("ada");

        Assert.Equal("ada", profile.Name);
        Assert.Equal(1, h.Count(CacheEventKind.Unreadable));
    }
}
