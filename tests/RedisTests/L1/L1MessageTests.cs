namespace Cacheback.Tests.Redis.L1;

public class L1MessageTests
{
    [Theory]
    [InlineData("users", "42")]
    [InlineData("a|b", "|c|")]
    [InlineData("", "")]
    [InlineData("jöb", "κey:1")]
    public void TryParse_WhatEncodeWrote_GivesTheMessageBack(string job, string key)
    {
        var message = new L1Message("node1", job, key);

        Assert.Equal(message, L1Message.TryParse(message.Encode()));
    }

    [Fact]
    public void Encode_StartsWithTheVersion() =>
        Assert.Equal("1|n|5|users42", new L1Message("n", "users", "42").Encode());

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2|n|5|users42")]
    [InlineData("1|n")]
    [InlineData("1|n|x|users")]
    [InlineData("1|n|-1|users")]
    [InlineData("1|n|99|users")]
    [InlineData("{\"not\":\"a message\"}")]
    public void TryParse_Gibberish_IsNull(string? text) => Assert.Null(L1Message.TryParse(text));
}
