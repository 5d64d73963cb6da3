using System.Diagnostics;
using System.Globalization;
using Clearing.Cli.Commands.Replay;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.EventSourcing;

namespace Clearing.Benchmarks.Replay;

/// <summary>
/// The replay paths of <see cref="MarginReplayBenchmarks"/> timed by wall clock and by CPU time of the process, on the
/// same cached 1M-event store. On a machine shared with other builds the wall clock says more about the neighbours than
/// about the code; CPU seconds per event do not (a one-thread path's CPU time is its wall time on an idle core, a
/// two-stage path's idle wall time is at least its CPU time halved).
/// Run: dotnet run -c Release --project tests/Clearing.Benchmarks -- replay-cpu [rounds] [part of a path name] [store file]
/// (the store file: e.g. one written by `replay-store &lt;dir&gt; --with-ledger-main`, whose ledger diff then has a live side).
/// </summary>
internal static class ReplayCpuRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var only = args.Length > 1 ? args[1] : "";
        var file = args.Length > 2 ? Path.GetFullPath(args[2]) : MarginHistory.CachedFile;
        var (store, events) = args.Length > 2 ? await OpenAsync(file) : await MarginHistory.OpenCachedAsync();
        // The same file read the way the store read it before $all scans were memory-mapped: the read path's baseline.
        var copied = new Clearing.EventSourcing.Sqlite.SqliteEventStore(new Clearing.EventSourcing.Sqlite.SqliteEventStoreOptions(file) { ScanMapBytes = 0 });
        await using (copied)
        await using (store)
        {
            var paths = new (string Name, Func<Task<long>> Run)[]
            {
                ("read all (raw, no mmap: old)", () => ReadAsync(copied, _ => 1)),
                ("read all (raw)", () => ReadAsync(store, _ => 1)),
                ("read + serializer decode (old)", () => { var d = new MarginDecoder(readPositionsByHand: false); return ReadAsync(store, r => d.Read(r) is null ? 0 : 1); }),
                ("read + hand decode (new)", () => { var d = new MarginDecoder(); return ReadAsync(store, r => d.Read(r) is null ? 0 : 1); }),
                ("old rebuild (1 thread, serializer)", () => OldRebuildAsync(store)),
                ("new rebuild (2 stages, hand decode)", () => NewRebuildAsync(store, events)),
                // The parts of the fold stage, each alone (the read stage as above): which one the collector pays for.
                ("  part: accounts only (2 stages)", () => { var m = new MarginReplayModule(); return ReplayRunner.FoldAsync(store, m, [m.CreateProjections()[0]], 1, events, new Dictionary<string, long>(StringComparer.Ordinal), _ => { }, CancellationToken.None); }),
                ("  part: ledger only (2 stages)", () => { var m = new MarginReplayModule(); return ReplayRunner.FoldAsync(store, m, [m.CreateProjections()[1]], 1, events, new Dictionary<string, long>(StringComparer.Ordinal), _ => { }, CancellationToken.None); }),
                ("  part: no projection (2 stages)", () => ReplayRunner.FoldAsync(store, new MarginReplayModule(), [], 1, events, new Dictionary<string, long>(StringComparer.Ordinal), _ => { }, CancellationToken.None)),
                ("replay command (fold+diff)", () => CommandAsync(store, output: null)),
                ("replay command --out (fold+write+diff)", () => CommandAsync(store, new FileInfo(Path.Combine(Path.GetTempPath(), $"clearing-replay-cpu-{Guid.NewGuid():N}.db")))),
            };
            Console.WriteLine($"// {events:N0} events; load: {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine($"{"path",-42} {"wall ev/s",12} {"cpu µs/ev",10} {"cpu-bound ev/s",15} {"gc pause ms",12} {"gen0/1/2",14} {"alloc MB",9} {"promoted MB",12} {"gc ms gen0/1/2",16}");
            using var gc = new GcPromotions();
            foreach (var (name, run) in paths.Where(p => p.Name.Contains(only, StringComparison.Ordinal)))
            {
                for (var round = 0; round < rounds; round++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var paused = GC.GetTotalPauseDuration();
                    var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                    var allocated = GC.GetTotalAllocatedBytes(precise: false);
                    var promoted = gc.Promoted;
                    var byDepth = gc.ByDepth;
                    var wall = Stopwatch.StartNew();
                    var count = await run();
                    wall.Stop();
                    var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                    if (count != events)
                    {
                        throw new InvalidOperationException($"{name}: {count} events, the store holds {events}");
                    }
                    var cpuPerEvent = used.TotalMicroseconds / events;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name,-42} {events / wall.Elapsed.TotalSeconds,12:N0} {cpuPerEvent,10:F2} {1e6 / cpuPerEvent,15:N0} {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds,12:N0} {$"{GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}",14} {(GC.GetTotalAllocatedBytes(precise: false) - allocated) / 1e6,9:N0} {(gc.Promoted - promoted) / 1e6,12:N0} {string.Join('/', gc.ByDepth.Select((ms, i) => (ms - byDepth[i]).ToString("F0", CultureInfo.InvariantCulture))),16}"));
                }
            }
            Console.WriteLine($"// load after: {File.ReadAllText("/proc/loadavg").Trim()}");
        }
        return 0;
    }

    private static async Task<long> ReadAsync(IEventStore store, Func<RecordedEvent, long> touch)
    {
        long read = 0;
        await foreach (var recorded in ReadAllAsync(store))
        {
            read += touch(recorded);
        }
        return read;
    }

    private static async Task<long> OldRebuildAsync(IEventStore store)
    {
        var decoder = new MarginDecoder(readPositionsByHand: false);
        IReplayProjection[] projections = [new MarginAccountsProjection(decoder), new MarginLedgerProjection(decoder)];
        long read = 0;
        await foreach (var recorded in ReadAllAsync(store))
        {
            foreach (var projection in projections)
            {
                projection.Apply(recorded);
            }
            read++;
        }
        return read;
    }

    private static Task<long> NewRebuildAsync(IEventStore store, long events)
    {
        var module = new MarginReplayModule();
        return ReplayRunner.FoldAsync(store, module, module.CreateProjections(), 1, events, new Dictionary<string, long>(StringComparer.Ordinal), _ => { }, CancellationToken.None);
    }

    private static async Task<(Clearing.EventSourcing.Sqlite.SqliteEventStore Store, long Events)> OpenAsync(string file)
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{file} does not exist; write one with `replay-store <dir> --with-ledger-main`.", file);
        }
        var store = new Clearing.EventSourcing.Sqlite.SqliteEventStore(new Clearing.EventSourcing.Sqlite.SqliteEventStoreOptions(file));
        return (store, await store.GetHeadPositionAsync());
    }

    private static async Task<long> CommandAsync(IEventStore store, FileInfo? output)
    {
        var report = new StringWriter();
        await ReplayRunner.RunAsync(store, new MarginReplayModule(), new ReplayOptions { Service = "margin", OutputStore = output, Json = true },
            report, TextWriter.Null, interactive: false, CancellationToken.None);
        output?.Delete();
        return System.Text.Json.Nodes.JsonNode.Parse(report.ToString())!["events"]!.GetValue<long>();
    }

    private static async IAsyncEnumerable<RecordedEvent> ReadAllAsync(IEventStore store)
    {
        const int page = 4096;
        var position = 1L;
        while (true)
        {
            var read = 0;
            await foreach (var recorded in store.ReadAllAsync(position, page))
            {
                read++;
                position = recorded.GlobalPosition + 1;
                yield return recorded;
            }
            if (read < page)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Bytes the collector copied or kept (promoted) over all collections, from the runtime's own GC events: the work a
    /// GC pause is made of, and unlike the pause it does not grow when other processes take the cores.
    /// </summary>
    private sealed class GcPromotions : System.Diagnostics.Tracing.EventListener
    {
        private long _promoted;

        private readonly double[] _byDepth = new double[3];
        private int _depth;
        private DateTime _started;

        public long Promoted => Interlocked.Read(ref _promoted);

        /// <summary>Milliseconds spent in collections of each generation so far (GC start to end, as the runtime reports them).</summary>
        public double[] ByDepth
        {
            get
            {
                lock (_byDepth)
                {
                    return (double[])_byDepth.Clone();
                }
            }
        }

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Informational, (System.Diagnostics.Tracing.EventKeywords)1);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
        {
            if (e.EventName is "GCStart_V2" or "GCStart_V1" or "GCStart" && e.PayloadNames is not null)
            {
                _depth = Convert.ToInt32(e.Payload![e.PayloadNames.IndexOf("Depth")], CultureInfo.InvariantCulture);
                _started = e.TimeStamp;
                return;
            }
            if (e.EventName is "GCEnd_V1" or "GCEnd")
            {
                lock (_byDepth)
                {
                    _byDepth[Math.Clamp(_depth, 0, 2)] += (e.TimeStamp - _started).TotalMilliseconds;
                }
                return;
            }
            if (e.EventName is not { } name || !name.StartsWith("GCHeapStats", StringComparison.Ordinal) || e.PayloadNames is null)
            {
                return;
            }
            long promoted = 0;
            for (var i = 0; i < e.PayloadNames.Count; i++)
            {
                if (e.PayloadNames[i].StartsWith("TotalPromotedSize", StringComparison.Ordinal) && e.Payload![i] is { } value)
                {
                    promoted += Convert.ToInt64(value, CultureInfo.InvariantCulture);
                }
            }
            Interlocked.Add(ref _promoted, promoted);
        }
    }
}
