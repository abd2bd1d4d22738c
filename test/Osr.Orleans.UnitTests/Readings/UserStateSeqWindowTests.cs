using Osr.Orleans.Grains;
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
        legacy.SeqSeen = null!; // a payload without field 9, whatever the deserializer leaves there

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
}
