using System.Reflection;

namespace Cacheback;

/// <summary>The Lua scripts, embedded in the assembly from Scripts/*.lua: one atomic step each.</summary>
internal static class LuaScripts
{
    public static readonly string SetIfVersion = Load("SetIfVersion");

    private static string Load(string name)
    {
        var resource = $"Cacheback.Redis.Scripts.{name}.lua";
        using var stream = typeof(LuaScripts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded script {resource} is missing from {typeof(LuaScripts).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
