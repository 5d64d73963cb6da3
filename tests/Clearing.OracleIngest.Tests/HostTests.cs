using Clearing.Contracts.Oracle.V1;
using Clearing.EventSourcing;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Reports;
using Clearing.OracleIngest.Integration;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.OracleIngest.Tests;

public sealed class HostTests
{
    private static readonly string[] Publishers = ["pub-1", "pub-2", "pub-3", "pub-4"];

    [Fact]
    public async Task publisher_stream_accepts_signed_reports_and_stores_every_refusal_with_its_reason()
    {
        await using var host = new OracleHost(Publishers);
        var world = new OracleWorld(publishers: 4);
        var now = Nanos.From(DateTimeOffset.UtcNow);
        var good = Publishers.Take(3).Select(id => world.Signed(id, "64000.5", now)).ToList();
        var badSignature = world.Signed("pub-4", "64000", now) with { Price = "6400" };
        var unknown = ReportSigning.Sign(new PriceReport("mallory", "BTC", "1", "0", now, 1, []), OracleWorld.KeyOf("mallory"));
        var replayed = good[0];
        var futureDated = world.Signed("pub-2", "64000", now + 60 * Nanos.PerSecond);

        using var call = new PricePublisher.PricePublisherClient(host.Channel).Publish(OracleHost.PublisherConnection);
        foreach (var report in good.Append(badSignature).Append(unknown).Append(replayed).Append(futureDated))
        {
            await call.RequestStream.WriteAsync(new PublisherMessage { Price = ToProto(report) });
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call;

        summary.Accepted.ShouldBe(3);
        summary.Refused.ShouldBe(4);
        summary.Refusals.Select(r => r.Reason).ShouldBe(["bad-signature", "unknown-publisher", "sequence-not-increasing", "future-dated"]);

        var stored = await ReadAsync(host, "oracle-BTC");
        stored.Select(e => e.StreamVersion).ShouldBe(Enumerable.Range(0, stored.Count).Select(i => (long)i));
        var events = stored.Select(OracleEventCodec.Decode).ToList();
        events.OfType<ReportAccepted>().Count().ShouldBe(3);
        events.OfType<ReportRefused>().Select(r => r.Reason).ShouldBe(["bad-signature", "unknown-publisher", "sequence-not-increasing", "future-dated"]);
        var index = events.OfType<IndexPublished>().Last(i => i.Status == IndexStatus.Ok);
        index.IndexPrice.ShouldBe(64_000.5m);
        index.Publishers.ShouldBe(["pub-1", "pub-2", "pub-3"]);
    }

    [Fact]
    public async Task index_update_is_translated_to_the_public_price_update_with_its_publisher_set_and_marks()
    {
        await using var host = new OracleHost(Publishers);
        var world = new OracleWorld(publishers: 4);
        var now = Nanos.From(DateTimeOffset.UtcNow);

        await PublishAsync(host, Publishers.Select(id => world.Signed(id, id == "pub-4" ? "96000" : "64000", now)));

        var recorded = (await ReadAsync(host, "oracle-BTC")).Last(e => e.Type == "oracle.index-published.v1");
        var message = new OraclePricesTranslator().Translate(recorded).ShouldNotBeNull();
        message.Topic.ShouldBe("clearing.oracle.prices.v1");
        message.Key.ShouldBe("BTC");
        var update = PriceUpdate.Parser.ParseFrom(message.Payload);
        update.Status.ShouldBe(PriceStatus.Ok);
        update.IndexPrice.ShouldBe("64000");
        update.Publishers.ShouldBe(["pub-1", "pub-2", "pub-3"]);
        update.OutlierPublishers.ShouldBe(["pub-4"]);
        update.OutliersDropped.ShouldBe(1);
        update.Marks.Select(m => m.Market).ShouldBe(["BTC-PERP", "BTC-26MAR27"], ignoreOrder: true);
        update.Marks.ShouldAllBe(m => m.MarkPrice_ == "64000");
        message.SourceStream.ShouldBe("oracle-BTC");
        message.SourceSequence.ShouldBe(recorded.StreamVersion);
    }

    [Fact]
    public async Task report_for_an_asset_without_an_oracle_is_refused_into_the_unlisted_stream()
    {
        await using var host = new OracleHost(Publishers);
        var report = ReportSigning.Sign(new PriceReport("pub-1", "DOGE", "0.1", "0", Nanos.From(DateTimeOffset.UtcNow), 1, []), OracleWorld.KeyOf("pub-1"));

        var summary = await PublishAsync(host, [report]);

        summary.Refusals.ShouldHaveSingleItem().Reason.ShouldBe("unknown-asset");
        var refusal = OracleEventCodec.Decode((await ReadAsync(host, "oracle-unlisted-assets")).ShouldHaveSingleItem()).ShouldBeOfType<ReportRefused>();
        refusal.Asset.ShouldBe("DOGE");
        refusal.Detail.ShouldBe("asset 'DOGE' has no oracle here; known: BTC, ETH");
    }

    [Fact]
    public async Task tripped_breaker_is_reset_by_an_operator_and_the_next_index_is_ok()
    {
        await using var host = new OracleHost(Publishers);
        var world = new OracleWorld(publishers: 4);
        var now = Nanos.From(DateTimeOffset.UtcNow);
        await PublishAsync(host, Publishers.Select(id => world.Signed(id, "64000", now)));
        await PublishAsync(host, Publishers.Select(id => world.Signed(id, "80000", now + Nanos.PerMillisecond)));
        var tripped = (await ReadAsync(host, "oracle-BTC")).Select(OracleEventCodec.Decode).ToList();
        tripped.OfType<CircuitBreakerTripped>().ShouldHaveSingleItem();
        tripped.OfType<IndexPublished>().Last().Status.ShouldBe(IndexStatus.CircuitBreaker);

        var request = new ResetCircuitBreakerRequest { Asset = "BTC", Reason = "exchange outage verified; 80 000 is real" };
        var reply = await new OracleAdmin.OracleAdminClient(host.Channel).ResetCircuitBreakerAsync(
            request, OracleHost.Operator.SignGrpc("clearing.oracle.v1.OracleAdmin/ResetCircuitBreaker", request));
        await PublishAsync(host, Publishers.Select(id => world.Signed(id, "80000", now + 2 * Nanos.PerMillisecond)));

        var events = (await ReadAsync(host, "oracle-BTC")).ToList();
        var reset = events.Single(e => e.EventId.ToString() == reply.EventId);
        reset.Type.ShouldBe("oracle.circuit-breaker-reset.v1");
        reset.StreamVersion.ShouldBe(reply.StreamVersion);
        OracleEventCodec.Decode(reset).ShouldBeOfType<CircuitBreakerReset>().ResetBy.ShouldBe(OracleHost.OperatorId);
        var last = events.Select(OracleEventCodec.Decode).OfType<IndexPublished>().Last();
        last.Status.ShouldBe(IndexStatus.Ok);
        last.IndexPrice.ShouldBe(80_000m);
    }

    [Fact]
    public async Task publisher_stream_without_a_service_credential_is_refused_before_anything_is_stored()
    {
        await using var host = new OracleHost(Publishers);
        var world = new OracleWorld(publishers: 4);

        using var call = new PricePublisher.PricePublisherClient(host.Channel).Publish();
        var refused = await Should.ThrowAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(new PublisherMessage { Price = ToProto(world.Signed("pub-1", "64000", Nanos.From(DateTimeOffset.UtcNow))) });
            await call.RequestStream.CompleteAsync();
            await call;
        });

        refused.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        (await ReadAsync(host, "oracle-BTC")).ShouldNotContain(e => e.Type.StartsWith("oracle.report-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task stream_of_refusals_only_is_closed_after_the_configured_count()
    {
        await using var host = new OracleHost(Publishers, new Dictionary<string, string?> { ["OracleIngest:MaxConsecutiveRefusalsPerStream"] = "3" });
        var now = Nanos.From(DateTimeOffset.UtcNow);

        using var call = new PricePublisher.PricePublisherClient(host.Channel).Publish(OracleHost.PublisherConnection);
        var refused = await Should.ThrowAsync<RpcException>(async () =>
        {
            for (var i = 1; i <= 10; i++)
            {
                await call.RequestStream.WriteAsync(new PublisherMessage { Price = ToProto(new PriceReport("mallory", "BTC", "1", "0", now, i, new byte[64])) });
            }

            await call.RequestStream.CompleteAsync();
            await call;
        });

        refused.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        (await ReadAsync(host, "oracle-BTC")).Count(e => e.Type == "oracle.report-refused.v1").ShouldBe(3);
    }

    [Fact]
    public async Task every_grpc_method_declares_its_callers_and_only_probes_are_anonymous()
    {
        await using var host = new OracleHost(Publishers);
        var endpoints = host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>().ToList();

        var grpc = endpoints.Where(e => e.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method.ServiceName.StartsWith("clearing.", StringComparison.Ordinal) == true).ToList();
        grpc.Select(e => e.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>()!.Method.FullName).ShouldContain("/clearing.oracle.v1.PricePublisher/Publish");
        grpc.ShouldAllBe(e => e.Metadata.GetMetadata<Clearing.ServiceDefaults.Security.CallersAttribute>() != null);
        endpoints.Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() != null)
            .Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal).ShouldBe(["/health/live", "/health/ready", "/metrics"]);
    }

    [Fact]
    public async Task recorded_feed_file_replays_through_the_host_as_a_pulled_feed()
    {
        var file = Path.Combine(Path.GetTempPath(), $"oracle-feed-{Guid.NewGuid():N}.csv");
        var t = 1_700_000_000L * Nanos.PerSecond;
        var lines = new List<string> { "publish_time_unix_nanos,publisher,asset,price,confidence,sequence" };
        for (var i = 0; i < 20; i++)
        {
            foreach (var (feed, offset) in new[] { ("binance", 0m), ("coinbase", 1m), ("kraken", -1m) })
            {
                lines.Add(FormattableString.Invariant($"{t + i * 100 * Nanos.PerMillisecond},{feed},ETH,{3000m + i + offset},0.5,{i + 1}"));
            }
        }

        await File.WriteAllLinesAsync(file, lines);
        try
        {
            await using var host = new OracleHost(Publishers, new Dictionary<string, string?>
            {
                ["OracleIngest:Publishers:binance:Feed"] = "true",
                ["OracleIngest:Publishers:coinbase:Feed"] = "true",
                ["OracleIngest:Publishers:kraken:Feed"] = "true",
                ["OracleIngest:ReplayFeeds:0:Path"] = file,
                ["OracleIngest:ReplayFeeds:0:Speed"] = "0",
            });

            var deadline = DateTime.UtcNow.AddSeconds(20);
            List<object> events;
            do
            {
                await Task.Delay(100);
                events = (await ReadAsync(host, "oracle-ETH")).Select(OracleEventCodec.Decode).ToList();
            }
            while (events.OfType<ReportAccepted>().Count() < 60 && DateTime.UtcNow < deadline);

            events.OfType<ReportAccepted>().Count().ShouldBe(60, "a recording from 2023 is retimed to now, so nothing is stale");
            events.OfType<ReportAccepted>().ShouldAllBe(r => r.Origin == "feed-adapter" && r.Signature == string.Empty);
            events.OfType<IndexPublished>().Last(i => i.Status == IndexStatus.Ok).IndexPrice.ShouldBe(3019m);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<PublishSummary> PublishAsync(OracleHost host, IEnumerable<PriceReport> reports)
    {
        using var call = new PricePublisher.PricePublisherClient(host.Channel).Publish(OracleHost.PublisherConnection);
        foreach (var report in reports)
        {
            await call.RequestStream.WriteAsync(new PublisherMessage { Price = ToProto(report) });
        }

        await call.RequestStream.CompleteAsync();
        return await call;
    }

    private static async Task<List<RecordedEvent>> ReadAsync(OracleHost host, string stream)
    {
        var store = host.Services.GetRequiredService<IEventStore>();
        var events = new List<RecordedEvent>();
        await foreach (var e in store.ReadStreamAsync(stream, ReadDirection.Forward, 0))
        {
            events.Add(e);
        }

        return events;
    }

    internal static SignedPriceReport ToProto(PriceReport report) => new()
    {
        PublisherId = report.PublisherId,
        Asset = report.Asset,
        Price = report.Price,
        Confidence = report.Confidence,
        PublishTimeUnixNanos = report.PublishTimeUnixNanos,
        Sequence = report.Sequence,
        Signature = ByteString.CopyFrom(report.Signature),
    };
}
