using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Readings;

/// <summary>The seq window as the user's checkpoint holds it (UserState.LastSeq + SeqSeen), including state stored before SeqSeen existed.</summary>
public class UserStateSeqWindowTests
{
    [Fact]
    public void ADeviceWithoutAPositionHasAnEmptyWindow()
    {
        new UserState().SeqWindowOf("d").Should().Be(SeqWindow.Empty);
    }

    [Fact]
    public void StateStoredBeforeTheBitmapsExistedLoadsAsTheOldHighWaterMark()
    {
        var legacy = new UserState { LastSeq = new(StringComparer.Ordinal) { ["d"] = 40 } };
        legacy.SeqSeen = null; // a payload without field 9

        var window = legacy.SeqWindowOf("d");

        window.Should().Be(SeqWindow.FromLegacy(40));
        window.Check(39).Should().Be(SeqVerdict.Duplicate, "the old rule: seq ≤ last is a duplicate");
        window.Check(41).Should().Be(SeqVerdict.Fresh);
        new UserState { LastSeq = new(StringComparer.Ordinal) { ["d"] = 40 } }.SeqWindowOf("d").Should().Be(SeqWindow.FromLegacy(40));
    }

    [Fact]
    public void StoredBitmapIsUsedWhenPresent()
    {
        var state = new UserState
        {
            LastSeq = new(StringComparer.Ordinal) { ["d"] = 40 },
            SeqSeen = new(StringComparer.Ordinal) { ["d"] = 0b101 },
        };

        state.SeqWindowOf("d").Check(39).Should().Be(SeqVerdict.Fresh);
        state.SeqWindowOf("d").Check(38).Should().Be(SeqVerdict.Duplicate);
    }

    [Fact]
    public void TakenWindowsFollowTheDeviceOrderAndLetTheDictionariesGo()
    {
        var state = new UserState
        {
            Devices = [new DeviceRef("w", "watch"), new DeviceRef("p", "phone"), new DeviceRef("new", "watch")],
            LastSeq = new(StringComparer.Ordinal) { ["p"] = 12, ["w"] = 40, ["gone"] = 7 },
            SeqSeen = new(StringComparer.Ordinal) { ["w"] = 0b101 },
        };

        var windows = state.TakeSeqWindows();

        windows.Should().Equal(new SeqWindow(40, 0b101), SeqWindow.FromLegacy(12), SeqWindow.Empty);
        state.LastSeq.Should().BeNull();
        state.SeqSeen.Should().BeNull();
    }

    [Fact]
    public void PutWindowsRoundTripAndLeaveOutDevicesThatSentNothing()
    {
        var state = new UserState { Devices = [new DeviceRef("w", "watch"), new DeviceRef("p", "phone"), new DeviceRef("x", "watch")] };

        state.PutSeqWindows([SeqWindow.Empty.Mark(5).Mark(3), SeqWindow.Empty]);

        state.LastSeq.Should().Equal(new Dictionary<string, long> { ["w"] = 5 });
        state.SeqSeen.Should().Equal(new Dictionary<string, ulong> { ["w"] = SeqWindow.Empty.Mark(5).Mark(3).Seen });
        state.TakeSeqWindows().Should().Equal(SeqWindow.Empty.Mark(5).Mark(3), SeqWindow.Empty, SeqWindow.Empty);
    }
}
