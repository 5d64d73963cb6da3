using System.Net;
using System.Text;
using Clearing.Hosting.Tests.Infrastructure;
using Clearing.ServiceDefaults.Security;

namespace Clearing.Hosting.Tests;

public sealed class ProbeAppFixture : IAsyncLifetime
{
    public const string DaprToken = "sidecar-token-from-a-kubernetes-secret";

    public System.Security.Cryptography.X509Certificates.X509Certificate2 Ca { get; } = TestCertificates.CreateCa("clearing-cluster-ca");

    public ProbeApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await ProbeApp.StartAsync(new Dictionary<string, string?>
    {
        ["Clearing:Auth:ClientCaPem"] = Ca.ExportCertificatePem(),
        ["Clearing:Auth:ServiceNames:0"] = TestCertificates.ServiceUri,
        ["Clearing:Auth:OperatorCertificateNames:0"] = TestCertificates.OperatorDns,
        ["Clearing:Auth:MaxSignedBodyBytes"] = "1024",
        ["Clearing:Auth:Dapr:AllowedAppIds:0"] = "margin",
        // Dapr's own variable name: the sidecar and the app read the same Secret.
        ["APP_API_TOKEN"] = DaprToken,
    });

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        Ca.Dispose();
    }
}

public sealed class AuthenticationTests(ProbeAppFixture fixture) : IClassFixture<ProbeAppFixture>
{
    private static readonly byte[] OrderBody = Encoding.UTF8.GetBytes("""{"market":"BTC-PERP","side":"buy","price":"64000.5","quantity":"0.25"}""");

    private ProbeApp App => fixture.App;

    [Fact]
    public async Task signed_trader_request_reaches_a_trader_endpoint_as_its_account()
    {
        var (status, body) = await App.SendAsync("POST", "/probe/trader", headers: TestCredentials.Trader().Sign("POST", "/probe/trader", OrderBody), body: OrderBody);

        status.ShouldBe(200);
        body.ShouldBe(TestCredentials.TraderAccount);
    }

    [Fact]
    public async Task replayed_trader_nonce_is_refused()
    {
        var headers = TestCredentials.Trader().Sign("POST", "/probe/trader", OrderBody);
        (await App.SendAsync("POST", "/probe/trader", headers: headers, body: OrderBody)).Status.ShouldBe(200);

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: headers, body: OrderBody);

        status.ShouldBe(401);
        reason.ShouldBe($"nonce '{headers.Single(h => h.Key == RequestSignature.NonceHeader).Value}' was already used by account '{TestCredentials.TraderAccount}': replayed request");
    }

    [Fact]
    public async Task stale_trader_timestamp_is_refused()
    {
        var headers = TestCredentials.Trader().Sign("POST", "/probe/trader", OrderBody, timestamp: DateTimeOffset.UtcNow.AddSeconds(-45));

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: headers, body: OrderBody);

        status.ShouldBe(401);
        reason.ShouldStartWith("request timestamp is stale: 45");
    }

    [Fact]
    public async Task timestamp_from_the_future_is_refused()
    {
        var headers = TestCredentials.Trader().Sign("POST", "/probe/trader", OrderBody, timestamp: DateTimeOffset.UtcNow.AddMinutes(2));

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: headers, body: OrderBody);

        status.ShouldBe(401);
        // The server measures the offset on its own clock a moment after signing: 2 minutes less the time in between.
        var match = System.Text.RegularExpressions.Regex.Match(reason, @"^request timestamp is (\d+(\.\d)?) s in the future, the limit is 30 s$");
        match.Success.ShouldBeTrue(reason);
        decimal.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(100m, 120m);
    }

    [Fact]
    public async Task body_changed_after_signing_is_refused()
    {
        var headers = TestCredentials.Trader().Sign("POST", "/probe/trader", OrderBody);
        var changed = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(OrderBody).Replace("0.25", "25.0", StringComparison.Ordinal));

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: headers, body: changed);

        status.ShouldBe(401);
        reason.ShouldStartWith($"signature does not verify for account '{TestCredentials.TraderAccount}'");
    }

    [Fact]
    public async Task signature_for_another_path_is_refused()
    {
        var headers = TestCredentials.Trader().Sign("POST", "/probe/other", OrderBody);

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: headers, body: OrderBody);

        status.ShouldBe(401);
        reason.ShouldStartWith("signature does not verify");
    }

    [Fact]
    public async Task account_without_a_registered_key_is_refused()
    {
        var stranger = new RequestSigner(NSec.Cryptography.Key.Create(NSec.Cryptography.SignatureAlgorithm.Ed25519), SignerKind.Trader, "acc-unknown");

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: stranger.Sign("POST", "/probe/trader", OrderBody), body: OrderBody);

        status.ShouldBe(401);
        reason.ShouldBe("account 'acc-unknown' has no registered signing key");
    }

    [Fact]
    public async Task signed_body_over_the_limit_is_refused()
    {
        var large = new byte[2048];

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: TestCredentials.Trader().Sign("POST", "/probe/trader", large), body: large);

        status.ShouldBe(401);
        reason.ShouldBe("signed request body is larger than Clearing:Auth:MaxSignedBodyBytes (1024 bytes)");
    }

    [Fact]
    public async Task guessable_nonce_is_refused()
    {
        var headers = TestCredentials.Trader().Sign("POST", "/probe/trader", OrderBody, nonce: "1");

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: headers, body: OrderBody);

        status.ShouldBe(401);
        reason.ShouldBe("x-clearing-nonce must be 16-128 characters of [A-Za-z0-9_-]");
    }

    [Fact]
    public async Task request_claiming_two_identities_is_refused()
    {
        var headers = TestCredentials.Trader().Sign("POST", "/probe/trader", OrderBody).Append(new(RequestSignature.OperatorHeader, TestCredentials.OperatorId));

        var (status, reason) = await App.SendAsync("POST", "/probe/trader", headers: headers, body: OrderBody);

        status.ShouldBe(401);
        reason.ShouldBe("both x-clearing-account and x-clearing-operator are present: sign as one identity");
    }

    [Fact]
    public async Task trader_at_an_operator_endpoint_is_forbidden_with_the_allowed_callers()
    {
        var (status, reason) = await App.SendAsync("GET", "/probe/operator", headers: TestCredentials.Trader().Sign("GET", "/probe/operator", []));

        status.ShouldBe(403);
        reason.ShouldBe($"trader '{TestCredentials.TraderAccount}' may not call /probe/operator: allowed callers are operator");
    }

    [Fact]
    public async Task operator_key_reaches_an_operator_endpoint()
    {
        var (status, body) = await App.SendAsync("GET", "/probe/operator", headers: TestCredentials.Operator().Sign("GET", "/probe/operator", []));

        status.ShouldBe(200);
        body.ShouldBe(TestCredentials.OperatorId);
    }

    [Fact]
    public async Task endpoint_with_no_declared_callers_is_refused_to_everyone()
    {
        var anonymous = await App.SendAsync("GET", "/probe/undeclared");
        var asOperator = await App.SendAsync("GET", "/probe/undeclared", headers: TestCredentials.Operator().Sign("GET", "/probe/undeclared", []));

        anonymous.ShouldBe((403, UndeclaredCallersRequirement.Reason));
        asOperator.ShouldBe((403, UndeclaredCallersRequirement.Reason));
    }

    [Fact]
    public async Task client_certificate_from_the_cluster_ca_with_an_allowed_name_is_a_service()
    {
        using var certificate = TestCertificates.CreateClient(fixture.Ca, uri: TestCertificates.ServiceUri);

        var (status, body) = await App.SendAsync("GET", "/probe/service", c => c.Connection.ClientCertificate = certificate);

        status.ShouldBe(200);
        body.ShouldBe(TestCertificates.ServiceUri);
    }

    [Fact]
    public async Task service_certificate_does_not_reach_operator_endpoints()
    {
        using var certificate = TestCertificates.CreateClient(fixture.Ca, uri: TestCertificates.ServiceUri);

        var (status, reason) = await App.SendAsync("GET", "/probe/operator", c => c.Connection.ClientCertificate = certificate);

        status.ShouldBe(403);
        reason.ShouldBe($"service '{TestCertificates.ServiceUri}' may not call /probe/operator: allowed callers are operator");
    }

    [Fact]
    public async Task operator_client_certificate_reaches_operator_endpoints()
    {
        using var certificate = TestCertificates.CreateClient(fixture.Ca, dnsName: TestCertificates.OperatorDns);

        var (status, body) = await App.SendAsync("GET", "/probe/operator", c => c.Connection.ClientCertificate = certificate);

        status.ShouldBe(200);
        body.ShouldBe(TestCertificates.OperatorDns);
    }

    [Fact]
    public async Task client_certificate_from_another_ca_is_refused()
    {
        using var otherCa = TestCertificates.CreateCa("somebody-elses-ca");
        using var certificate = TestCertificates.CreateClient(otherCa, uri: TestCertificates.ServiceUri);

        var (status, reason) = await App.SendAsync("GET", "/probe/service", c => c.Connection.ClientCertificate = certificate);

        status.ShouldBe(401);
        reason.ShouldStartWith("client certificate 'CN=client' is not trusted");
    }

    [Fact]
    public async Task expired_client_certificate_is_refused()
    {
        using var certificate = TestCertificates.CreateClient(fixture.Ca, uri: TestCertificates.ServiceUri, notAfter: DateTimeOffset.UtcNow.AddDays(-1));

        var (status, reason) = await App.SendAsync("GET", "/probe/service", c => c.Connection.ClientCertificate = certificate);

        status.ShouldBe(401);
        reason.ShouldStartWith("client certificate 'CN=client' is not trusted");
    }

    [Fact]
    public async Task client_certificate_with_a_name_not_on_the_allow_list_is_refused()
    {
        using var certificate = TestCertificates.CreateClient(fixture.Ca, dnsName: "intruder.clearing.local");

        var (status, reason) = await App.SendAsync("GET", "/probe/service", c => c.Connection.ClientCertificate = certificate);

        status.ShouldBe(401);
        reason.ShouldBe("client certificate names [intruder.clearing.local] are not allowed callers (Clearing:Auth:ServiceNames, Clearing:Auth:OperatorCertificateNames)");
    }

    [Fact]
    public async Task dapr_sidecar_call_over_loopback_with_the_app_token_is_the_calling_app()
    {
        var (status, body) = await App.SendAsync("GET", "/probe/service", c => c.Connection.RemoteIpAddress = IPAddress.Loopback, DaprHeaders(ProbeAppFixture.DaprToken, "margin"));

        status.ShouldBe(200);
        body.ShouldBe("margin");
    }

    [Fact]
    public async Task dapr_token_from_a_non_loopback_address_is_refused()
    {
        var (status, reason) = await App.SendAsync("GET", "/probe/service", c => c.Connection.RemoteIpAddress = IPAddress.Parse("10.1.2.3"), DaprHeaders(ProbeAppFixture.DaprToken, "margin"));

        status.ShouldBe(401);
        reason.ShouldBe("dapr-api-token is accepted only from the local sidecar over loopback; this request came from 10.1.2.3");
    }

    [Fact]
    public async Task wrong_dapr_token_is_refused()
    {
        var (status, reason) = await App.SendAsync("GET", "/probe/service", c => c.Connection.RemoteIpAddress = IPAddress.Loopback, DaprHeaders("guessed-token", "margin"));

        status.ShouldBe(401);
        reason.ShouldBe("dapr-api-token does not match the configured app API token");
    }

    [Fact]
    public async Task dapr_app_not_on_the_allow_list_is_refused()
    {
        var (status, reason) = await App.SendAsync("GET", "/probe/service", c => c.Connection.RemoteIpAddress = IPAddress.Loopback, DaprHeaders(ProbeAppFixture.DaprToken, "intruder"));

        status.ShouldBe(401);
        reason.ShouldBe("Dapr app 'intruder' is not an allowed caller (Clearing:Auth:Dapr:AllowedAppIds)");
    }

    [Fact]
    public async Task probes_and_metrics_need_no_credentials()
    {
        (await App.SendAsync("GET", "/health/live")).Status.ShouldBe(200);
        (await App.SendAsync("GET", "/health/ready")).Status.ShouldBe(200);
        (await App.SendAsync("GET", "/metrics")).Status.ShouldBe(200);
    }

    private static KeyValuePair<string, string>[] DaprHeaders(string token, string appId) =>
        [new("dapr-api-token", token), new("dapr-caller-app-id", appId)];
}

public sealed class ClientCertificateWithoutCaTests
{
    [Fact]
    public async Task client_certificate_is_refused_when_no_client_ca_is_configured()
    {
        await using var app = await ProbeApp.StartAsync();
        using var ca = TestCertificates.CreateCa("any-ca");
        using var certificate = TestCertificates.CreateClient(ca, uri: TestCertificates.ServiceUri);

        var (status, reason) = await app.SendAsync("GET", "/probe/service", c => c.Connection.ClientCertificate = certificate);

        status.ShouldBe(401);
        reason.ShouldBe("a client certificate was presented but no client CA is configured (Clearing:Auth:ClientCaPath)");
    }
}
