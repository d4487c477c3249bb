"""Import path kept for :func:`emgkit.analysis.analyze_file` and its settings (the streaming analysis is one code path
with the in-memory one, in :mod:`emgkit.analysis.pipeline`)."""

from .analysis.pipeline import DEFAULT_CHUNK_S, STREAM_ABOVE_SAMPLES, STREAM_MODES, analyze_file, wants_streaming

__all__ = ["analyze_file", "wants_streaming", "DEFAULT_CHUNK_S", "STREAM_ABOVE_SAMPLES", "STREAM_MODES"]
