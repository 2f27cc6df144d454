using FsCheck;
using Microsoft.FSharp.Core;

namespace Cacheback.Tests.Properties;

/// <summary>Runs FsCheck properties from xunit facts: 1,000 cases, a fixed seed, the seed in the failure.</summary>
public static class Checks
{
    public const ulong Seed = 20261121;
    public const ulong Gamma = 1442695040888963407;

    public static void Run(Property property, int maxTest = 1000)
    {
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(maxTest)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(Seed, Gamma), FSharpOption<int>.None)));
        try
        {
            Check.One(config, property);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"Property failed with seed ({Seed},{Gamma}); rerun replays it.{Environment.NewLine}{e.Message}");
        }
    }
}
