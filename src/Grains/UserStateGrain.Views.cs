using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Logging;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Orleans.Streams;

namespace Osr.Orleans.Grains;

/// <summary>
/// What the user's state looks like from outside: the snapshot of <c>user show</c> (<see cref="GetSnapshotAsync"/>) and
/// the live view's stream (<see cref="WatchAsync"/>, <see cref="LiveStreams"/>).
/// </summary>
public sealed partial class UserStateGrain
{
    public async ValueTask<UserSnapshot> GetSnapshotAsync()
    {
        var candidates = await CandidatesAsync(services.Decisions.Candidates);
        var scored = candidates.Length == 0 || _state.State.LastReadingUtcTicks == 0 ? [] : (await ScoreCandidatesAsync(candidates, record: false)).Scored;
        var decisions = await GrainFactory.GetGrain<INotificationThrottleGrain>(UserId).GetDecisionsAsync(10);
        var s = _state.State;
        var asOf = s.LastReadingUtcTicks;
        var estimate = _bank is null || asOf == 0 ? StateEstimate.Unknown(asOf) : _bank.Estimate(asOf);
        var features = asOf == 0
            ? FeatureVector.Unknown
            : FeatureExtractor.Compute(in estimate, s.Profile, _tracker, asOf);

        var featureValues = new FeatureValue[FeatureVector.Count];
        for (var i = 0; i < featureValues.Length; i++) featureValues[i] = new(FeatureVector.Names[i], Known(features[i]));

        var snapshot = new UserSnapshot(
            UserId,
            _tracker.Label.Name(),
            _tracker.Label == ActivityLabel.Unknown ? null : Time(_tracker.LabelSinceUtcTicks),
            EstimateOf(in estimate),
            featureValues,
            RecentReadingViews(),
            [.. s.Devices],
            FilterHealthView(),
            s.Profile.Age,
            s.Profile.TimeZoneId,
            s.Profile.Segment,
            asOf == 0 ? null : Time(asOf),
            s.ReadingsApplied,
            s.CheckpointUtcTicks == 0 ? null : Time(s.CheckpointUtcTicks),
            candidates,
            scored,
            decisions);
        return snapshot;
    }

    public ValueTask<DateTimeOffset> WatchAsync(TimeSpan lease)
    {
        var now = services.Clock.UtcTicks;
        var fresh = !_watch.IsLive(now);
        var until = _watch.Renew(now, lease);
        // A new watcher sees the current state at once rather than after the next reading.
        if (fresh && _watch.TakeSnapshotSlot(now, LiveStreams.UserSnapshotInterval)) PublishWatchEvent(null);
        return ValueTask.FromResult(Time(until));
    }

    /// <summary>
    /// Publishes the state (and <paramref name="decision"/>, if any) to the live view's stream without waiting for it:
    /// a live view must never slow the readings down, and a lost update is followed by the next one.
    /// </summary>
    private void PublishWatchEvent(DecisionView? decision)
    {
        var s = _state.State;
        var asOf = s.LastReadingUtcTicks;
        var estimate = _bank is null || asOf == 0 ? StateEstimate.Unknown(asOf) : _bank.Estimate(asOf);
        var update = new UserWatchEvent(UserId, services.Clock.UtcNow, asOf == 0 ? null : Time(asOf), _tracker.Label.Name(), EstimateOf(in estimate),
            s.ReadingsApplied, decision);
        _watchStream ??= this.GetStreamProvider(LiveStreams.Provider).GetStream<UserWatchEvent>(StreamId.Create(LiveStreams.User, UserId));
        _watchStream.OnNextAsync(update).ContinueWith(
            t => UserLog.WatchPublishFailed(services.Logger, t.Exception!.GetBaseException(), UserId),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private FilterHealth[] FilterHealthView()
    {
        if (_bank is null) return [];
        var channels = Enum.GetValues<FilterChannel>();
        var result = new FilterHealth[channels.Length];
        for (var i = 0; i < channels.Length; i++)
        {
            var st = _bank.Statistics(channels[i]);
            result[i] = new FilterHealth(channels[i].ToString().ToLowerInvariant(), st.Updates, st.Outliers, Known(st.MeanNis));
        }
        return result;
    }

    private ReadingView[] RecentReadingViews()
    {
        if (_recent is null) return [];
        var items = _recent.ToArray();
        var views = new ReadingView[items.Length];
        for (var k = 0; k < items.Length; k++)
        {
            var (deviceIndex, r) = items[items.Length - 1 - k]; // newest first
            var device = deviceIndex < _state.State.Devices.Count ? _state.State.Devices[deviceIndex].DeviceId : "?";
            views[k] = new ReadingView(device, r.Seq, r.Timestamp, Known(r.Hr), Known(r.Speed), Known(r.Cadence),
                Known(r.Acc), Known(r.Lat), Known(r.Lon));
        }
        return views;
    }

    private static double? Known(double v) => double.IsFinite(v) ? v : null;

    private static ChannelView Channel(double value, double std) => new(Known(value), Known(std));

    private static EstimateView EstimateOf(in StateEstimate estimate) => new(
        Channel(estimate.Hr, estimate.HrStd),
        Channel(estimate.Speed, estimate.SpeedStd),
        Channel(estimate.Cadence, estimate.CadenceStd),
        Channel(estimate.Acc, estimate.AccStd),
        new PositionView(Known(estimate.Lat), Known(estimate.Lon), Known(estimate.PositionStdMetres)),
        Known(estimate.HrTrendPerMin));

    private static DateTimeOffset Time(long utcTicks) => new(utcTicks, TimeSpan.Zero);
}
