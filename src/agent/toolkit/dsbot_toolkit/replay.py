"""Replay: the host streams every chunk through clean_chunk (no model calls), one cell per chunk,
writing parts/ files; committed chunks' row hashes rebuild the duplicate state on resume. With
`processes` 2 (init_session) a chunk's parts are written by a forked process while the next chunk
is cleaned (replay_fork.py); the results are the same bytes."""
import os

import numpy as np

from . import memory
from .io import write_csv
from .quality import QualityAcc
from .replay_fork import can_fork, replay_chunk_forked, replay_in_kernel, reset
from .replay_stages import part, stage_a
from .safety import check_output_name
from .seen import SeenStore
from .session import check_processes, session


def replay_begin(clean_chunk, committed=(), processes=None):
    """Prepares a replay with `clean_chunk`; `committed` chunk indices are skipped and their saved
    hashes (parts/hashes-NNNNN.npy) restore the cross-chunk duplicate state. `processes` (default:
    the session's) 1 replays in this process only, 2 overlaps writing a chunk with cleaning the next."""
    s = session()
    if not callable(clean_chunk):
        raise TypeError("replay_begin needs the clean_chunk function")
    if processes is not None:
        s.processes = check_processes(processes)
    reset(s)
    if s.profile is None:
        from .profile import profile
        profile()
    os.makedirs(s.parts_dir, exist_ok=True)
    memory.release()  # what the profile and the draft freed, before the replay forks its children
    s.clean_chunk = clean_chunk
    s.quality = QualityAcc(s.profile, getattr(clean_chunk, "recipe", None), s.valid_memo)
    s.seen = SeenStore(lambda: s.parts_dir)
    for i in sorted(set(int(i) for i in committed)):
        path = part("hashes", i, "npy")
        if not os.path.exists(path):
            raise FileNotFoundError("committed chunk %d has no saved hashes (%s)" % (i, os.path.basename(path)))
        with open(path, "rb") as f:
            s.seen[i] = np.load(f)
    return {"chunks": s.profile["chunks"], "committed": sorted(s.seen), "next": _first_missing(sorted(s.seen))}


def _first_missing(done):
    i = 0
    for k in done:
        if k != i:
            break
        i += 1
    return i


def replay_chunk(i):
    """Cleans chunk `i`, validates it, writes its parts (overwriting an earlier attempt) and
    returns {index, rows_in, rows_out, rows_removed, hash, ok, checks, changes_by_rule, ...}."""
    s = session()
    if s.clean_chunk is None:
        raise RuntimeError("call replay_begin(clean_chunk, committed) first")
    i = int(i)
    if s.processes > 1 and can_fork():
        return replay_chunk_forked(i)
    reset(s)
    return replay_in_kernel(s, stage_a(i))


def save_cleaned_dataframe(df, name):
    """Writes `df` as `<name>.csv` in the work dir (a bare name only) and returns the file name."""
    check_output_name(name)
    s = session()
    fname = name if name.endswith(".csv") else name + ".csv"
    path = os.path.join(s.work_dir, fname)
    if os.path.dirname(os.path.abspath(path)) != s.work_dir:
        raise ValueError("save_cleaned_dataframe: %r escapes the work dir" % name)
    write_csv(df, path)
    return fname
