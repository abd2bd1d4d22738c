using System.Buffers;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Ingress;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Silo.Ingress;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.IntegrationTests.Silo;

/// <summary>
/// The ingest pipeline alone, against an owner whose calls the test completes: the common message waits for its call
/// without an async method of its own and reuses its batch array (docs/benchmarks.md, "the diet"), which must not
/// change what a message becomes.
/// </summary>
public sealed class IngestPipelineTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly IngestCounters _counters = new();
    private readonly IngestPipeline _pipeline;
    private readonly RecordingChannel _replies = new();

    public IngestPipelineTests()
    {
        _pipeline = new IngestPipeline(Options.Create(new MqttOptions()), Options.Create(new ClockOptions()),
            Options.Create(new FloodLimits()), Options.Create(new IngestOptions()), _counters, new OsrClock(_time),
            NullLogger<IngestPipeline>.Instance);
    }

    public void Dispose() => _counters.Dispose();

    private static ReadOnlySequence<byte> Payload(long seq) =>
        new(Encoding.UTF8.GetBytes(Readings.Json(seq, Now.AddSeconds(-1), 70)));

    private ValueTask<IngestOutcome> Handle(FakeOwner owner, string deviceId, long seq) =>
        _pipeline.HandleAsync(DeviceTopic.Readings, deviceId, owner.Grain, Payload(seq), _replies);

    [Fact]
    public async Task AnAppliedMessageIsAcceptedOnceTheCallReturnsAndItsArrayCarriesTheNextMessage()
    {
        var owner = new FakeOwner();

        var pending = Handle(owner, "d1", 1);
        pending.IsCompleted.Should().BeFalse("the acknowledgement waits for the owner's call");
        var first = owner.Calls.Single();
        first.Readings.Should().ContainSingle(r => r.Seq == 1);
        first.Complete(default);
        (await pending).Should().Be(IngestOutcome.Accepted);

        var next = Handle(owner, "d1", 2);
        var second = owner.Calls[1];
        second.Readings.Should().BeSameAs(first.Readings, "a returned call gives its batch array back");
        second.Readings.Should().ContainSingle(r => r.Seq == 2);
        second.Complete(default);
        (await next).Should().Be(IngestOutcome.Accepted);
    }

    [Fact]
    public async Task AResultAskedForBeforeTheCallReturnedFailsAndTheWaitStaysOutOfThePool()
    {
        var owner = new FakeOwner();

        var pending = Handle(owner, "d1", 1);
        var early = () => pending.GetAwaiter().GetResult();
        early.Should().Throw<InvalidOperationException>("a pending wait has no result yet");
        var other = Handle(owner, "d2", 1);   // must not be handed the first message's pending wait
        owner.Calls[0].Complete(default);
        owner.Calls[1].Complete(new IngestResult(0, 0, 0, RejectReason.QuotaExceeded));

        (await other).Should().NotBe(IngestOutcome.Accepted, "the second message keeps its own outcome");
    }

    [Fact]
    public async Task AFailedCallIsNotAcknowledgedAndItsArrayIsNotReused()
    {
        var owner = new FakeOwner();

        var pending = Handle(owner, "d1", 1);
        var failed = owner.Calls.Single();
        failed.Fail(new TimeoutException("the grain did not answer in time"));
        var outcome = await pending;

        outcome.Code.Should().Be(MqttPubAckReasonCode.UnspecifiedError);
        outcome.Redeliver.Should().BeTrue();
        var next = Handle(owner, "d1", 2);
        owner.Calls[1].Readings.Should().NotBeSameAs(failed.Readings, "the failed call may still be running in the grain");
        failed.Readings.Should().ContainSingle(r => r.Seq == 1);
        owner.Calls[1].Complete(default);
        (await next).Should().Be(IngestOutcome.Accepted);
    }

    [Fact]
    public async Task ARefusedCallRepliesOnTheErrorsTopicBeforeItsOutcome()
    {
        var owner = new FakeOwner();

        var pending = Handle(owner, "d1", 1);
        owner.Calls.Single().Complete(new IngestResult(0, 0, 0, RejectReason.QuotaExceeded));
        var outcome = await pending;

        outcome.Should().Be(new IngestOutcome(MqttPubAckReasonCode.QuotaExceeded, "quota exceeded", false));
        _replies.Topics.Should().Equal("osr/v1/devices/d1/errors");
        _counters.Total(CounterNames.Rejected(RejectReason.QuotaExceeded)).Should().Be(1);
    }

    [Fact]
    public async Task ACallThatCompletesAtOnceIsAcceptedToo()
    {
        var owner = new FakeOwner { AnswerAtOnce = true };

        (await Handle(owner, "d1", 1)).Should().Be(IngestOutcome.Accepted);
        (await Handle(owner, "d1", 2)).Should().Be(IngestOutcome.Accepted);

        owner.Calls[1].Readings.Should().BeSameAs(owner.Calls[0].Readings);
    }

    [Fact]
    public async Task ManyMessagesInFlightEachGetTheirOwnOutcome()
    {
        var owner = new FakeOwner();
        const int n = 40;
        var pending = Enumerable.Range(0, n).Select(i => Handle(owner, $"d{i}", i).AsTask()).ToList();
        owner.Calls.Should().HaveCount(n);

        // Answered in reverse order, every third refused as a seq jump.
        for (var i = n - 1; i >= 0; i--)
        {
            var call = owner.Calls.Single(c => c.DeviceId == $"d{i}");
            call.Readings.Should().ContainSingle(r => r.Seq == i);
            call.Complete(new IngestResult(0, 0, 0, i % 3 == 0 ? RejectReason.SeqJump : RejectReason.None));
        }
        var outcomes = await Task.WhenAll(pending);

        for (var i = 0; i < n; i++)
            outcomes[i].Code.Should().Be(i % 3 == 0 ? MqttPubAckReasonCode.ImplementationSpecificError : MqttPubAckReasonCode.Success);
        _replies.Topics.Should().HaveCount((n + 2) / 3);
    }

    /// <summary>An owner grain whose <see cref="IUserStateGrain.IngestAsync"/> calls wait until the test answers them.</summary>
    private sealed class FakeOwner
    {
        public FakeOwner()
        {
            Grain = DispatchProxy.Create<IUserStateGrain, OwnerProxy>();
            ((OwnerProxy)(object)Grain).Owner = this;
        }

        public IUserStateGrain Grain { get; }
        public bool AnswerAtOnce { get; init; }
        public List<Call> Calls { get; } = [];

        public sealed class Call(string deviceId, Reading[] readings)
        {
            private readonly TaskCompletionSource<IngestResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
            public string DeviceId => deviceId;
            public Reading[] Readings => readings;
            public Task<IngestResult> Answer => _answer.Task;
            public void Complete(IngestResult result) => _answer.SetResult(result);
            public void Fail(Exception e) => _answer.SetException(e);
        }

        internal object Ingest(string deviceId, Reading[] readings)
        {
            var call = new Call(deviceId, readings);
            lock (Calls) Calls.Add(call);
            if (AnswerAtOnce) call.Complete(default);
            return new ValueTask<IngestResult>(call.Answer);
        }
    }

    public class OwnerProxy : DispatchProxy
    {
        internal object? Owner { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IUserStateGrain.IngestAsync)
                ? ((FakeOwner)Owner!).Ingest((string)args![0]!, (Reading[])args[1]!)
                : throw new NotSupportedException(targetMethod?.Name);
    }

    private sealed class RecordingChannel : IDeviceChannel
    {
        private readonly ConcurrentQueue<string> _topics = new();
        public IReadOnlyList<string> Topics => [.. _topics];
        public bool ReachesAllDevices => false;
        public int ConnectedDevices => 0;
        public string? NotReadyReason => null;

        public Task PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken = default)
        {
            _topics.Enqueue(topic);
            return Task.CompletedTask;
        }

        public Task<int> DisconnectAsync(string clientId, CancellationToken cancellationToken = default) => Task.FromResult(0);
    }
}
