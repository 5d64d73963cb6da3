using Clearing.OrderGateway.Grpc;
using Grpc.Core;

namespace Clearing.OrderGateway.Tests.Host;

public sealed class RestartTests
{
    [Fact]
    public async Task after_a_restart_the_gateway_still_refuses_a_replayed_nonce_and_still_answers_a_repeated_order()
    {
        var directory = GatewayHost.NewDataDirectory();
        var trader = GatewayHost.TraderFor("acct-11");
        try
        {
            var first = trader.Place("before-restart");
            string commandId;
            await using (var host = GatewayHost.Start(directory))
            {
                commandId = (await host.Client.PlaceOrderAsync(first)).CommandId;
            }

            await using (var host = GatewayHost.Start(directory))
            {
                var replay = await Should.ThrowAsync<RpcException>(() => host.Client.PlaceOrderAsync(trader.Place("after-restart", nonce: first.Auth.Nonce)).ResponseAsync);
                replay.StatusCode.ShouldBe(StatusCode.AlreadyExists);
                replay.Trailers.GetValue(OrderGatewayGrpcService.RuleTrailer).ShouldBe("replayed-nonce");

                var repeated = await host.Client.PlaceOrderAsync(first);
                repeated.Duplicate.ShouldBeTrue();
                repeated.CommandId.ShouldBe(commandId);
                (await host.StoredCommandsAsync(trader.AccountId)).Count.ShouldBe(1);
            }
        }
        finally
        {
            GatewayHost.DeleteDirectory(directory);
        }
    }
}
