"""dsbot cleaning toolkit, loaded in the sandbox kernel with `from dsbot_toolkit import *`.

See README.md next to this package for the API. Runs on pandas 1.5 and 2.x, numpy, matplotlib."""
from .io import InputFileError
from .session import init_session, load_sample, load_chunk, iter_chunks
from .profile import profile, profile_summary
from .recipe import suggest_recipe
from .repair import make_clean_chunk, recipe_source, apply_recipe
from .context import ChunkContext, sample_context
from .validate import validate_cleaning_results
from .replay import replay_begin, replay_chunk, save_cleaned_dataframe
from .finalize import finalize
from .safety import schema_fingerprint, neutralise_frame
from .score import score_cells
from .oneshot import clean_oneshot
from .examples import ExamplesError, draw_labels, learned_notes, load_examples

__all__ = [
    "InputFileError", "init_session", "load_sample", "load_chunk", "iter_chunks", "profile", "profile_summary",
    "suggest_recipe", "make_clean_chunk", "recipe_source", "apply_recipe", "ChunkContext", "sample_context",
    "validate_cleaning_results", "replay_begin", "replay_chunk", "save_cleaned_dataframe", "finalize",
    "schema_fingerprint", "neutralise_frame", "score_cells", "clean_oneshot",
    "ExamplesError", "load_examples", "learned_notes", "draw_labels",
]
