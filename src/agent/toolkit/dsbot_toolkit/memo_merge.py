"""Per-value verdict memos (QualityAcc.memo, the session's valid_memo) learned in a forked process,
taken back by the kernel: {key: (pd.Index of values, verdicts per value) | False}. A memo only
saves work (the verdict of a value never depends on the others), so any merge is correct; this one
keeps every entry's values unique and its size under `cap`."""
import numpy as np


def snapshot(memo):
    """What the memo holds now (entries are replaced, never changed in place)."""
    return dict(memo)


def delta(memo, snap):
    """The entries added or replaced since `snap`."""
    return {k: v for k, v in memo.items() if snap.get(k) is not v}


def merge(memo, changes, cap):
    """Adds another process's `changes` (from delta) to `memo`."""
    for k, theirs in changes.items():
        mine = memo.get(k)
        if mine is None or theirs is False:
            memo[k] = theirs
        elif mine is False:
            continue
        else:
            new = ~theirs[0].isin(mine[0])
            if new.any() and len(mine[0]) + int(new.sum()) <= cap:
                memo[k] = (mine[0].append(theirs[0][new]), np.concatenate([mine[1], theirs[1][new]]))
