"""Issue #14: a report a physiotherapist reads in one minute, checked in real headless Chromium.

The title names the recording; no horizontal scrollbar at 1280 px; no snake_case muscle name in the text a
reader sees (channel names are file text and are shown as they are); the body map's legend tells "no partner"
from "pair not comparable"; every channel is in the bursts chart or listed under it with the reason.  Run on the
bundled sample, synthetic recordings with known gaps, and real files from ../shared/data (C3D gait, UCI
physical-action text).
"""

import html
import re

import numpy as np
import pytest
from conftest import SHARED_DATA
import test_report
from test_report import draw_all, open_report

import emgkit
from emgkit import Channel, cli
from emgkit.analysis import analyze
from emgkit.channels import known_muscles
from emgkit.figures._style import channel_labels, muscle_words
from emgkit._text import GLOSSARY
from emgkit.report_html import _normalization_words, _recording_title, report

browser = test_report.browser  # the headless Chromium fixture of test_report (module scope)
WIDTH = 1280
SNAKE_MUSCLES = [m for m in known_muscles() if "_" in m]
C3D = SHARED_DATA / "c3d_bilateral_gait" / "Gait.c3d"
KNEEING = SHARED_DATA / "uci_physical_action" / "sub01" / "Aggressive" / "txt" / "Kneeing.txt"


def needs(path):
    if not path.is_file():
        pytest.skip(f"real recording not available: {path} is missing (clone ../shared beside the repository)")
    return path


def cli_report(path, out, *extra):
    """``emgkit report FILE --out OUT`` in process; returns (report path, Analysis)."""
    assert cli.main(["report", str(path), "--out", str(out), "--quiet", *extra]) == 0
    return out / "report.html", emgkit.load_analysis(out)


def open_at_1280(browser, path, name):
    page, events = open_report(browser, path, name)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    draw_all(page, name)
    return page, events


def visible_text(page) -> str:
    """Text a reader sees or hovers: the page's text, every SVG text of the figures, and the figures' hover texts."""
    return page.evaluate("""() => {
        const svg = Array.from(document.querySelectorAll('svg text')).map(t => t.textContent);
        const hover = Array.from(document.querySelectorAll('script[type="application/json"]'))
            .flatMap(s => JSON.parse(s.textContent).data)
            .flatMap(t => [].concat(t.hovertext || [], t.text || [], t.name || [], t.hovertemplate || []));
        return [document.body.innerText, ...svg, ...hover].join('\\n');
    }""")


def check_report(page, analysis, file_name):
    """The issue's checks on one opened report; returns the body-map legend entries."""
    assert file_name in page.title(), page.title()
    assert file_name in page.locator("header h1").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"horizontal scrollbar: the page is {width} px wide at a {WIDTH} px window"
    text = visible_text(page)
    for name in sorted(analysis.channels["channel"], key=len, reverse=True):
        text = text.replace(name, " ")  # file text, shown as it is
    snake = sorted({m for m in SNAKE_MUSCLES if m in text})
    assert not snake, f"snake_case muscle names in the visible text: {snake}"
    methods = page.locator("#methods dl").inner_text()
    assert "{'" not in methods and "['" not in methods, "a Python dict or list in the methods section"
    ticks = set(page.eval_on_selector_all("#fig-timing-0 .ytick text", "els => els.map(e => e.textContent)"))
    left_out = page.locator("#bursts-left-out li").all_inner_texts() if page.locator("#bursts-left-out").count() else []
    labels = channel_labels(analysis.channels)
    for r in analysis.channels.itertuples(index=False):
        listed = [t for t in left_out if t.startswith(r.channel)]
        assert labels[r.channel] in ticks or listed, f"channel {r.channel!r} is neither in the bursts chart nor listed"
        if listed:
            assert ": " in listed[0] and listed[0].split(": ", 1)[1].strip(), f"no reason given: {listed[0]!r}"
        if labels[r.channel] in ticks:
            assert r.role == "emg" and r.n_bursts > 0, f"{r.channel} drawn without bursts"
    sizes = page.locator("#findings-table tbody tr td:nth-child(4)").all_inner_texts()
    signed = [t for t in sizes if t.strip()[:1] in ("-", "−", "+")]
    assert not signed, f"a signed copy of a finding's value beside its sentence (issue #13): {signed}"
    return page.eval_on_selector_all("#fig-bodymap-0 .legend .traces text", "els => els.map(e => e.textContent)")


# -- pieces, without a browser -------------------------------------------------------------------------------------
def test_plain_muscle_words_and_unique_labels():
    import pandas as pd

    assert muscle_words("biceps_brachii", "L") == "left biceps brachii"
    assert muscle_words("rectus_femoris", "") == "rectus femoris"
    assert muscle_words(None, "R") == "" and muscle_words("", "L") == ""
    ch = pd.DataFrame({"channel": ["L bic", "L bic 2", "EMG3"], "muscle": ["biceps_brachii", "biceps_brachii", ""],
                       "side": ["L", "L", ""]})
    assert channel_labels(ch) == {"L bic": "left biceps brachii (L bic)", "L bic 2": "left biceps brachii (L bic 2)",
                                  "EMG3": "EMG3"}


def test_raw_browser_titles_name_the_muscle_then_the_channel():
    import pandas as pd

    from emgkit.report_html import _named

    ch = pd.DataFrame({"channel": ["a", "b", "EMG3", "c"], "muscle": ["biceps_brachii", "biceps_brachii", "", "deltoid_medial"],
                       "side": ["L", "L", "", "R"]})
    assert _named(["a", "b", "EMG3", "c"], ch) == ["left biceps brachii (a)", "left biceps brachii (b)", "EMG3",
                                                   "right deltoid medial (c)"]


def test_missing_text_cells_read_as_unknown():
    """Channels tables whose empty text cells came back as NaN (e.g. read from CSV): unknown, never 'nan'."""
    import pandas as pd

    from emgkit.report_html import _bursts_left_out, _unmapped

    ch = pd.DataFrame({"channel": ["EMG1", "L bic"], "muscle": [np.nan, "biceps_brachii"], "side": [np.nan, "L"],
                       "role": ["emg", "emg"], "kind": ["emg", "emg"], "n_bursts": [0, np.nan],
                       "activation_reason": [np.nan, np.nan]})
    assert "EMG1 (no muscle or side)" in _unmapped(ch) and "L bic (" not in _unmapped(ch)
    listed = _bursts_left_out(ch)
    assert "nan" not in listed and "EMG1: no bursts: no activity above the rest level" in listed
    assert "L bic (left biceps brachii): no bursts" in listed


def test_cocontraction_curves_on_the_agonists_reference():
    """Without an MVC the indices divide both muscles by the agonist's task peak: the figure draws them so, i.e. the
    antagonist's ensemble (in % of its own peak) times reference(antagonist) / reference(agonist)."""
    from emgkit.figures.cocontraction import cocontraction_overlays

    a = analyze(emgkit.datasets.load("curls"))
    aa = a.agonist_antagonist
    assert "agonist" in aa["unit"].iloc[0]  # the premise: no MVC, one common reference
    fig = cocontraction_overlays(a.ensembles, aa, channels=a.channels)
    ref = dict(zip(a.channels["channel"], a.channels["reference"]))
    drawn = [t for t in fig.data if t.name == "antagonist"]
    assert len(drawn) == len(aa)
    for row, trace in zip(aa.itertuples(index=False), drawn):
        own = a.ensembles[a.ensembles["channel"] == row.antagonist].sort_values("pct")["mean"].to_numpy()
        np.testing.assert_allclose(trace.y, own * ref[row.antagonist] / ref[row.agonist], rtol=1e-12)
        assert trace.y.max() < 50  # the curls' triceps is about a tenth of the biceps, not scaled up to 100 %
    plain = cocontraction_overlays(a.ensembles, aa)  # without the channels: each on its own reference
    assert max(t.y.max() for t in plain.data if t.name == "antagonist") == pytest.approx(100.0)


def test_left_right_curves_in_the_amplitudes_the_symmetry_index_compares():
    """Ensembles are each in % of their own task peak (both sides peak at 100 %); the figure multiplies them back by
    the channel's reference, so the right biceps of the curls sample (about 24 % more activity) is drawn larger."""
    from emgkit.figures.symmetry import mirrored_envelopes

    a = analyze(emgkit.datasets.load("curls"))
    assert set(a.ensembles["unit"]) == {"%peak"}  # the premise: task-referenced ensembles
    fig = mirrored_envelopes(a.ensembles, channels=a.channels)
    ref = dict(zip(a.channels["channel"], a.channels["reference"]))
    lines = {t.name.split("(")[1].split(",")[0]: t for t in fig.data if t.name}  # "Right (R biceps_brachii, n=10)"
    for ch, trace in lines.items():
        own = a.ensembles[a.ensembles["channel"] == ch].sort_values("pct")["mean"].to_numpy()
        sign = 1.0 if ch.startswith("R") else -1.0
        np.testing.assert_allclose(trace.y, sign * own * ref[ch] / 100.0, rtol=1e-12)
    right, left = lines["R biceps_brachii"].y.mean(), -lines["L biceps_brachii"].y.mean()
    si = a.bilateral.query("muscle == 'biceps_brachii' and metric == 'mean'")["symmetry_index"].iloc[0]
    assert right > left and 100 * (right - left) / ((right + left) / 2) == pytest.approx(si, abs=1.0)  # 21.2 vs 21.1 %


def test_withheld_cocontraction_says_not_measured():
    from emgkit.figures.cocontraction import cci_bars, cocontraction_overlays

    rec = emgkit.datasets.simulate(duration_s=30, fs=1000, seed=7)
    rec.data[[1, 3]] = np.random.default_rng(3).normal(0, 1e-6, (2, rec.n_samples))  # both triceps at the noise floor
    a = analyze(rec)
    assert not np.isfinite(a.agonist_antagonist["cci_falconer"]).any()  # the premise: withheld
    overlays = cocontraction_overlays(a.ensembles, a.agonist_antagonist, channels=a.channels)
    titles = [x.text for x in overlays.layout.annotations]
    assert sum("not measured" in t for t in titles) == 2
    assert sum("noise floor" in t for t in titles) == 2 and not [t for t in overlays.data if t.name == "agonist"]
    bars = cci_bars(a.agonist_antagonist)
    assert "No co-contraction index could be measured" in bars.layout.annotations[0].text


def test_title_names_file_subject_task_and_trial():
    meta = {"subject": "sub01", "task": "walk", "trial": 3, "source": {"format": "c3d", "file": "Gait.c3d"}}
    assert _recording_title(meta, None) == "Gait.c3d · subject sub01 · walk · trial 3"
    assert _recording_title({"file": "Walking.txt", "action": "Walking"}, "/data/x/Walking.txt") == "Walking.txt · Walking"
    assert _recording_title({}, None) == ""


def test_normalization_in_words():
    text = _normalization_words({"amplitude": "raw", "amplitude_unit": "V", "cocontraction": "peak",
                                 "cocontraction_unit": "%peak"})
    assert "not normalized (in V)" in text and "{" not in text
    assert "maximum voluntary contraction" in _normalization_words({"amplitude": "mvc", "cocontraction": "mvc"})


def test_file_metadata_in_words():
    from emgkit.report_html import MAX_META_ITEMS, _plain

    assert _plain({"format": "c3d", "rate": 100.0, "range": {"LREC": [-1.0002442598342896, 0.99975]}}) == \
        "format: c3d; rate: 100; range: (LREC: (-1.00024, 0.99975))"
    assert _plain(list(range(MAX_META_ITEMS + 5))).endswith(f"{MAX_META_ITEMS - 1}, ... (5 more)")


def test_each_term_is_explained_once_at_first_use(tmp_path):
    rec = emgkit.datasets.load("curls")
    page = report(analyze(rec), tmp_path / "r.html").read_text(encoding="utf-8")
    abbrs = re.findall(r"<abbr title='([^']*)'>([^<]*)</abbr>", page)
    titles = [t for t, _ in abbrs]
    assert len(titles) == len(set(titles)), "a term explained twice"
    assert set(titles) <= {html.escape(text, quote=True) for text in GLOSSARY.values()}
    assert any(w == "symmetry index" for _, w in abbrs)  # the curls sentence says "symmetry index +21.1 %"
    assert page.count("id='glossary'") == 1
    main = page[page.index("<main>"):page.index("</main>")]
    main = re.sub(r"<script.*?</script>|<details.*?</details>", " ", main, flags=re.S)  # figures' JSON, the Terms list
    text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<abbr [^>]*>", "\x01", main)))
    for _, word in abbrs:
        term = next(t for t in GLOSSARY if t.lower() == html.unescape(word).lower())
        flags = 0 if term.isupper() or term[:1].isupper() else re.IGNORECASE
        first = re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", text, flags)
        assert text[first.start() - 1] == "\x01", f"{term!r} is explained after its first use: {text[first.start() - 60:first.end()]!r}"


# -- in the browser ----------------------------------------------------------------------------------------------------
def test_bundled_sample_from_the_command_line(browser, tmp_path):
    path, analysis = cli_report("sample:curls", tmp_path / "out")
    page, events = open_at_1280(browser, path, "polish-curls")
    legend = check_report(page, analysis, "curls.h5")
    assert legend == [], f"every muscle is paired and compared: no grey legend entry expected, got {legend}"
    assert events["console_errors"] == [] and events["dialogs"] == []
    page.close()


def test_gaps_are_named_on_the_body_map_and_under_the_bursts_chart(browser, tmp_path):
    """A pair with no activity (not comparable), a muscle on one side only (no partner), a channel with no muscle
    name and a trigger: each is said, the legend has both greys, the bursts chart lists what it leaves out."""
    rec = emgkit.datasets.simulate(duration_s=30, fs=1000, seed=7)
    rng = np.random.default_rng(3)
    silent = rng.normal(0, 1e-6, (2, rec.n_samples))
    one_side = rec.data[2:3] * 0.8
    unnamed = rec.data[0:1] * 1.1
    trigger = np.where((np.arange(rec.n_samples) // 2000) % 2 == 0, 0.0, 5.0)[None]
    data = np.vstack([rec.data[[0, 2]], silent, one_side, unnamed, trigger])
    chans = [Channel("L biceps_brachii", muscle="biceps_brachii", side="L"),
             Channel("R biceps_brachii", muscle="biceps_brachii", side="R"),
             Channel("L triceps_brachii", muscle="triceps_brachii", side="L"),
             Channel("R triceps_brachii", muscle="triceps_brachii", side="R"),
             Channel("R deltoid_medial", muscle="deltoid_medial", side="R"),
             Channel("EMG7"), Channel("Sync", kind="trigger")]
    rec = emgkit.Recording(data, rec.fs, chans, unit=rec.unit, meta={"subject": "S9", "task": "curls"})
    analysis = analyze(rec)
    path = report(analysis, tmp_path / "gaps.html", source="/lab/S9/curls_03.h5")
    page, events = open_at_1280(browser, path, "polish-gaps")
    legend = check_report(page, analysis, "curls_03.h5")
    assert "subject S9" in page.title()
    assert any(t.startswith("no left/right partner") for t in legend), legend
    assert any(t.startswith("pair not comparable") for t in legend), legend
    missing = page.locator("#bodymap-missing").inner_text()
    assert "EMG7 (no muscle or side)" in missing and "--channel" in missing and "--map" in missing
    left_out = page.locator("#bursts-left-out").inner_text()
    assert "Sync" in left_out and "left out" in left_out
    assert "L triceps_brachii (left triceps brachii): no bursts: " in left_out
    assert events["console_errors"] == [] and events["dialogs"] == []
    page.close()


def test_channels_without_muscle_or_side_say_how_to_map_them(browser, tmp_path):
    """Generic channel names (EMG1-EMG4): nothing to place on the map; the page says which channels and how to name them."""
    rec = emgkit.datasets.simulate(duration_s=20, fs=1000, seed=4)
    rec = emgkit.Recording(rec.data, rec.fs, [f"EMG{k}" for k in range(1, 5)], unit=rec.unit)
    analysis = analyze(rec)
    assert not analysis.channels["muscle"].astype(bool).any()  # the premise: no muscle recognised
    path = report(analysis, tmp_path / "generic.html", source="generic.csv")
    page, events = open_at_1280(browser, path, "polish-generic")
    assert check_report(page, analysis, "generic.csv") == []
    missing = page.locator("#bodymap-missing").inner_text()
    assert "4 EMG channels" in missing and all(f"EMG{k} (no muscle or side)" in missing for k in range(1, 5))
    assert "No recorded muscle has both a known muscle and side" in page.locator("#fig-bodymap-0").inner_text()
    assert events["console_errors"] == [] and events["dialogs"] == []
    page.close()


def test_real_c3d_gait_report(browser, tmp_path):
    """Gait.c3d (Motion Analysis, 16 EMG channels, both legs; ../shared/data/c3d_bilateral_gait/SOURCE.md)."""
    path, analysis = cli_report(needs(C3D), tmp_path / "out")
    page, events = open_at_1280(browser, path, "polish-gait-c3d")
    check_report(page, analysis, "Gait.c3d")
    assert events["console_errors"] == [] and events["dialogs"] == []
    page.close()


def test_real_physical_action_text_report(browser, tmp_path):
    """UCI physical action sub01 Kneeing: leg channels clip in vigorous actions (SOURCE.md), so at least one
    left/right pair is expected to be not comparable and named so in the body map's legend."""
    path, analysis = cli_report(needs(KNEEING), tmp_path / "out", "--fs", "1000")
    page, events = open_at_1280(browser, path, "polish-kneeing")
    legend = check_report(page, analysis, "Kneeing.txt")
    assert any(t.startswith("pair not comparable") for t in legend), legend
    assert "Kneeing" in page.title() and "sub01" in page.title()
    assert events["console_errors"] == [] and events["dialogs"] == []
    page.close()
