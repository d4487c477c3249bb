"""Regenerate the bundled sample recordings (deterministic): ``python -m emgkit.datasets.make_samples``.

Each sample is a :func:`emgkit.datasets.simulate` call with fixed arguments
and seed, stored as float32 at 1 kHz with :func:`emgkit.write`; the ground
truth travels in the file's metadata.  Running this again rewrites
byte-identical signals.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emgkit.datasets.simulate import simulate

__all__ = ["RECIPES", "make", "main"]

FS = 1000.0

RECIPES = {
    "curls": {
        "description": (
            "Bilateral biceps curl set, 10 repetitions: right biceps 25 % stronger and 60 ms earlier than the left, "
            "triceps co-contracting at 20 %, slight fatigue (left biceps faster), 50 Hz hum and baseline wander."
        ),
        "task": "biceps curls",
        "args": dict(
            fs=FS,
            muscles=("biceps_brachii", "triceps_brachii"),
            sides=("L", "R"),
            n_reps=10,
            burst_s=2.0,
            rest_s=2.0,
            lead_in_s=3.0,
            ramp_s=0.15,
            amplitude_uv={"biceps_brachii": 400.0, "triceps_brachii": 250.0},
            lr_ratio={"biceps_brachii": 1.25, "triceps_brachii": 1.1},
            onset_delay_s={"biceps_brachii": -0.06},
            cocontraction={"triceps_brachii": 0.2},
            level_cv=0.08,
            timing_jitter_s=0.015,
            fatigue={
                "L biceps_brachii": {"mdf_pct_per_min": -12.0, "amplitude_pct_per_min": 8.0},
                "R biceps_brachii": {"mdf_pct_per_min": -6.0, "amplitude_pct_per_min": 4.0},
            },
            snr_db=25.0,
            powerline_hz=50.0,
            powerline_uv=8.0,
            wander_uv=15.0,
            seed=2026,
        ),
    },
    "squats": {
        "description": (
            "Bodyweight squat set, 8 repetitions: rectus femoris and vastus lateralis drive, biceps femoris (30 %) and "
            "semitendinosus (25 %) co-contract; right vastus lateralis 20 % weaker and 80 ms late; 60 Hz hum."
        ),
        "task": "squats",
        "args": dict(
            fs=FS,
            muscles=("rectus_femoris", "vastus_lateralis", "biceps_femoris", "semitendinosus"),
            sides=("L", "R"),
            agonists=("rectus_femoris", "vastus_lateralis"),
            n_reps=8,
            burst_s=2.5,
            rest_s=1.5,
            lead_in_s=2.0,
            ramp_s=0.25,
            amplitude_uv={"rectus_femoris": 250.0, "vastus_lateralis": 350.0, "biceps_femoris": 200.0, "semitendinosus": 180.0},
            lr_ratio={"vastus_lateralis": 0.8, "rectus_femoris": 0.9},
            onset_delay_s={"vastus_lateralis": 0.08},
            onset_lag_s={"biceps_femoris": 0.05, "semitendinosus": 0.05},
            cocontraction={"biceps_femoris": 0.3, "semitendinosus": 0.25},
            level_cv=0.1,
            timing_jitter_s=0.02,
            fatigue={"vastus_lateralis": {"mdf_pct_per_min": -8.0, "amplitude_pct_per_min": 6.0}},
            snr_db=20.0,
            powerline_hz=60.0,
            powerline_uv=5.0,
            powerline_harmonics=(0.0, 0.3),
            wander_uv=20.0,
            seed=2027,
        ),
    },
    "trunk": {
        "description": (
            "Trunk extension holds, 6 repetitions: erector spinae drive, rectus abdominis co-contracts at 25 %; "
            "ECG contamination strongest on the left rectus abdominis; 50 Hz hum, baseline wander, drifting noise floor."
        ),
        "task": "trunk extension",
        "args": dict(
            fs=FS,
            muscles=("erector_spinae", "rectus_abdominis"),
            sides=("L", "R"),
            n_reps=6,
            burst_s=3.0,
            rest_s=2.0,
            lead_in_s=3.0,
            ramp_s=0.3,
            amplitude_uv={"erector_spinae": 200.0, "rectus_abdominis": 150.0},
            lr_ratio={"erector_spinae": 1.05},
            cocontraction={"rectus_abdominis": 0.25},
            level_cv=0.05,
            snr_db=15.0,
            noise_drift=0.3,
            noise_drift_period_s=20.0,
            powerline_hz=50.0,
            powerline_uv=5.0,
            wander_uv=30.0,
            ecg_uv={"L rectus_abdominis": 120.0, "R rectus_abdominis": 70.0, "L erector_spinae": 40.0, "R erector_spinae": 30.0},
            heart_rate_bpm=72.0,
            seed=2028,
        ),
    },
}


def make(name: str):
    """The sample recording ``name`` as a float32 Recording (not written)."""
    recipe = RECIPES[name]
    rec = simulate(dtype="float32", **recipe["args"])
    rec.meta.update({"subject": "simulated", "task": recipe["task"], "description": recipe["description"], "sample": name})
    return rec


def main(argv=None) -> int:
    """Write every sample (or the named ones) to ``--out`` (default: the package's samples folder)."""
    from emgkit.io import write

    parser = argparse.ArgumentParser(prog="python -m emgkit.datasets.make_samples", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"samples to make (default all: {', '.join(RECIPES)})")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "samples", help="output folder")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in RECIPES]
    if unknown:
        parser.error(f"unknown sample(s) {unknown}; choose from {', '.join(RECIPES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or list(RECIPES):
        rec = make(name)
        path = args.out / f"{name}.h5"
        write(rec, path, overwrite=True)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): {rec.n_channels} ch x {rec.duration:g} s at {rec.fs:g} Hz")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
