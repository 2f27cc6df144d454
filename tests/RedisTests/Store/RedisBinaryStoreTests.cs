using System.Text;
using StackExchange.Redis;

namespace Cacheback.Tests.Redis.Store;

[Collection(RedisCollection.Name)]
public class RedisBinaryStoreTests(RedisServerFixture redis)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(1);

    private static byte[] EnvelopeBytes(long version, string? value = "v") =>
        EnvelopeCodec.Encode(
            value is null ? Envelope.Placeholder<string>(version, T0, T0.AddSeconds(30)) : Envelope.Fresh(version, value, T0, T0.AddSeconds(10)),
            JsonPayloadSerializer<string>.Default);

    private RedisBinaryStore Store(string prefix) => new(redis.Connection, prefix);

    [Fact]
    public async Task SetIfVersion_AbsentKey_CountsAsVersionZero()
    {
        var store = Store(RedisServerFixture.Prefix());

        Assert.False(await store.SetIfVersionAsync("k", 5, EnvelopeBytes(1), Ttl));
        Assert.Null(await store.GetAsync("k"));
        Assert.True(await store.SetIfVersionAsync("k", 0, EnvelopeBytes(1), Ttl));
        Assert.Equal(EnvelopeBytes(1), await store.GetAsync("k"));
    }

    [Fact]
    public async Task SetIfVersion_WrongVersion_LeavesTheStoredBytes()
    {
        var store = Store(RedisServerFixture.Prefix());
        await store.SetAsync("k", EnvelopeBytes(7), Ttl);

        Assert.False(await store.SetIfVersionAsync("k", 0, EnvelopeBytes(8), Ttl));
        Assert.False(await store.SetIfVersionAsync("k", 6, EnvelopeBytes(8), Ttl));

        Assert.Equal(EnvelopeBytes(7), await store.GetAsync("k"));
    }

    [Fact]
    public async Task SetIfVersion_RightVersion_Stores()
    {
        var store = Store(RedisServerFixture.Prefix());
        await store.SetAsync("k", EnvelopeBytes(7), Ttl);

        Assert.True(await store.SetIfVersionAsync("k", 7, EnvelopeBytes(8, "next"), Ttl));

        Assert.Equal(EnvelopeBytes(8, "next"), await store.GetAsync("k"));
    }

    [Fact]
    public async Task SetIfVersion_PlaceholderWithoutPayload_ReadsItsVersion()
    {
        // cmsgpack drops the trailing nil payload from the table: the element count comes from the header.
        var store = Store(RedisServerFixture.Prefix());
        await store.SetAsync("k", EnvelopeBytes(9, value: null), Ttl);

        Assert.False(await store.SetIfVersionAsync("k", 0, EnvelopeBytes(10), Ttl));
        Assert.True(await store.SetIfVersionAsync("k", 9, EnvelopeBytes(10), Ttl));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(127L)]
    [InlineData(128L)]
    [InlineData(65_536L)]
    [InlineData(4_294_967_296L)]
    [InlineData(9_007_199_254_740_991L)] // 2^53 - 1, the largest version: exact as a Lua double
    public async Task SetIfVersion_EveryIntegerWidth_ComparesExactly(long version)
    {
        var store = Store(RedisServerFixture.Prefix() + version + ":");
        await store.SetAsync("k", EnvelopeBytes(version), Ttl);

        Assert.False(await store.SetIfVersionAsync("k", version - 1, EnvelopeBytes(2), Ttl));
        Assert.True(await store.SetIfVersionAsync("k", version, EnvelopeBytes(2), Ttl));
    }

    public static TheoryData<string, byte[]> ArrayHeaders => new()
    {
        { "array 16", [0xdc, 0x00, 0x06] },
        { "array 32", [0xdd, 0x00, 0x00, 0x00, 0x06] },
    };

    [Theory]
    [MemberData(nameof(ArrayHeaders))]
    public async Task SetIfVersion_LongerArrayHeaders_ReadTheVersionAsTheCodecDoes(string form, byte[] header)
    {
        var bytes = header.Concat(EnvelopeBytes(42).Skip(1)).ToArray();
        Assert.True(EnvelopeCodec.TryReadVersion(bytes, out var codecVersion), form);
        var store = Store(RedisServerFixture.Prefix() + form.Replace(' ', '-') + ":");
        await store.SetAsync("k", bytes, Ttl);

        Assert.False(await store.SetIfVersionAsync("k", 0, EnvelopeBytes(2), Ttl));
        Assert.True(await store.SetIfVersionAsync("k", codecVersion, EnvelopeBytes(2), Ttl));
    }

    [Fact]
    public async Task SetIfVersion_ATaggedEnvelope_ReadsItsVersionAsTheCodecDoes()
    {
        // Format 2 (a tagged job's entry): eight elements, the tag sums after the payload.
        var tagged = EnvelopeCodec.Encode(Envelope.FromMs(42, true, "v", 1_767_225_600_000, 1_767_225_600_000, 0, new TagStamp(5, 2)), new JsonPayloadSerializer<string>());
        Assert.Equal([0x98, 0x02], tagged[..2]);
        var store = Store(RedisServerFixture.Prefix());
        await store.SetAsync("k", tagged, Ttl);

        Assert.False(await store.SetIfVersionAsync("k", 0, EnvelopeBytes(2), Ttl));
        Assert.True(await store.SetIfVersionAsync("k", 42, EnvelopeBytes(2), Ttl));
    }

    public static TheoryData<string, byte[]> Unreadable => new()
    {
        { "text", Encoding.UTF8.GetBytes("{\"not\":\"an envelope\"}") },
        { "one byte", [0x01] },
        { "never-used tag", [0xc1, 0x96] },
        { "empty array", [0x90] },
        { "five elements", [0x95, 0x01, 0x07, 0x01, 0x01, 0x00] },
        { "format version 2 with six elements", [0x96, 0x02, 0x07, 0x01, 0x01, 0x00, 0xc0] },
        { "format version 1 with eight elements", [0x98, 0x01, 0x07, 0x01, 0x01, 0x00, 0xc0, 0x00, 0x00] },
        { "format version 3", [0x98, 0x03, 0x07, 0x01, 0x01, 0x00, 0xc0, 0x00, 0x00] },
        { "version 0", [0x96, 0x01, 0x00, 0x01, 0x01, 0x00, 0xc0] },
        { "negative version", [0x96, 0x01, 0xff, 0x01, 0x01, 0x00, 0xc0] },
        { "version 2^53", [0x96, 0x01, 0xcf, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0xc0] },
        { "version as a string", [0x96, 0x01, 0xa1, (byte)'7', 0x01, 0x01, 0x00, 0xc0] },
        { "negative int64 version", [0x96, 0x01, 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf9, 0x01, 0x01, 0x00, 0xc0] },
        { "truncated version", [0x96, 0x01, 0xcd, 0x01] },
        { "truncated array 16 header", [0xdc, 0x00] },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public async Task SetIfVersion_UnreadableBytes_CountAsVersionZero(string what, byte[] bytes)
    {
        var store = Store(RedisServerFixture.Prefix() + what.Replace(' ', '-') + ":");
        await store.SetAsync("k", bytes, Ttl);

        Assert.False(await store.SetIfVersionAsync("k", 7, EnvelopeBytes(1), Ttl), what);
        Assert.True(await store.SetIfVersionAsync("k", 0, EnvelopeBytes(1), Ttl), what);
        Assert.Equal(EnvelopeBytes(1), await store.GetAsync("k"));
    }

    public static TheoryData<string, byte[]> Samples()
    {
        var all = new TheoryData<string, byte[]>
        {
            { "value", EnvelopeBytes(7) },
            { "placeholder", EnvelopeBytes(7, value: null) },
            { "version as int 64", [0x96, 0x01, 0xd3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0x00, 0xc0] },
            { "format as uint 8", [0x96, 0xcc, 0x01, 0x07, 0x01, 0x01, 0x00, 0xc0] },
            // The codec reads the version without the payload; so does the script.
            { "truncated payload", [0x96, 0x01, 0x07, 0x01, 0x01, 0x00, 0xc4, 0x10, 0x01] },
            { "trailing bytes", [.. EnvelopeBytes(7), 0xc1] },
        };
        foreach (var row in Unreadable)
            all.Add((string)row[0], (byte[])row[1]);
        return all;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task SetIfVersion_ReadsTheVersionAsTheCodecDoes(string what, byte[] bytes)
    {
        var expected = EnvelopeCodec.TryReadVersion(bytes, out var version) ? version : 0;
        var store = Store(RedisServerFixture.Prefix() + what.Replace(' ', '-') + ":");
        await store.SetAsync("k", bytes, Ttl);

        Assert.False(await store.SetIfVersionAsync("k", expected + 1, EnvelopeBytes(1), Ttl), what);
        Assert.True(await store.SetIfVersionAsync("k", expected, EnvelopeBytes(1), Ttl), what);
    }

    [Fact]
    public async Task SetIfVersion_KeyOfAnotherRedisType_CountsAsVersionZero()
    {
        var prefix = RedisServerFixture.Prefix();
        await redis.Connection.GetDatabase().ListLeftPushAsync(prefix + "k", "not a string");
        var store = Store(prefix);

        Assert.True(await store.SetIfVersionAsync("k", 0, EnvelopeBytes(1), Ttl));
        Assert.Equal(EnvelopeBytes(1), await store.GetAsync("k"));
    }

    [Fact]
    public async Task Set_PassesTheTtlToRedisInMilliseconds()
    {
        var prefix = RedisServerFixture.Prefix();
        var store = Store(prefix);
        var db = redis.Connection.GetDatabase();

        await store.SetAsync("set", EnvelopeBytes(1), TimeSpan.FromMilliseconds(90_500));
        await store.SetIfVersionAsync("cas", 0, EnvelopeBytes(1), TimeSpan.FromMilliseconds(45_250));

        var setTtl = (long)await db.ExecuteAsync("PTTL", (RedisKey)(prefix + "set"));
        var casTtl = (long)await db.ExecuteAsync("PTTL", (RedisKey)(prefix + "cas"));
        Assert.InRange(setTtl, 85_000, 90_500);
        Assert.InRange(casTtl, 40_000, 45_250);
    }

    [Fact]
    public async Task Set_NonPositiveTtl_IsAClearError()
    {
        var store = Store(RedisServerFixture.Prefix());

        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync("k", [1], TimeSpan.Zero).AsTask());

        Assert.Equal("ttl", e.ParamName);
    }

    [Fact]
    public async Task Delete_SaysWhetherSomethingWasThere()
    {
        var store = Store(RedisServerFixture.Prefix());
        await store.SetAsync("k", EnvelopeBytes(1), Ttl);

        Assert.True(await store.DeleteAsync("k"));
        Assert.False(await store.DeleteAsync("k"));
        Assert.Null(await store.GetAsync("k"));
    }

    [Fact]
    public async Task Keys_AreUnderThePrefix()
    {
        var prefix = RedisServerFixture.Prefix();
        await Store(prefix).SetAsync("k", [1, 2, 3], Ttl);

        Assert.Equal([1, 2, 3], (byte[]?)await redis.Connection.GetDatabase().StringGetAsync(prefix + "k"));
    }
}
