using Clearing.Contracts.Governance.V1;
using Clearing.EventSourcing;
using Clearing.Governance.Domain.Contract;
using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Domain.Proposals;
using ProposalStatus = Clearing.Contracts.Governance.V1.ProposalStatus;
using ProposalKind = Clearing.Governance.Domain.Proposals.ProposalKind;
using ProposedChange = Clearing.Governance.Domain.Proposals.ProposedChange;
using Clearing.Governance.Integration;
using Clearing.Parameters;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using DomainMarket = Clearing.Parameters.MarketParameters;

namespace Clearing.Governance.Tests;

/// <summary>The governance host in-process (TestServer), SQLite store in a temp directory, a fake clock, the development genesis.</summary>
public sealed class HostTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "clearing-governance-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(Start);

    [Fact]
    public async Task a_restarted_host_serves_the_parameters_in_force()
    {
        DomainMarket raised;
        await using (var host = new GovernanceHost(_data, _clock))
        {
            var client = host.Client(1);
            var current = await CurrentBtcPerpAsync(client);
            raised = current with { MarginTiers = current.MarginTiers.Select(t => t with { MaintenanceMarginFraction = t.MaintenanceMarginFraction + 0.002m }).ToList() };

            var proposed = await client.ProposeAsync(Signed(ProposalDraftFor("raise-btc-mm", raised, 0), proposer: 1));
            proposed.Status.ShouldBe(ProposalStatus.Open);
            var approved = await client.ApproveAsync(new ApproveRequest { ProposalId = "raise-btc-mm", Governor = "gov-dev-2", Signature = Sign(2, proposed.Digest, "raise-btc-mm") });
            approved.Status.ShouldBe(ProposalStatus.Queued);
            approved.Outcome.ShouldStartWith("approved (2 of 2): queued, executable at");

            var early = await Should.ThrowAsync<RpcException>(() => client.ExecuteAsync(new ExecuteRequest { ProposalId = "raise-btc-mm" }).ResponseAsync);
            early.StatusCode.ShouldBe(StatusCode.FailedPrecondition);
            early.Status.Detail.ShouldBe($"timelock: proposal raise-btc-mm is executable at {Start.AddHours(1):O}, 1 h 0 min 0 s from now");

            _clock.Advance(TimeSpan.FromHours(1));
            var executed = await client.ExecuteAsync(new ExecuteRequest { ProposalId = "raise-btc-mm" });
            executed.Status.ShouldBe(ProposalStatus.Executed);

            var halt = await client.ProposeAsync(Signed(new ProposalDraft("halt-btc", ProposalKind.Emergency, "halt while the oracle is checked",
                [new ProposedChange("market-BTC-PERP", 1, raised with { Halted = true })], null), proposer: 3));
            halt.Status.ShouldBe(ProposalStatus.Queued);
            (await client.ExecuteAsync(new ExecuteRequest { ProposalId = "halt-btc" })).Status.ShouldBe(ProposalStatus.Executed);
        }

        _clock.Advance(TimeSpan.FromMinutes(5));
        await using (var restarted = new GovernanceHost(_data, _clock))
        {
            var client = restarted.Client(1);
            var now = await client.GetParametersAsync(new GetParametersRequest { SetId = "market-BTC-PERP" });
            var atStart = await client.GetParametersAsync(new GetParametersRequest { SetId = "market-BTC-PERP", AtUnixNanos = ProposalCanonical.UnixNanos(Start.AddMinutes(59)) });

            var inForce = (DomainMarket)ParamsContract.ToDomain(now.InForce.Parameters);
            inForce.Halted.ShouldBeTrue();
            inForce.MarginTiers.ShouldBe(raised.MarginTiers);
            now.InForce.Version.ShouldBe(2);
            atStart.InForce.Version.ShouldBe(0);
            ((DomainMarket)ParamsContract.ToDomain(atStart.InForce.Parameters)).MarginTiers[0].MaintenanceMarginFraction.ShouldBe(0.012m);
            (await client.HistoryAsync(new HistoryRequest { SetId = "market-BTC-PERP" })).Versions.Select(v => v.ProposalId).ShouldBe(["genesis", "raise-btc-mm", "halt-btc"]);

            // What the relay publishes, folded as a consumer would, equals the registry the host serves.
            var store = restarted.Services.GetRequiredService<IEventStore>();
            var translator = new GovernanceOutboxTranslator();
            var consumer = ParameterBook.Empty;
            await foreach (var recorded in store.ReadAllAsync(0, int.MaxValue))
            {
                if (translator.Translate(recorded) is { } message)
                {
                    message.Key.ShouldBe(ParamsChanged.Parser.ParseFrom(message.Payload).SetId);
                    consumer = consumer.Apply(ParamsChanged.Parser.ParseFrom(message.Payload));
                }
            }

            consumer.Market("BTC-PERP", _clock.GetUtcNow())!.Halted.ShouldBeTrue();
            consumer.SetIds.Count().ShouldBe(7);
        }
    }

    [Fact]
    public async Task refusals_reach_the_caller_with_their_reasons()
    {
        await using var host = new GovernanceHost(_data, _clock);
        var client = host.Client(1);
        var current = await CurrentBtcPerpAsync(client);
        var lower = current with { MarginTiers = current.MarginTiers.Select(t => t with { MaintenanceMarginFraction = t.MaintenanceMarginFraction - 0.001m }).ToList() };

        var emergency = await Should.ThrowAsync<RpcException>(() => client.ProposeAsync(Signed(
            new ProposalDraft("lower-now", ProposalKind.Emergency, "d", [new ProposedChange("market-BTC-PERP", 0, lower)], null), proposer: 1)).ResponseAsync);
        var missing = await Should.ThrowAsync<RpcException>(() => client.GetProposalAsync(new GetProposalRequest { ProposalId = "nope" }).ResponseAsync);
        var unsigned = await Should.ThrowAsync<RpcException>(() =>
            new Contracts.Governance.V1.Governance.GovernanceClient(host.Channel).GetParametersAsync(new GetParametersRequest { SetId = "oracle" }).ResponseAsync);

        emergency.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        emergency.Status.Detail.ShouldContain("an emergency action may only tighten: market-BTC-PERP.marginTiers[0].maintenanceMarginFraction 0.012 → 0.011 loosens");
        missing.StatusCode.ShouldBe(StatusCode.NotFound);
        unsigned.StatusCode.ShouldBe(StatusCode.Unauthenticated);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment after the host stops; the OS cleans temp later.
        }
    }

    private static async Task<DomainMarket> CurrentBtcPerpAsync(Contracts.Governance.V1.Governance.GovernanceClient client) =>
        (DomainMarket)ParamsContract.ToDomain((await client.GetParametersAsync(new GetParametersRequest { SetId = "market-BTC-PERP" })).Latest.Parameters);

    private static ProposalDraft ProposalDraftFor(string id, DomainMarket market, long baseVersion) =>
        new(id, ProposalKind.Standard, "raise BTC-PERP maintenance margin by 20 bp", [new ProposedChange(market.SetId, baseVersion, market)], null);

    private static ProposeRequest Signed(ProposalDraft draft, int proposer) =>
        ProposalContract.ToRequest(draft, DevelopmentKeys.GovernorId(proposer), Sign(proposer, ProposalCanonical.Digest(draft), draft.Id));

    private static string Sign(int governor, string digest, string proposalId) =>
        ProposalCanonical.Sign(DevelopmentKeys.Governor(governor), ProposalCanonical.Approve, proposalId, digest);

    private sealed class GovernanceHost : IAsyncDisposable
    {
        private readonly WebApplicationFactory<Program> _factory;
        private readonly TimeProvider _clock;

        public GovernanceHost(string data, TimeProvider clock)
        {
            _clock = clock;
            _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            {
                builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(new Dictionary<string, string?> { ["Clearing:DataDirectory"] = data }));
                builder.ConfigureServices(services => services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)));
                builder.ConfigureTestServices(services => services.AddSingleton(clock));
            });
            Channel = GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler() });
        }

        public GrpcChannel Channel { get; }

        public IServiceProvider Services => _factory.Services;

        /// <summary>A client whose calls are signed with development governor <paramref name="governor"/>'s key (accepted as an operator key here).</summary>
        public Contracts.Governance.V1.Governance.GovernanceClient Client(int governor) =>
            Cli.Commands.GovConnection.Open(Channel, new Cli.Commands.GovernorKeyFile(DevelopmentKeys.GovernorId(governor), DevelopmentKeys.Governor(governor)), _clock);

        public async ValueTask DisposeAsync()
        {
            Channel.Dispose();
            await _factory.DisposeAsync();
        }
    }
}
