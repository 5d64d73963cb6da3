using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Clearing.EventSourcing;
using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;
using Microsoft.Extensions.Options;

namespace Clearing.Governance.Application;

/// <summary>
/// The registry in memory: the <see cref="ParameterBook"/> folded from every <c>params-*</c> stream, and the governance
/// rules from the stored genesis. At start it bootstraps a fresh store from the genesis file (every set's version 0,
/// then the genesis record), then folds the store — so a restarted host serves exactly the parameters in force.
/// Writers (<see cref="ProposalDesk"/>) hold the desk's lock and publish each appended change here.
/// </summary>
public sealed class ParameterRegistry(IEventStore store, IOptions<GovernanceOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<ParameterRegistry> logger)
{
    public const string DevelopmentGenesisResource = "genesis.development.json";

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ParameterBook _book = ParameterBook.Empty;
    private GovernanceRules? _rules;

    public ParameterBook Book => _book;

    public GovernanceRules Rules => _rules ?? throw new InvalidOperationException("The parameter registry is not loaded yet.");

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public Task WhenReady(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            _rules = await BootstrapAsync(cancellationToken);
            var book = ParameterBook.Empty;
            await foreach (var recorded in store.ReadAllAsync(0, int.MaxValue, ParameterSets.StreamCategory, cancellationToken))
            {
                book = book.Apply(recorded.StreamVersion, (ParametersChanged)GovernanceStore.Serializer.Deserialize(recorded));
            }

            _book = book;
            logger.LogInformation("Parameter registry loaded: {Sets} sets, {Governors} governors, quorum {Quorum}, emergency quorum {EmergencyQuorum}",
                book.SetIds.Count(), _rules.Governors.Count, _rules.Quorum, _rules.EmergencyQuorum);
            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            _ready.TrySetException(ex);
            throw;
        }
    }

    /// <summary>Called by the desk (under its lock) after a change was stored at <paramref name="version"/>.</summary>
    internal void Applied(long version, ParametersChanged change) => _book = _book.Apply(version, change);

    private async Task<GovernanceRules> BootstrapAsync(CancellationToken cancellationToken)
    {
        var (text, source) = ReadGenesisText();
        var stored = await ReadStoredGenesisAsync(cancellationToken);
        if (stored is not null)
        {
            var sha = Sha256(text);
            if (sha != stored.GenesisSha256)
            {
                logger.LogWarning("The genesis file {Source} differs from the one this store was bootstrapped from ({Stored}); the stored genesis applies, and changes go through proposals", source, stored.GenesisSha256);
            }

            return new GenesisDocument(stored.Governance, []).Rules();
        }

        var genesis = GenesisDocument.Parse(text);
        RefuseDevelopmentKeysOutsideDevelopment(genesis, source);
        var now = time.GetUtcNow();
        foreach (var change in genesis.InitialChanges(now))
        {
            var stream = ParameterSets.StreamOf(change.SetId);
            if (await store.GetStreamVersionAsync(stream, cancellationToken) >= 0)
            {
                // A bootstrap interrupted after this set: its version 0 is already stored.
                continue;
            }

            await store.AppendAsync(stream, ExpectedVersion.NoStream,
                [GovernanceStore.Serializer.Serialize(change, eventId: GovernanceStore.EventIdFor($"genesis\n{change.SetId}"))], cancellationToken);
        }

        var record = new GenesisRecorded(genesis.Governance, Sha256(text), now);
        await store.AppendAsync(GovernanceStore.GenesisStream, ExpectedVersion.NoStream,
            [GovernanceStore.Serializer.Serialize(record, eventId: GovernanceStore.EventIdFor("genesis-recorded"))], cancellationToken);
        logger.LogInformation("Bootstrapped the parameter registry from {Source}: {Sets} sets", source, genesis.Parameters.Count);
        return genesis.Rules();
    }

    private async Task<GenesisRecorded?> ReadStoredGenesisAsync(CancellationToken cancellationToken)
    {
        await foreach (var recorded in store.ReadStreamAsync(GovernanceStore.GenesisStream, ReadDirection.Forward, 0, 1, cancellationToken))
        {
            return (GenesisRecorded)GovernanceStore.Serializer.Deserialize(recorded);
        }

        return null;
    }

    private (string Text, string Source) ReadGenesisText()
    {
        if (options.Value.GenesisFile is { Length: > 0 } path)
        {
            return (File.ReadAllText(path), path);
        }

        using var resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(DevelopmentGenesisResource)
            ?? throw new InvalidOperationException($"The embedded {DevelopmentGenesisResource} is missing from the build.");
        using var reader = new StreamReader(resource, Encoding.UTF8);
        return (reader.ReadToEnd(), $"the embedded {DevelopmentGenesisResource}");
    }

    private void RefuseDevelopmentKeysOutsideDevelopment(GenesisDocument genesis, string source)
    {
        if (environment.IsDevelopment())
        {
            return;
        }

        var development = DevelopmentKeys.AllPublicKeys();
        var publicKeys = genesis.Governance.Governors.Select(g => g.PublicKey)
            .Concat(genesis.Parameters.OfType<OracleParameters>().SelectMany(o => o.Publishers).Select(p => p.PublicKey));
        if (publicKeys.Any(development.Contains))
        {
            throw new GenesisException([
                $"{source} holds development keys, which anyone can compute; outside the Development environment set {GovernanceOptions.Section}:GenesisFile to a genesis with your governors' and publishers' keys",
            ]);
        }
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>Loads the registry before the service reports ready.</summary>
public sealed class ParameterRegistryLoader(ParameterRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => registry.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
