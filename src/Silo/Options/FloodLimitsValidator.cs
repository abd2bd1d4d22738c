using Microsoft.Extensions.Options;
using Osr.Orleans.Models.Ingress;

namespace Osr.Orleans.Silo.Options;

/// <summary>Validates <c>Osr:Mqtt:Flood</c> at start (the byte burst must hold the largest payload).</summary>
public sealed class FloodLimitsValidator(IOptions<MqttOptions> mqtt) : IValidateOptions<FloodLimits>
{
    public ValidateOptionsResult Validate(string? name, FloodLimits options)
    {
        var errors = options.Validate(mqtt.Value.MaxPayloadBytes);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
