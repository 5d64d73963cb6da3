using System.CommandLine;
using System.Globalization;
using Clearing.Contracts.Governance.V1;
using Clearing.Governance.Domain.Contract;
using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Domain.Json;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;
using Grpc.Core;
using NSec.Cryptography;
using DomainKind = Clearing.Governance.Domain.Proposals.ProposalKind;
using GovernanceClient = Clearing.Contracts.Governance.V1.Governance.GovernanceClient;

namespace Clearing.Cli.Commands;

/// <summary>
/// `clearing gov`: governance of risk parameters through the governance service. Every write carries the governor's
/// Ed25519 signature over the proposal's canonical encoding; `approve` recomputes that encoding from what the server
/// returns and refuses to sign if the server's digest differs. Exit 0 done, 1 refused by the service, 2 bad input.
/// </summary>
internal static class GovCommand
{
    /// <summary>`clearing up` starts governance as its 8th service: gRPC on base port + 7.</summary>
    public const string DefaultServer = "http://127.0.0.1:7107";

    public static Command Create()
    {
        var command = new Command("gov", "Governance of risk parameters: signed, time-locked proposals and the parameter registry.");
        command.Subcommands.Add(Keygen());
        command.Subcommands.Add(Propose());
        command.Subcommands.Add(Approve());
        command.Subcommands.Add(Execute());
        command.Subcommands.Add(Cancel());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Params());
        command.Subcommands.Add(History());
        command.Subcommands.Add(Diff());
        command.Subcommands.Add(Genesis());
        return command;
    }

    private static Option<string> Server() => new("--server") { Description = $"Governance service gRPC address (default {DefaultServer}, the `clearing up` address; a host started alone listens on 7108).", DefaultValueFactory = _ => DefaultServer };

    private static Option<FileInfo> KeyOption() => new("--key") { Description = "The governor's key file (from `clearing gov keygen`), or a `clearing up` dev keyring (<data>/dev-keyring.json) with --governor.", Required = true };

    private static Option<string?> GovernorOption() => new("--governor") { Description = "Which governor of a dev keyring signs (default: the first)." };

    private static Command Keygen()
    {
        var id = new Option<string>("--governor") { Description = "Governor id, as listed in the genesis file.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Key file to write (private: mode 600).", Required = true };
        var development = new Option<int?>("--dev") { Description = "Write development governor N's publicly known key (1-3) instead of a fresh one; for the development genesis only." };
        var command = new Command("keygen", "Creates a governor key file and prints its public key for the genesis file.") { id, output, development };
        command.SetAction(result =>
        {
            var dev = result.GetValue(development);
            if (dev is { } n && (n < 1 || n > DevelopmentKeys.GovernorCount))
            {
                Console.Error.WriteLine($"--dev must be 1 to {DevelopmentKeys.GovernorCount}.");
                return 2;
            }

            var key = dev is { } index
                ? DevelopmentKeys.Governor(index)
                : Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
            var file = new GovernorKeyFile(result.GetValue(id)!, key);
            file.Write(result.GetValue(output)!);
            Console.WriteLine($"{file.Governor} publicKey {file.PublicKey}");
            return 0;
        });
        return command;
    }

    private static Command Propose()
    {
        var path = new Argument<FileInfo>("file") { Description = "Proposal file, JSON or YAML (.yaml/.yml): id, kind, description, changes[].parameters, optional effectiveAt and baseVersion." };
        var (server, key, keyringGovernor) = (Server(), KeyOption(), GovernorOption());
        var command = new Command("propose", "Submits a proposal signed by your governor key (your signature is its first approval).") { path, server, key, keyringGovernor };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(keyringGovernor), async (client, governor) =>
        {
            var document = ParseProposal(GovDocuments.ReadAsJson(result.GetValue(path)!));
            var versions = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var change in document.Changes.Where(c => c.BaseVersion is null))
            {
                versions[change.Parameters.SetId] = await CurrentVersionAsync(client, change.Parameters.SetId, ct);
            }

            var draft = document.ToDraft(set => versions[set]);
            var digest = ProposalCanonical.Digest(draft);
            var signature = ProposalCanonical.Sign(governor.Key, ProposalCanonical.Approve, draft.Id, digest);
            Print(await client.ProposeAsync(ProposalContract.ToRequest(draft, governor.Governor, signature), cancellationToken: ct));
        }));
        return command;
    }

    private static Command Approve()
    {
        var id = new Argument<string>("proposal-id");
        var (server, key, keyringGovernor) = (Server(), KeyOption(), GovernorOption());
        var command = new Command("approve", "Shows a proposal's changes, checks its digest locally and approves it with your governor key.") { id, server, key, keyringGovernor };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(keyringGovernor), async (client, governor) =>
        {
            var proposal = await client.GetProposalAsync(new GetProposalRequest { ProposalId = result.GetValue(id) }, cancellationToken: ct);
            var digest = VerifiedDigest(proposal);
            Print(proposal);
            var signature = ProposalCanonical.Sign(governor.Key, ProposalCanonical.Approve, proposal.ProposalId, digest);
            Print(await client.ApproveAsync(new ApproveRequest { ProposalId = proposal.ProposalId, Governor = governor.Governor, Signature = signature }, cancellationToken: ct));
        }));
        return command;
    }

    private static Command Execute()
    {
        var id = new Argument<string>("proposal-id");
        var (server, key, keyringGovernor) = (Server(), KeyOption(), GovernorOption());
        var command = new Command("execute", "Executes a queued proposal whose timelock has passed.") { id, server, key, keyringGovernor };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(keyringGovernor), async (client, _) =>
            Print(await client.ExecuteAsync(new ExecuteRequest { ProposalId = result.GetValue(id) }, cancellationToken: ct))));
        return command;
    }

    private static Command Cancel()
    {
        var id = new Argument<string>("proposal-id");
        var reason = new Option<string>("--reason") { Description = "Why the proposal is cancelled (recorded).", Required = true };
        var (server, key, keyringGovernor) = (Server(), KeyOption(), GovernorOption());
        var command = new Command("cancel", "Cancels a proposal that has not executed, signed with your governor key.") { id, reason, server, key, keyringGovernor };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(keyringGovernor), async (client, governor) =>
        {
            var proposal = await client.GetProposalAsync(new GetProposalRequest { ProposalId = result.GetValue(id) }, cancellationToken: ct);
            var signature = ProposalCanonical.Sign(governor.Key, ProposalCanonical.Cancel, proposal.ProposalId, VerifiedDigest(proposal));
            Print(await client.CancelAsync(new CancelRequest { ProposalId = proposal.ProposalId, Governor = governor.Governor, Signature = signature, Reason = result.GetValue(reason) }, cancellationToken: ct));
        }));
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string>("proposal-id");
        var (server, key, keyringGovernor) = (Server(), KeyOption(), GovernorOption());
        var command = new Command("status", "Shows a proposal: status, approvals, timelock, field changes and their direction.") { id, server, key, keyringGovernor };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(keyringGovernor), async (client, _) =>
            Print(await client.GetProposalAsync(new GetProposalRequest { ProposalId = result.GetValue(id) }, cancellationToken: ct))));
        return command;
    }

    private static Command Params()
    {
        var set = new Argument<string>("set") { Description = "Parameter set: market-BTC-PERP, oracle, fees, insurance, vault." };
        var at = new Option<DateTimeOffset?>("--at") { Description = "The time to ask about (ISO 8601, default now)." };
        var (server, key, keyringGovernor) = (Server(), KeyOption(), GovernorOption());
        var command = new Command("params", "Prints a parameter set as in force at a time (JSON), and the newest version if it takes effect later.") { set, at, server, key, keyringGovernor };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(keyringGovernor), async (client, _) =>
        {
            var reply = await client.GetParametersAsync(new GetParametersRequest { SetId = result.GetValue(set), AtUnixNanos = Nanos(result.GetValue(at)) }, cancellationToken: ct);
            if (reply.InForce is null)
            {
                Console.WriteLine($"nothing of {result.GetValue(set)} was in force at that time");
            }
            else
            {
                PrintVersion(reply.InForce, withValue: true);
            }

            if (reply.InForce is null || reply.Latest.Version != reply.InForce.Version)
            {
                Console.WriteLine("newest version, not yet in force:");
                PrintVersion(reply.Latest, withValue: true);
            }
        }));
        return command;
    }

    private static Command History()
    {
        var set = new Argument<string>("set") { Description = "Parameter set: market-BTC-PERP, oracle, fees, insurance, vault." };
        var (server, key, keyringGovernor) = (Server(), KeyOption(), GovernorOption());
        var command = new Command("history", "Every version of a parameter set: when it took effect, which proposal made it, and what changed.") { set, server, key, keyringGovernor };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(keyringGovernor), async (client, _) =>
        {
            foreach (var version in (await client.HistoryAsync(new HistoryRequest { SetId = result.GetValue(set) }, cancellationToken: ct)).Versions)
            {
                PrintVersion(version, withValue: false);
            }
        }));
        return command;
    }

    private static Command Diff()
    {
        var set = new Argument<string>("set") { Description = "Parameter set: market-BTC-PERP, oracle, fees, insurance, vault." };
        var from = new Option<DateTimeOffset>("--from") { Description = "Earlier time (ISO 8601).", Required = true };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Later time (ISO 8601, default now)." };
        var (server, key, keyringGovernor) = (Server(), KeyOption(), GovernorOption());
        var command = new Command("diff", "What changed in a parameter set between two times, field by field, with each change's direction.") { set, from, to, server, key, keyringGovernor };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(keyringGovernor), async (client, _) =>
        {
            var before = await client.GetParametersAsync(new GetParametersRequest { SetId = result.GetValue(set), AtUnixNanos = Nanos(result.GetValue(from)) }, cancellationToken: ct);
            var after = await client.GetParametersAsync(new GetParametersRequest { SetId = result.GetValue(set), AtUnixNanos = Nanos(result.GetValue(to)) }, cancellationToken: ct);
            if (before.InForce is null || after.InForce is null)
            {
                throw new GovCliException($"{result.GetValue(set)} had no value in force at {(before.InForce is null ? "--from" : "--to")}");
            }

            var changes = ParamsContract.ToDomain(after.InForce.Parameters).ChangesFrom(ParamsContract.ToDomain(before.InForce.Parameters));
            Console.WriteLine($"{result.GetValue(set)}: version {before.InForce.Version} → {after.InForce.Version}, {changes.Count} field(s) changed");
            foreach (var change in changes)
            {
                Console.WriteLine($"  {change.Field}: {change.Old} → {change.New} ({change.Direction.ToString().ToLowerInvariant()})");
            }
        }));
        return command;
    }

    private static Command Genesis()
    {
        var from = new Option<FileInfo>("--from") { Description = "The genesis to start from (e.g. services/governance/Clearing.Governance/Genesis/genesis.development.json).", Required = true };
        var keyring = new Option<FileInfo>("--keyring") { Description = "A `clearing up` dev keyring (<data>/dev-keyring.json): its governors and oracle publishers replace the genesis keys.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Genesis file to write; point Governance:GenesisFile at it.", Required = true };
        var command = new Command("genesis", "Writes a genesis governed by a dev keyring's governors (and its oracle publishers), validated.") { from, keyring, output };
        command.SetAction(result =>
        {
            try
            {
                var text = WithKeyring(File.ReadAllText(result.GetValue(from)!.FullName), File.ReadAllText(result.GetValue(keyring)!.FullName));
                var file = result.GetValue(output)!;
                file.Directory?.Create();
                File.WriteAllText(file.FullName, text);
                Console.WriteLine($"wrote {file.FullName}");
                return 0;
            }
            catch (Exception ex) when (ex is GovCliException or GenesisException or IOException)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }
        });
        return command;
    }

    /// <summary>The genesis <paramref name="genesisJson"/> with the keyring's governors and publishers, validated again.</summary>
    internal static string WithKeyring(string genesisJson, string keyringJson)
    {
        var keyring = System.Text.Json.Nodes.JsonNode.Parse(keyringJson) as System.Text.Json.Nodes.JsonObject
            ?? throw new GovCliException("the keyring is not a JSON object");
        IReadOnlyList<(string Id, string PublicKey)> Section(string name) =>
            (keyring[name] as System.Text.Json.Nodes.JsonObject ?? throw new GovCliException($"the keyring has no \"{name}\" section"))
                .Select(p => (p.Key, p.Value?["publicKey"]?.GetValue<string>() ?? throw new GovCliException($"keyring {name}.{p.Key} has no publicKey")))
                .ToList();
        var genesis = GenesisDocument.Parse(genesisJson).WithKeys(
            Section("governors").Select(g => new Governor(g.Id, g.PublicKey)).ToList(),
            Section("publishers").Select(p => new Clearing.Parameters.OraclePublisher(p.Id, p.PublicKey)).ToList());
        var json = genesis.ToJson();
        GenesisDocument.Parse(json);
        return json;
    }

    internal static ProposalDocument ParseProposal(string json)
    {
        try
        {
            return ProposalDocument.Parse(json);
        }
        catch (FormatException ex)
        {
            throw new GovCliException(ex.Message);
        }
    }

    /// <summary>The digest recomputed from the proposal's content; a server answering with another digest is not trusted.</summary>
    internal static string VerifiedDigest(ProposalReply proposal)
    {
        var digest = ProposalCanonical.Digest(ProposalContract.ToDraft(proposal));
        return digest == proposal.Digest
            ? digest
            : throw new GovCliException($"proposal {proposal.ProposalId}: the server's digest {proposal.Digest} does not match its content ({digest}); not signing");
    }

    private static async Task<long> CurrentVersionAsync(GovernanceClient client, string setId, CancellationToken ct)
    {
        try
        {
            return (await client.GetParametersAsync(new GetParametersRequest { SetId = setId }, cancellationToken: ct)).Latest.Version;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return -1;
        }
    }

    private static async Task<int> Run(string server, FileInfo keyFile, string? keyringGovernor, Func<GovernanceClient, GovernorKeyFile, Task> action)
    {
        try
        {
            if (!Uri.TryCreate(server, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                throw new GovCliException($"--server '{server}' must be an http:// or https:// address such as {DefaultServer}");
            }

            var key = GovernorKeyFile.Read(keyFile, keyringGovernor);
            await action(GovConnection.Open(address, key), key);
            return 0;
        }
        catch (GovCliException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }
        catch (RpcException ex)
        {
            await Console.Error.WriteLineAsync($"{ex.StatusCode}: {ex.Status.Detail}");
            return ex.StatusCode is StatusCode.Unavailable or StatusCode.InvalidArgument ? 2 : 1;
        }
    }

    private static long Nanos(DateTimeOffset? time) => time is { } t ? ProposalCanonical.UnixNanos(t) : 0;

    private static string Time(long nanos) => nanos == 0 ? "-" : ProposalCanonical.FromUnixNanos(nanos).ToString("u", CultureInfo.InvariantCulture);

    private static void Print(ProposalReply p)
    {
        var kind = p.Kind == Contracts.Governance.V1.ProposalKind.Emergency ? DomainKind.Emergency : DomainKind.Standard;
        Console.WriteLine($"proposal {p.ProposalId} ({kind.ToString().ToLowerInvariant()}, {Lower(p.Direction)}): {Lower(p.Status)}");
        if (p.Outcome.Length > 0)
        {
            Console.WriteLine($"  outcome: {p.Outcome}");
        }

        Console.WriteLine($"  by {p.Proposer} at {Time(p.CreatedAtUnixNanos)}: {p.Description}");
        Console.WriteLine($"  approvals {p.Approvals.Count} of {p.RequiredApprovals}: {string.Join(", ", p.Approvals.Select(a => a.Governor))}");
        Console.WriteLine($"  timelock {p.TimelockSeconds} s; executable at {Time(p.ExecutableAtUnixNanos)}; expires {Time(p.ExpiresAtUnixNanos)}; executed {Time(p.ExecutedAtUnixNanos)}; effective {(p.EffectiveAtUnixNanos == 0 ? "on execution" : Time(p.EffectiveAtUnixNanos))}");
        if (p.CancelledBy.Length > 0)
        {
            Console.WriteLine($"  cancelled by {p.CancelledBy}: {p.CancelReason}");
        }

        foreach (var change in p.FieldChanges)
        {
            Console.WriteLine($"  {change.Field}: {change.OldValue} → {change.NewValue} ({Lower(change.Direction)})");
        }

        Console.WriteLine($"  digest {p.Digest}");
    }

    private static void PrintVersion(ParamsChanged version, bool withValue)
    {
        // Genesis values are in force from the start of time (effective at Unix 0), so every instant has a value.
        var effective = version.EffectiveAtUnixNanos == 0 ? "from the start" : Time(version.EffectiveAtUnixNanos);
        Console.WriteLine($"{version.SetId} v{version.Version}: effective {effective} by {version.ProposalId} ({Lower(version.Cause)})");
        foreach (var change in version.Changes)
        {
            Console.WriteLine($"  {change.Field}: {change.OldValue} → {change.NewValue} ({Lower(change.Direction)})");
        }

        if (withValue)
        {
            Console.WriteLine(GovernanceJson.CanonicalOf(ParamsContract.ToDomain(version.Parameters)));
        }
    }

    private static string Lower<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var underscore = name.IndexOf('_', StringComparison.Ordinal);
        return (underscore >= 0 ? name[(underscore + 1)..] : name).ToLowerInvariant();
    }
}
