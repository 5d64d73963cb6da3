using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Clearing.Messaging.Kafka;

/// <summary>Routes librdkafka's own log lines into the host's logging.</summary>
internal static class KafkaClientLog
{
    public static void Write(ILogger logger, LogMessage log)
    {
        var level = log.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
            SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {Facility} ({Client}): {Message}", log.Facility, log.Name, log.Message);
    }
}
