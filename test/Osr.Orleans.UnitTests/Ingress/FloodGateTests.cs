using Osr.Orleans.Models.Ingress;

namespace Osr.Orleans.UnitTests.Ingress;

public class FloodGateTests
{
    private const long T0 = 638_000_000_000_000_000;
    private static readonly long Second = TimeSpan.TicksPerSecond;

    private static FloodLimits Limits() => new()
    {
        MessagesPerSecond = 10, MessageBurst = 5, BytesPerSecond = 64 * 1024, ByteBurst = 128 * 1024,
        ErrorsPerSecond = 2, ErrorBurst = 3, MaxHold = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public void MessagesWithinTheBurstPassWithoutHoldThenArePacedAtTheRate()
    {
        var gate = new FloodGate(Limits(), T0);

        for (var i = 0; i < 5; i++) gate.Admit(100, T0).Should().Be(0);
        gate.Admit(100, T0).Should().Be(Second / 10, "one message in debt at 10/s");
        // The caller held it 0.1 s: the debt is paid, the next one is again 0.1 s away.
        gate.Admit(100, T0 + Second / 10).Should().Be(Second / 10);
    }

    [Fact]
    public void LargePayloadsArePacedByTheByteRate()
    {
        var gate = new FloodGate(Limits(), T0);
        const int garbage = 64 * 1024;

        gate.Admit(garbage, T0).Should().Be(0);
        gate.Admit(garbage, T0).Should().Be(0);
        gate.Admit(garbage, T0).Should().Be(Second, "64 KiB over the 128 KiB burst at 64 KiB/s");
        gate.Admit(garbage, T0 + Second).Should().Be(Second);
    }

    [Fact]
    public void SustainedFloodIsHeldToTheLimitsWhateverItSends()
    {
        var limits = Limits();
        var gate = new FloodGate(limits, T0);
        var now = T0;
        long bytes = 0;
        var messages = 0;
        while (now < T0 + 60 * Second)
        {
            var wait = gate.Admit(60_000, now);
            wait.Should().NotBe(FloodGate.Refused);
            now += wait; // the broker holds the connection this long before reading on
            bytes += 60_000;
            messages++;
        }
        var seconds = (now - T0) / (double)Second;
        (bytes / seconds).Should().BeLessThanOrEqualTo(limits.BytesPerSecond + limits.ByteBurst / seconds + 60_000 / seconds);
        messages.Should().BeGreaterThan(60);
    }

    [Fact]
    public void AHoldLongerThanTheMaximumIsRefusedAndTakesNothing()
    {
        var limits = Limits();
        limits.MaxHold = TimeSpan.FromSeconds(1);
        var gate = new FloodGate(limits, T0);
        for (var i = 0; i < 5; i++) gate.Admit(0, T0);
        for (var i = 0; i < 10; i++) gate.Admit(0, T0).Should().BeLessThanOrEqualTo(Second); // concurrent in-flight messages pile debt

        gate.Admit(0, T0).Should().Be(FloodGate.Refused);
        gate.Admit(0, T0 + Second).Should().Be(Second / 10, "the refused message took no tokens");
    }

    [Fact]
    public void ErrorRepliesBeyondTheirBudgetAreCountedNotGranted()
    {
        var gate = new FloodGate(Limits(), T0);

        Enumerable.Range(0, 10).Count(_ => gate.TryTakeError(T0)).Should().Be(3);
        gate.SuppressedErrors.Should().Be(7);
        gate.TryTakeError(T0 + Second / 2).Should().BeTrue("one error token per 0.5 s");
        gate.TryTakeError(T0 + Second / 2).Should().BeFalse();
    }

    [Fact]
    public void AdmittingAllocatesNothing()
    {
        var gate = new FloodGate(Limits(), T0);
        var now = T0;

        Allocations.Least(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                now += gate.Admit(512, now);
                gate.TryTakeError(now);
            }
        }).Should().Be(0);
    }

    [Fact]
    public void LimitsAreValidatedWithTheirKeys()
    {
        new FloodLimits().Validate(64 * 1024).Should().BeEmpty();
        var bad = new FloodLimits { MessagesPerSecond = 0, ByteBurst = 1000, ErrorBurst = 0 };

        bad.Validate(64 * 1024).Should().HaveCount(3).And.Contain(e => e.Contains("Osr:Mqtt:Flood:ByteBurst"));
    }

    [Theory]
    [InlineData(50, 50.0, 1000, 1.0)]
    [InlineData(10, 50.0, 1000, 0.2)]
    public void QuotaHoldWaitsUntilTheBucketSurelyHoldsTheBatch(int readings, double rate, int burst, double seconds)
    {
        QuotaHold.WaitTicks(readings, rate, burst).Should().Be((long)(seconds * Second));
    }

    [Fact]
    public void ABatchLargerThanTheWholeBucketCanNeverBeHeldLongEnough()
    {
        QuotaHold.WaitTicks(1001, 50, 1000).Should().Be(-1);
    }
}
