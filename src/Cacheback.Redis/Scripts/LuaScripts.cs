using System.Reflection;

namespace Cacheback;

/// <summary>The Lua scripts, embedded in the assembly from Scripts/*.lua: one atomic step each.</summary>
internal static class LuaScripts
{
    public static readonly string SetIfVersion = Load("SetIfVersion");

    public static readonly string SetAndPublish = Load("SetAndPublish");

    public static readonly string DeleteAndPublish = Load("DeleteAndPublish");

    public static readonly string Enqueue = Queue("Enqueue");

    public static readonly string Take = Queue("Take");

    public static readonly string Renew = Queue("Renew");

    public static readonly string Release = Queue("Release");

    public static readonly string Complete = Queue("Complete");

    public static readonly string RequeueDead = Queue("RequeueDead");

    public static readonly string PurgeDead = Queue("PurgeDead");

    // The queue's scripts share their helpers: EVAL has no includes, so they are prepended.
    private static string Queue(string name) => Load("QueueCommon") + "\n" + Load(name);

    private static string Load(string name)
    {
        var resource = $"Cacheback.Redis.Scripts.{name}.lua";
        using var stream = typeof(LuaScripts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded script {resource} is missing from {typeof(LuaScripts).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
