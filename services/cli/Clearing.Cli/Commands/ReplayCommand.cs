using System.CommandLine;
using System.Globalization;
using Clearing.Cli.Commands.Replay;
using Clearing.Cli.Stack;

namespace Clearing.Cli.Commands;

/// <summary>`clearing replay`: rebuild read models and diff them with the live ones, time travel, republish a range.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var store = new StoreArguments();
        var service = new Option<string?>("--service") { Description = "Service whose store to replay: " + string.Join(", ", ServiceCatalog.All.Select(s => s.Name)) + " (or give it as the first argument)." };
        var serviceArgument = new Argument<string?>("service") { Description = "Service whose store to replay (same as --service).", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "Data directory of `clearing up`: the store defaults to <data>/<service>/events.db, live read models are read there, the broker from <data>/kafka.bootstrap.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".clearing", "data")),
        };
        var stream = new Option<string?>("--stream") { Description = "Time travel: show this aggregate (e.g. account-acct-1) as of --at-version or --at-time (default: now). With --republish: only this stream." };
        var atVersion = new Option<long?>("--at-version") { Description = "Stream version to stop at (inclusive)." };
        var atTime = new Option<string?>("--at-time") { Description = "Time to stop at (inclusive), ISO 8601, e.g. 2026-11-25T17:30:00Z." };
        var republish = new Option<bool>("--republish") { Description = "Re-publish a range of $all (or --stream) to Kafka." };
        var topic = new Option<string?>("--topic") { Description = "Republish to this topic (default: the topic the service's translator routes to; required with --raw)." };
        var from = new Option<long>("--from") { Description = "First global position ($all).", DefaultValueFactory = _ => 1 };
        var to = new Option<long?>("--to") { Description = "Last global position ($all), inclusive (default: the head)." };
        var raw = new Option<bool>("--raw") { Description = "Republish stored events as they are (JSON, stored type) instead of the public contract." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be published, publish nothing." };
        var bootstrap = new Option<string?>("--bootstrap", "-b") { Description = "Kafka bootstrap servers; default: <data>/kafka.bootstrap." };
        var output = new Option<DirectoryInfo?>("--output") { Description = "Write the rebuilt read models into this fresh directory (one JSON-lines file per projection)." };
        var outStore = new Option<FileInfo?>("--out") { Description = "Write the rebuilt read models into this fresh SQLite file (table rows: projection, key, value) and diff what was written against the live ones; prints the throughput including the write." };
        var force = new Option<bool>("--force") { Description = "Replace the --out file when it exists." };
        var json = new Option<bool>("--json") { Description = "Compact one-line JSON output." };
        from.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() < 1)
            {
                r.AddError("--from must be a global position >= 1.");
            }
        });

        var command = new Command("replay", """
            Rebuilds a service's read models from its event store and diffs them against the live ones (exit 4 when they
            differ); shows an aggregate as of a version or a time; re-publishes a range of events to Kafka.
            Examples:
              clearing replay --service margin                                  # rebuild + diff (store under .clearing/data)
              clearing replay margin --data /tmp/run/data --out /tmp/margin-rebuilt.db   # rebuild into a fresh store + diff
              clearing replay margin --sqlite events.db --out rebuilt.db --force          # replace an earlier rebuild
              clearing replay --service margin --stream account-acct-1 --at-time 2026-11-25T17:30:00Z
              clearing replay liquidation --stream insurance-fund --at-version 5         # every service folds its streams
              clearing replay matching --stream book-BTC-PERP --at-time 2026-11-25T17:30:00Z
              clearing replay --service matching --republish --from 1000 --to 2000 --dry-run
              clearing replay --service margin --postgres "Host=…" --schema margin
            """)
        {
            service, data, stream, atVersion, atTime, republish, topic, from, to, raw, dryRun, bootstrap, output, outStore, force, json,
        };
        command.Arguments.Add(serviceArgument);
        store.AddTo(command, required: false);
        command.Validators.Add(r =>
        {
            if (r.GetValue(atVersion) is not null && r.GetValue(atTime) is not null)
            {
                r.AddError("Give at most one of --at-version and --at-time.");
            }
            if (r.GetValue(atTime) is { } text && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            {
                r.AddError($"--at-time '{text}' is not a time; use ISO 8601, e.g. 2026-11-25T17:30:00Z.");
            }
            if ((r.GetValue(atVersion) is not null || r.GetValue(atTime) is not null) && r.GetValue(stream) is null)
            {
                r.AddError("--at-version/--at-time need --stream (the aggregate to show).");
            }
            if (r.GetValue(raw) && r.GetValue(topic) is null)
            {
                r.AddError("--raw needs --topic: stored events have no public topic of their own.");
            }
            var named = (r.GetValue(service), r.GetValue(serviceArgument));
            if (named is (null, null))
            {
                r.AddError($"Name the service to replay: clearing replay <service> or --service <service>; known: {string.Join(", ", ServiceCatalog.All.Select(s => s.Name))}.");
            }
            else if (named is ({ } option, { } argument) && option != argument)
            {
                r.AddError($"The service is given twice and differently ('{argument}' and --service '{option}'): give it once.");
            }
            else if ((named.Item1 ?? named.Item2) is { } name && ServiceCatalog.All.All(s => s.Name != name))
            {
                r.AddError($"'{name}' is not a service; known: {string.Join(", ", ServiceCatalog.All.Select(s => s.Name))}.");
            }
            if (r.GetValue(outStore) is not null && (r.GetValue(republish) || r.GetValue(stream) is not null))
            {
                r.AddError("--out writes a rebuild's read models: it does not go with --republish or --stream (time travel).");
            }
            if (r.GetValue(force) && r.GetValue(outStore) is null)
            {
                r.AddError("--force replaces an existing --out file: give --out <file.db> too.");
            }
            if (r.GetValue(outStore) is { } file && file.Exists && !r.GetValue(force))
            {
                r.AddError($"--out {file.FullName} exists; pass --force to replace it, or name a new file.");
            }
            if (r.GetValue(outStore) is { Directory: { Exists: false } missing })
            {
                r.AddError($"--out: the directory {missing.FullName} does not exist; create it first.");
            }
        });
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var name = (result.GetValue(service) ?? result.GetValue(serviceArgument))!;
            var dataDirectory = result.GetValue(data)!;
            var serviceData = new DirectoryInfo(Path.Combine(dataDirectory.FullName, name));
            if (result.GetValue(store.Sqlite) is null && result.GetValue(store.Postgres) is null && !serviceData.Exists)
            {
                await Console.Error.WriteLineAsync(dataDirectory.Exists
                    ? $"clearing replay: {dataDirectory.FullName} holds no {name} data ({serviceData.FullName} does not exist); has {name} run with this --data?"
                    : $"clearing replay: the data directory {dataDirectory.FullName} does not exist; pass the --data of `clearing up`, or --sqlite <events.db>.");
                return 2;
            }
            var opened = await store.OpenAsync(result, cancellationToken, new FileInfo(Path.Combine(serviceData.FullName, "events.db")));
            if (opened is null)
            {
                return 2;
            }

            var mode = result.GetValue(republish) ? ReplayMode.Republish : result.GetValue(stream) is not null ? ReplayMode.TimeTravel : ReplayMode.Rebuild;
            var servers = result.GetValue(bootstrap);
            var embedded = false;
            if (mode == ReplayMode.Republish && !result.GetValue(dryRun) && string.IsNullOrWhiteSpace(servers))
            {
                var file = Path.Combine(dataDirectory.FullName, BrokerCommand.BootstrapFileName);
                if (!File.Exists(file))
                {
                    await Console.Error.WriteLineAsync($"clearing replay: no broker address: {file} does not exist; pass --bootstrap or --dry-run.");
                    return 2;
                }
                servers = (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
                embedded = true;
            }

            var options = new ReplayOptions
            {
                Service = name,
                Mode = mode,
                Stream = result.GetValue(stream),
                AtVersion = result.GetValue(atVersion),
                AtTime = result.GetValue(atTime) is { } t ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null,
                FromPosition = result.GetValue(from),
                ToPosition = result.GetValue(to),
                Topic = result.GetValue(topic),
                BootstrapServers = servers,
                EmbeddedBroker = embedded,
                Raw = result.GetValue(raw),
                DryRun = result.GetValue(dryRun),
                Output = result.GetValue(output),
                OutputStore = result.GetValue(outStore),
                Force = result.GetValue(force),
                ServiceDataDirectory = result.GetValue(store.Postgres) is null ? serviceData : null,
                Json = result.GetValue(json),
            };
            await using (opened as IAsyncDisposable)
            {
                return await ReplayRunner.RunAsync(opened, ReplayModules.For(name), options, Console.Out, Console.Error,
                    interactive: !Console.IsErrorRedirected, cancellationToken);
            }
        });
        return command;
    }
}
