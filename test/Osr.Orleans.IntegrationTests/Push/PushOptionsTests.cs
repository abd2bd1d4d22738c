using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Extensions;
using Osr.Orleans.Silo.Push;

namespace Osr.Orleans.IntegrationTests.Push;

/// <summary><c>Osr:Push</c> validation: a bad value is refused with a message naming its key.</summary>
public sealed class PushOptionsTests
{
    private readonly PushOptionsValidator _validator = new();

    [Fact]
    public void DefaultsAreTheDocumentedOnesAndValid()
    {
        var o = new PushOptions();

        o.Webhooks.Should().BeEmpty();
        o.Ttl.Should().Be(TimeSpan.FromMinutes(15));
        o.MaxAttempts.Should().Be(8);
        o.InitialBackoff.Should().Be(TimeSpan.FromSeconds(1));
        o.MaxBackoff.Should().Be(TimeSpan.FromMinutes(5));
        o.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(10));
        _validator.Validate(null, o).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void HttpsWebhooksWithASecretAreAcceptedAndPlainHttpOnlyWhenAllowed()
    {
        var https = new PushOptions { Webhooks = ["https://push.example.com/v1/notify?k=1"], SigningSecret = PushHost.SigningSecret };
        var http = new PushOptions { Webhooks = ["http://127.0.0.1:8080/hook"], SigningSecret = PushHost.SigningSecret };
        var allowed = new PushOptions { Webhooks = ["http://127.0.0.1:8080/hook"], SigningSecret = PushHost.SigningSecret, AllowHttp = true };

        _validator.Validate(null, https).Succeeded.Should().BeTrue();
        _validator.Validate(null, http).FailureMessage.Should().Contain("Osr:Push:Webhooks:0").And.Contain("plain http").And.Contain("Osr:Push:AllowHttp");
        _validator.Validate(null, allowed).Succeeded.Should().BeTrue();
    }

    [Theory]
    [InlineData(null, "is required when webhooks are configured")]
    [InlineData("MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=", "must start with 'whsec_'")]
    [InlineData("whsec_not base64!", "not base64")]
    [InlineData("whsec_c2hvcnQ=", "24–64 bytes")]
    public void WebhooksNeedAStandardWebhooksSigningSecret(string? secret, string message)
    {
        var result = _validator.Validate(null, new PushOptions { Webhooks = ["https://push.example.com/hook"], SigningSecret = secret });

        result.FailureMessage.Should().Contain("Osr:Push:SigningSecret").And.Contain(message);
    }

    [Theory]
    [InlineData("ftp://push.example.com/hook")]
    [InlineData("/relative/hook")]
    [InlineData("relative/hook")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://")]
    public void AWebhookThatIsNotAnAbsoluteHttpUrlIsRefusedByIndex(string url)
    {
        var result = _validator.Validate(null, new PushOptions { Webhooks = ["https://ok.example.com/hook", url], SigningSecret = PushHost.SigningSecret });

        result.Failed.Should().BeTrue();
        result.Failures.Should().ContainSingle().Which.Should().Contain("Osr:Push:Webhooks:1").And.Contain($"'{url}'");
    }

    [Fact]
    public void ANullWebhookEntryIsRefused()
    {
        var result = _validator.Validate(null, new PushOptions { Webhooks = [null!], SigningSecret = PushHost.SigningSecret });

        result.FailureMessage.Should().Contain("Osr:Push:Webhooks:0");
    }

    [Fact]
    public void ADuplicatedWebhookIsRefused()
    {
        var result = _validator.Validate(null, new PushOptions { Webhooks = ["https://a.example.com/", "https://a.example.com/"], SigningSecret = PushHost.SigningSecret });

        result.FailureMessage.Should().Contain("Osr:Push:Webhooks:1").And.Contain("more than once");
    }

    [Theory]
    [InlineData("-00:01:00")]
    [InlineData("00:00:00")]
    [InlineData("1.00:00:01")]
    public void ATtlOutsideZeroToOneDayIsRefused(string ttl)
    {
        var result = _validator.Validate(null, new PushOptions { Ttl = TimeSpan.Parse(ttl, System.Globalization.CultureInfo.InvariantCulture) });

        result.Failures.Should().ContainSingle().Which.Should().Contain("Osr:Push:Ttl");
    }

    [Fact]
    public void ATtlOfExactlyOneDayIsAccepted() =>
        _validator.Validate(null, new PushOptions { Ttl = TimeSpan.FromDays(1) }).Succeeded.Should().BeTrue();

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    public void MaxAttemptsOutsideOneToHundredIsRefused(int attempts)
    {
        var result = _validator.Validate(null, new PushOptions { MaxAttempts = attempts });

        result.Failures.Should().ContainSingle().Which.Should().Contain("Osr:Push:MaxAttempts").And.Contain(attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void BackoffsAndTimeoutOutOfRangeAreRefusedNamingTheirKeys()
    {
        var result = _validator.Validate(null, new PushOptions
        {
            InitialBackoff = TimeSpan.Zero,
            MaxBackoff = TimeSpan.FromDays(2),
            AttemptTimeout = TimeSpan.FromMilliseconds(1),
        });

        result.FailureMessage.Should().Contain("Osr:Push:InitialBackoff").And.Contain("Osr:Push:MaxBackoff").And.Contain("Osr:Push:AttemptTimeout");
    }

    [Fact]
    public void MaxBackoffBelowInitialBackoffIsRefused()
    {
        var result = _validator.Validate(null, new PushOptions { InitialBackoff = TimeSpan.FromMinutes(1), MaxBackoff = TimeSpan.FromSeconds(10) });

        result.Failures.Should().ContainSingle().Which.Should().Contain("Osr:Push:MaxBackoff");
    }

    [Fact]
    public async Task ABadWebhookInConfigurationStopsTheHostAtStart()
    {
        var directory = TempDirectory.Create("osr-push-options");
        var builder = PushHost.CreateBuilder(directory, new FakeTimeProvider(), ["ftp://push.example.com/hook"],
            new Dictionary<string, string?> { ["Osr:Push:MaxAttempts"] = "0" });
        builder.AddOsrPush();
        using var host = builder.Build();

        var start = () => host.StartAsync();

        var error = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Message.Should().Contain("Osr:Push:Webhooks:0").And.Contain("ftp://push.example.com/hook").And.Contain("Osr:Push:MaxAttempts");
    }
}
