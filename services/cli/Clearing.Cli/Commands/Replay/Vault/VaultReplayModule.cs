using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Integration;

namespace Clearing.Cli.Commands.Replay.Vault;

/// <summary>
/// `clearing replay vault`: time travel over a vault's books (vault-{id}, e.g. vault-hlp): LP shares and holdings,
/// cash, positions, pending withdrawals and the last NAV, folded with the domain's VaultBook.Evolve over the host's
/// stored events (VaultJsonContext), as VaultLedger loads it and shown as it snapshots it. Republishing goes through the
/// service's VaultOutboxTranslator. No read model to rebuild: the vault keeps its state in this stream.
/// </summary>
internal sealed class VaultReplayModule : FoldingReplayModule
{
    public override string Service => "vault";

    public override IOutboxTranslator? Translator { get; } = new VaultOutboxTranslator();

    protected override IReadOnlyList<StreamFold> Folds { get; } =
    [
        StreamFold.Aggregate($"{VaultLedger.Category}-{{vault}}", StreamFold.InCategory(VaultLedger.Category),
            // VaultLedger names an unnamed state with its configured vault id and asset when it decides; the fold takes the
            // id from the stream (the asset is VaultState's default, USDC, as in every configuration so far).
            stream => new AggregateDefinition<VaultState>(VaultLedger.Category, VaultState.Empty(stream[(VaultLedger.Category.Length + 1)..]), VaultBook.Evolve),
            VaultJsonContext.Serializer),
    ];
}
