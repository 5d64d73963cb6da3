using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Clearing.Messaging.Kafka;

/// <summary>Rejects bad Kafka configuration at start, naming the key.</summary>
public sealed partial class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        var failures = new List<string>();
        const string p = KafkaOptions.SectionName + ":";

        if (options.BootstrapServers is not null && !IsHostPortList(options.BootstrapServers))
        {
            failures.Add($"{p}BootstrapServers '{options.BootstrapServers}' is not a comma-separated host:port list.");
        }

        if (options.EmbeddedBootstrapFile is not null && string.IsNullOrWhiteSpace(options.EmbeddedBootstrapFile))
        {
            failures.Add($"{p}EmbeddedBootstrapFile is set but empty.");
        }

        if (options.EmbeddedPartitions is < 1 or > 1000)
        {
            failures.Add($"{p}EmbeddedPartitions must be between 1 and 1000 (was {options.EmbeddedPartitions}).");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceName) || !ServiceNamePattern().IsMatch(options.ServiceName))
        {
            failures.Add($"{p}ServiceName '{options.ServiceName}' must be lower-case letters, digits and dashes, starting with a letter.");
        }

        if (options.InstanceOrdinal < 0)
        {
            failures.Add($"{p}InstanceOrdinal must not be negative (was {options.InstanceOrdinal}).");
        }

        if (options.ClientId is not null && string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add($"{p}ClientId is set but empty.");
        }

        if (options.ConsumerGroup is not null && string.IsNullOrWhiteSpace(options.ConsumerGroup))
        {
            failures.Add($"{p}ConsumerGroup is set but empty.");
        }

        if (options.LingerMs is < 0 or > 1000)
        {
            failures.Add($"{p}LingerMs must be between 0 and 1000 (was {options.LingerMs}).");
        }

        if (options.FetchWaitMaxMs is < 1 or > 10_000)
        {
            failures.Add($"{p}FetchWaitMaxMs must be between 1 and 10000 (was {options.FetchWaitMaxMs}).");
        }

        if (options.BackgroundFetchWaitMs is < 1 or > 10_000)
        {
            failures.Add($"{p}BackgroundFetchWaitMs must be between 1 and 10000 (was {options.BackgroundFetchWaitMs}).");
        }

        if (options.MessageTimeoutMs < 1000)
        {
            failures.Add($"{p}MessageTimeoutMs must be at least 1000 (was {options.MessageTimeoutMs}).");
        }

        if (options.TransactionTimeoutMs < 1000)
        {
            failures.Add($"{p}TransactionTimeoutMs must be at least 1000 (was {options.TransactionTimeoutMs}).");
        }

        if (options.GroupProtocol is not null && options.GroupProtocol is not ("classic" or "consumer"))
        {
            failures.Add($"{p}GroupProtocol '{options.GroupProtocol}' must be 'classic' or 'consumer'.");
        }

        if (options.HealthCheckTimeout <= TimeSpan.Zero || options.HealthCheckTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{p}HealthCheckTimeout must be positive and at most one minute (was {options.HealthCheckTimeout}).");
        }

        if (options.CommitInterval < TimeSpan.Zero)
        {
            failures.Add($"{p}CommitInterval must not be negative (was {options.CommitInterval}).");
        }

        if (options.CommitBatchSize < 1)
        {
            failures.Add($"{p}CommitBatchSize must be at least 1 (was {options.CommitBatchSize}).");
        }

        if (options.Retry is null)
        {
            failures.Add($"{p}Retry must not be null.");
        }
        else
        {
            if (options.Retry.MaxRetries is < 0 or > 100)
            {
                failures.Add($"{p}Retry:MaxRetries must be between 0 and 100 (was {options.Retry.MaxRetries}).");
            }

            if (options.Retry.BaseDelay < TimeSpan.Zero)
            {
                failures.Add($"{p}Retry:BaseDelay must not be negative (was {options.Retry.BaseDelay}).");
            }

            if (options.Retry.MaxDelay < options.Retry.BaseDelay)
            {
                failures.Add($"{p}Retry:MaxDelay must not be below Retry:BaseDelay (was {options.Retry.MaxDelay}).");
            }
        }

        foreach (var (key, _) in options.Properties ?? [])
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                failures.Add($"{p}Properties has an empty property name.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHostPortList(string value)
    {
        var entries = value.Split(',', StringSplitOptions.TrimEntries);
        return entries.Length > 0 && entries.All(entry =>
        {
            var colon = entry.LastIndexOf(':');
            return colon > 0
                && int.TryParse(entry.AsSpan(colon + 1), out var port)
                && port is > 0 and <= 65535;
        });
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex ServiceNamePattern();
}
