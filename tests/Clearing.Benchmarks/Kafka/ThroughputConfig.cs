using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Clearing.Benchmarks.Kafka;

/// <summary>Adds a messages-per-second column (1e9 / mean ns per message).</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig() => AddColumn(new MessagesPerSecondColumn());

    private sealed class MessagesPerSecondColumn : IColumn
    {
        public string Id => "msg/s";

        public string ColumnName => "msg/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Messages per second (1e9 / mean ns per message)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is > 0 ? (1e9 / mean.Value).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
