using System.Text.Json;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Silo.Ingress;

namespace Osr.Orleans.IntegrationTests.Silo;

public sealed class ErrorMessageTests
{
    [Fact]
    public void ErrorMessageCarriesSeqReasonCodeAndDetail()
    {
        var json = JsonDocument.Parse(ErrorMessage.Serialize(42, RejectReason.OutOfRange, "hr=300 outside 20–250")).RootElement;

        json.GetProperty("seq").GetInt64().Should().Be(42);
        json.GetProperty("reason").GetString().Should().Be("out-of-range");
        json.GetProperty("detail").GetString().Should().Be("hr=300 outside 20–250");
    }

    [Fact]
    public void MessageLevelErrorHasANullSeqAndEscapesHostileDetail()
    {
        var json = JsonDocument.Parse(ErrorMessage.Serialize(null, RejectReason.MalformedJson, "\"}{\u0000</script>")).RootElement;

        json.GetProperty("seq").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("reason").GetString().Should().Be("malformed-json");
        json.GetProperty("detail").GetString().Should().Be("\"}{\u0000</script>");
    }
}
