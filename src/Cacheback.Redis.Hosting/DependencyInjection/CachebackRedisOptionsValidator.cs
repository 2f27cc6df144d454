using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Cacheback;

/// <summary>
/// Checks <see cref="CachebackRedisOptions"/> when the host starts (<c>ValidateOnStart</c>) or when
/// they are first read (when the runtime is built, before connecting), and names every bad option,
/// by its configuration key, in one <see cref="OptionsValidationException"/>: keys of the
/// <c>"Cacheback:Redis"</c> section that are no setting, and values that are missing or out of range.
/// </summary>
internal sealed class CachebackRedisOptionsValidator(IServiceProvider provider) : IValidateOptions<CachebackRedisOptions>
{
    private const string Section = CachebackRedisOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, CachebackRedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Errors(options, provider.GetService<IConfiguration>()?.GetSection(Section)).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static IEnumerable<string> Errors(CachebackRedisOptions options, IConfigurationSection? section)
    {
        if (section is not null)
        {
            foreach (var problem in ConfigurationCheck.Problems(section, typeof(CachebackRedisOptions)))
                yield return problem;
        }

        if (section is { Value: not null } && section[nameof(CachebackRedisOptions.Configuration)] is not null)
            yield return $"{Section} and {Section}:Configuration are both set: give the connection string once ({Section}'s own value is short for {Section}:Configuration).";
        if (string.IsNullOrWhiteSpace(options.Configuration))
            yield return $"{Section}:Configuration, the StackExchange.Redis connection string (e.g. \"redis:6379,password=...\"), is required (was {Shown(options.Configuration)}); {Section} itself may hold it.";
        else if (ParseError(options.Configuration) is { } error)
            // Not the value: a connection string may hold a password.
            yield return $"{Section}:Configuration is not a StackExchange.Redis connection string: {error}";
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
            yield return $"{Section}:KeyPrefix, the application's namespace in Redis (e.g. \"cacheback:shop:\"), is required (was {Shown(options.KeyPrefix)}).";
        if (string.IsNullOrWhiteSpace(options.StoreName))
            yield return $"{Section}:StoreName must not be empty or white space (was {Shown(options.StoreName)}).";
        foreach (var (queue, redisName) in options.Queues)
        {
            if (string.IsNullOrWhiteSpace(queue))
                yield return $"{Section}:Queues holds a runtime queue name that is empty or white space (was {Shown(queue)}).";
            else if (string.IsNullOrWhiteSpace(redisName))
                yield return $"{Section}:Queues:{queue} must name a queue in Redis (was {Shown(redisName)}).";
        }

        if (options.ClockSyncInterval < StoreClockLimits.MinInterval || options.ClockSyncInterval > StoreClockLimits.MaxInterval)
            yield return $"{Section}:ClockSyncInterval must be between {StoreClockLimits.MinInterval} and {StoreClockLimits.MaxInterval} (was {options.ClockSyncInterval}).";
        if (options.QueueOptions is null)
            yield return $"{Section}:QueueOptions must not be null.";
        else if (Failure(options.QueueOptions.Validate) is { } queueError)
            yield return $"{Section}:QueueOptions: {queueError}";
        if (options.UseL1 && options.L1Options is null)
            yield return $"{Section}:L1Options must not be null when {Section}:UseL1 is set.";
        else if (options.UseL1 && Failure(options.L1Options.Validate) is { } l1Error)
            yield return $"{Section}:L1Options: {l1Error}";
    }

    private static string Shown(string? value) => value is null ? "missing" : $"'{value}'";

    private static string? ParseError(string connectionString)
    {
        try
        {
            ConfigurationOptions.Parse(connectionString);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message.ReplaceLineEndings(" ");
        }
    }

    private static string? Failure(Action validate)
    {
        try
        {
            validate();
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message.ReplaceLineEndings(" ");
        }
    }
}
