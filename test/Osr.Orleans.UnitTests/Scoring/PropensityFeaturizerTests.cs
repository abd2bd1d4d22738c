using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class PropensityFeaturizerTests
{
    private static readonly PropensityFeaturizer Featurizer = new(PlantedReceptivity.Categories);

    [Fact]
    public void DimensionIsAsDocumented()
    {
        // 13 state + 13 missing + 7 labels + K categories + 7K category×label + 4K category×state, K = C + 1.
        Featurizer.CategorySlots.Should().Be(7);
        Featurizer.Dimension.Should().Be(33 + (12 * 7)).And.Be(117);
        new PropensityFeaturizer([]).Dimension.Should().Be(45);
        new PropensityFeaturizer(["a", "b"]).Dimension.Should().Be(45 + 24);
        Featurizer.FeatureNames.Should().HaveCount(Featurizer.Dimension).And.OnlyHaveUniqueItems();
        Featurizer.FeatureNames[0].Should().Be("hr");
        Featurizer.FeatureNames[13].Should().Be("hr.missing");
        Featurizer.FeatureNames[26 + 4].Should().Be("label=post-workout");
        Featurizer.FeatureNames[33].Should().Be("category=drinks");
        Featurizer.FeatureNames[33 + 6].Should().Be("category=(other)");
        Featurizer.FeatureNames[^1].Should().Be("category=(other)×hour.cos");
    }

    [Fact]
    public void EncodesEachBlockWhereDocumented()
    {
        var features = new FeatureVector(120, 0.6, -5, 1.5, 110, 2, 0.4, 30, 20, 18, 3, 2, 10);
        var x = new float[Featurizer.Dimension];
        Featurizer.Encode(new PropensityInput(ActivityLabel.PostWorkout, features, "recipes"), x);

        x[0].Should().BeApproximately((120f - 80) / 40, 1e-6f);         // hr
        x[3].Should().BeApproximately((float)(Math.Log(2.5) - 1), 1e-6f); // speed, ln(1 + v)
        x[6].Should().BeApproximately((0.4f - 0.5f) / 0.5f, 1e-6f);      // intensity
        x.AsSpan(13, 13).ToArray().Should().OnlyContain(v => v == 0);     // nothing missing
        x.AsSpan(26, 7).ToArray().Should().Equal(0, 0, 0, 0, 1, 0, 0);    // post-workout
        var k = 4;                                                        // recipes
        x.AsSpan(33, 7).ToArray().Should().Equal(0, 0, 0, 0, 1, 0, 0);
        x[33 + 7 + (7 * k) + 4].Should().Be(1);                           // recipes × post-workout
        x.AsSpan(33 + 7, 49).ToArray().Sum().Should().Be(1);
        var cross = 33 + 56 + (4 * k);
        x[cross].Should().BeApproximately(0.4f, 1e-6f);                   // intensity
        x[cross + 1].Should().Be(1);                                      // 20 min since workout ≤ 60
        x[cross + 2].Should().BeApproximately((float)Math.Sin(2 * Math.PI * 18 / 24), 1e-6f);
        x[cross + 3].Should().BeApproximately((float)Math.Cos(2 * Math.PI * 18 / 24), 1e-6f);
        x.AsSpan(33 + 56, 28).ToArray().Count(v => v != 0).Should().Be(4); // other categories' terms stay 0
    }

    [Fact]
    public void UnknownFeaturesSetTheMissingIndicatorsAndNoNaN()
    {
        var x = new float[Featurizer.Dimension];
        x.AsSpan().Fill(float.NaN); // stale content is overwritten
        Featurizer.Encode(new PropensityInput(ActivityLabel.Unknown, FeatureVector.Unknown, "drinks"), x);

        x.Should().OnlyContain(v => float.IsFinite(v));
        x.AsSpan(0, 13).ToArray().Should().OnlyContain(v => v == 0);
        x.AsSpan(13, 13).ToArray().Should().OnlyContain(v => v == 1);
        x.AsSpan(33 + 56, 4).ToArray().Should().OnlyContain(v => v == 0); // drinks × (intensity, recovery, sin, cos)
    }

    [Fact]
    public void OutOfRangeValuesAreClipped()
    {
        var features = new FeatureVector(double.PositiveInfinity, 9, -1e9, 1e6, 1e6, double.NegativeInfinity, 99, 1e9, -5, double.PositiveInfinity, 99, 1e9, 1e9);
        var x = new float[Featurizer.Dimension];
        Featurizer.Encode(new PropensityInput((ActivityLabel)200, features, "gear"), x);

        x.Should().OnlyContain(v => float.IsFinite(v));
        x[0].Should().Be((220f - 80) / 40);
        x[2].Should().Be(-3);
        x.AsSpan(26, 7).ToArray().Should().Equal(1, 0, 0, 0, 0, 0, 0); // an unknown label value → Unknown
    }

    [Fact]
    public void UnknownCategoryUsesTheOtherSlot()
    {
        var x = new float[Featurizer.Dimension];
        Featurizer.SlotOf("sleep").Should().Be(6);
        Featurizer.SlotOf(null).Should().Be(6);
        Featurizer.SlotOf("Drinks").Should().Be(6, "categories match ordinally");
        Featurizer.Encode(new PropensityInput(ActivityLabel.Rest, FeatureVector.Unknown, "sleep"), x);

        x.AsSpan(33, 7).ToArray().Should().Equal(0, 0, 0, 0, 0, 0, 1);
        x[33 + 7 + (7 * 6) + 1].Should().Be(1);
    }

    [Fact]
    public void EncodeDoesNotAllocate()
    {
        var x = new float[Featurizer.Dimension];
        var input = new PropensityInput(ActivityLabel.Workout, new FeatureVector(150, 0.8, 2, 3, 165, 8, 0.9, 20, 0, 7, 1, 2, 10), "posts");
        for (var i = 0; i < 100; i++)
        {
            Featurizer.Encode(input, x);
        }

        Allocations.Least(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                Featurizer.Encode(input, x);
            }
        }).Should().Be(0);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        FluentActions.Invoking(() => new PropensityFeaturizer(["a", "a"])).Should().Throw<ArgumentException>().WithMessage("*'a' appears twice*");
        FluentActions.Invoking(() => new PropensityFeaturizer(["a", " "])).Should().Throw<ArgumentException>().WithMessage("*Category 1 is empty*");
        FluentActions.Invoking(() => Featurizer.Encode(default, new float[10])).Should().Throw<ArgumentException>().WithMessage("*117*");
    }
}
