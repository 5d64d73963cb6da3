using Clearing.Dapr.State;
using Clearing.Dapr.Tests.Sidecar;
using Dapr.Client;

namespace Clearing.Dapr.Tests.State;

/// <summary>
/// The state-store contract against the Dapr adapter: DaprClient → real gRPC (HTTP/2 on loopback) → the in-test
/// sidecar implementing dapr.proto.runtime.v1.Dapr.
/// </summary>
public sealed class DaprSidecarStateStoreContract(FakeDaprSidecarFixture fixture)
    : StateStoreContract, IClassFixture<FakeDaprSidecarFixture>
{
    private DaprClient? _client;

    protected override Task<IStateStore> CreateStoreAsync()
    {
        fixture.Host.Sidecar.Reset();
        _client = new DaprClientBuilder().UseGrpcEndpoint(fixture.Host.GrpcEndpoint).Build();
        return Task.FromResult<IStateStore>(new DaprStateStore(_client, FakeDaprSidecarHost.StoreName));
    }

    protected override Task DisposeStoreAsync()
    {
        _client?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task the_adapter_reaches_the_sidecar_through_the_dapr_grpc_state_api()
    {
        await Store.SaveAsync("k", Json("1"), WriteCondition.IfAbsent);
        await Store.GetAsync("k");
        await Store.GetBulkAsync(["k"]);
        await Store.DeleteAsync("k");

        var calls = fixture.Host.Sidecar.Calls;
        calls["SaveState"].ShouldBe(1);
        calls["GetState"].ShouldBe(1);
        calls["GetBulkState"].ShouldBe(1);
        calls["DeleteState"].ShouldBe(1);
    }

    [Fact]
    public async Task an_unknown_store_surfaces_the_sidecar_error_instead_of_a_concurrency_error()
    {
        var store = new DaprStateStore(_client!, "no-such-store");

        var error = await Should.ThrowAsync<Exception>(() => store.SaveAsync("k", Json("1"), WriteCondition.IfAbsent).AsTask());

        error.ShouldNotBeOfType<StateConcurrencyException>();
        error.GetBaseException().Message.ShouldContain("state store no-such-store is not found");
    }
}
