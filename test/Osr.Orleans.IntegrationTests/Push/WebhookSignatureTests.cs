using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Push;

namespace Osr.Orleans.IntegrationTests.Push;

/// <summary>Webhook POSTs signed in the Standard Webhooks layout (docs/operations.md "Security").</summary>
public sealed class WebhookSignatureTests
{
    [Fact]
    public void TheSignatureMatchesTheStandardWebhooksExample()
    {
        // The worked example of the Standard Webhooks specification.
        var key = WebhookSignature.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", out var error);

        error.Should().BeNull();
        WebhookSignature.Sign(key!, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}"""u8)
            .Should().Be("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    [Fact]
    public async Task EveryPostCarriesIdTimestampAndASignatureTheReceiverCanCheck()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero));
        var signal = new SemaphoreSlim(0);
        await using var receiver = WebhookReceiver.Start(signal);
        await using var push = await PushHost.StartAsync(TempDirectory.Create("osr-signed"), time, [receiver.Url]);

        await push.Outbox.EnqueueAsync(OutboxNotes.Note("n-signed-1"), time.GetUtcNow().AddMinutes(5));
        await Poll.UntilAsync(() => receiver.Successful.Count == 1, "the webhook received the POST", signal);

        var receipt = receiver.Successful[0];
        receipt.WebhookId.Should().Be("n-signed-1");
        receipt.WebhookTimestamp.Should().Be(time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        // What a receiver does: HMAC-SHA256 over "{id}.{timestamp}.{body}" with the key behind whsec_.
        var key = Convert.FromBase64String(PushHost.SigningSecret["whsec_".Length..]);
        byte[] signed = [.. Encoding.UTF8.GetBytes($"{receipt.WebhookId}.{receipt.WebhookTimestamp}."), .. receipt.Body];
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        receipt.WebhookSignature.Should().Be(expected);
    }
}
