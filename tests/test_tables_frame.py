"""analysis.tables._frame: text columns built whole (text) equal those built from row values."""

import numpy as np
import pandas as pd

from emgkit.analysis.tables._frame import frame, text


def test_text_column_equals_the_row_values_made_str():
    labels = ["channel", "", 3, None, "L/R"]
    codes = np.array([0, 0, 1, 4, 2, 3, 0])
    cols = ["kind", "value"]
    got = frame({"kind": text(labels, codes), "value": np.arange(7.0)}, cols)
    want = frame({"kind": [labels[k] for k in codes], "value": np.arange(7.0)}, cols)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert [type(v) for v in got["kind"].array] == [str] * 7
    assert len(text(labels, np.empty(0, dtype=np.int64))) == 0


def test_tidy_keeps_str_columns_and_empties_their_missing_values():
    from emgkit.analysis.tables._frame import tidy

    table = pd.DataFrame({"s": pd.Series(["x", None, "y"], dtype="str"), "o": pd.Series(["x", None, 1.5], dtype=object)})
    got = tidy(table)
    assert got["s"].dtype == "str" and got["o"].dtype == "str"
    assert got["s"].tolist() == ["x", "", "y"] and got["o"].tolist() == ["x", "", "1.5"]
