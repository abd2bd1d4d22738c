using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

public sealed class InteractionMatrixTests
{
    [Fact]
    public void DuplicatesAreSummedAndRowsAndColumnsAreSorted()
    {
        // Oracle: the dense matrix written out by hand.
        //          item 0  1  2  3
        // user 0:       1  0  5  0    (2 + 3 at item 2)
        // user 1:       0  0  0  0
        // user 2:       4  7  0  0.5
        int[] users = [2, 0, 0, 2, 0, 2, 2];
        int[] items = [1, 2, 0, 0, 2, 3, 1];
        float[] w = [3, 2, 1, 4, 3, 0.5f, 4];
        var m = InteractionMatrix.FromTriples(3, 4, users, items, w);

        m.NonZeros.Should().Be(5);
        m.RowIndices(0).ToArray().Should().Equal(0, 2);
        m.RowValues(0).ToArray().Should().Equal(1f, 5f);
        m.RowCount(1).Should().Be(0);
        m.RowIndices(2).ToArray().Should().Equal(0, 1, 3);
        m.RowValues(2).ToArray().Should().Equal(4f, 7f, 0.5f);
        m.ColumnIndices(0).ToArray().Should().Equal(0, 2);
        m.ColumnValues(0).ToArray().Should().Equal(1f, 4f);
        m.ColumnIndices(1).ToArray().Should().Equal(2);
        m.ColumnValues(1).ToArray().Should().Equal(7f);
        m[0, 2].Should().Be(5f);
        m[1, 2].Should().Be(0f);
        m.MaxRowCount.Should().Be(3);
        m.MaxColumnCount.Should().Be(2);
        m.TotalWeight().Should().Be(17.5);
    }

    [Fact]
    public void TransposeSwapsRowsAndColumnsWithoutCopying()
    {
        var m = InteractionMatrix.FromTriples(2, 3, [0, 1, 1], [2, 0, 2], [1f, 2f, 3f]);
        var t = m.Transpose();
        t.Rows.Should().Be(3);
        t.Columns.Should().Be(2);
        t.RowIndices(2).ToArray().Should().Equal(0, 1);
        t.RowValues(2).ToArray().Should().Equal(1f, 3f);
        t.Transpose()[1, 0].Should().Be(2f);
    }

    [Fact]
    public void CscIsTheTransposeOfCsrOnRandomData()
    {
        // Oracle: a dense accumulation of the same triples.
        var rng = new Random(5);
        const int Rows = 40, Columns = 30, Count = 500;
        var r = new int[Count];
        var c = new int[Count];
        var w = new float[Count];
        var dense = new double[Rows, Columns];
        for (var n = 0; n < Count; n++)
        {
            r[n] = rng.Next(Rows);
            c[n] = rng.Next(Columns);
            w[n] = rng.Next(1, 4);
            dense[r[n], c[n]] += w[n];
        }

        var m = InteractionMatrix.FromTriples(Rows, Columns, r, c, w);
        var t = m.Transpose();
        for (var i = 0; i < Rows; i++)
        {
            for (var j = 0; j < Columns; j++)
            {
                m[i, j].Should().Be((float)dense[i, j]);
                t[j, i].Should().Be((float)dense[i, j]);
            }
        }
    }

    [Fact]
    public void InvalidTriplesAreRejected()
    {
        var outOfRange = () => InteractionMatrix.FromTriples(2, 2, [0, 2], [0, 0], [1f, 1f]);
        outOfRange.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Row index 2 at position 1*");
        var negative = () => InteractionMatrix.FromTriples(2, 2, [0], [1], [-1f]);
        negative.Should().Throw<ArgumentOutOfRangeException>();
        var nan = () => InteractionMatrix.FromTriples(2, 2, [0], [1], [float.NaN]);
        nan.Should().Throw<ArgumentOutOfRangeException>();
        var lengths = () => InteractionMatrix.FromTriples(2, 2, [0], [1, 1], [1f]);
        lengths.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void IdMapAssignsDenseIndicesInFirstSeenOrder()
    {
        var map = new IdMap();
        map.GetOrAdd("b").Should().Be(0);
        map.GetOrAdd("a").Should().Be(1);
        map.GetOrAdd("b").Should().Be(0);
        map.IndexOf("a").Should().Be(1);
        map.IndexOf("zz").Should().Be(-1);
        map.Ids.Should().Equal("b", "a");
        var duplicate = () => new IdMap(["x", "x"]);
        duplicate.Should().Throw<ArgumentException>().WithMessage("*Duplicate id 'x'*");
    }
}
