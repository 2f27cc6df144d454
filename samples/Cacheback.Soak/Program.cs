using Cacheback;
using Cacheback.Soak;

// A bounded soak of Cacheback: readers hammer a key space whose fetches fail and stall at given
// rates, embedded (one process) or on Redis with worker processes of its own; prints a table and
// exits 1 when a hard target is missed (an error reached a caller, a wrong value was served, or a
// value older than the bound was served with no failed fetch to excuse it).
//
//   dotnet Cacheback.Soak.dll [--duration 300] [--keys 2000] [--readers 16] [--lifetime 10] ...
//   dotnet Cacheback.Soak.dll --redis 127.0.0.1:6379 --workers 2 ...
SoakSettings settings;
try
{
    settings = SoakSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(SoakSettings.Usage);
    return 2;
}

return settings.Worker ? await SoakWorker.RunAsync(settings) : await SoakRun.RunAsync(settings);
