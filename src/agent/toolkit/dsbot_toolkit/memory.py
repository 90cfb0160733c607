"""Giving memory back to the system between phases. Freed memory stays in the process otherwise:
glibc keeps the free pages inside its heap (a chunk's frames leave holes that later, smaller
allocations do not fill), and a forked child counts every page of the kernel it was forked from."""
import gc

_TRIM = []  # [malloc_trim] once looked up; [None] where there is none (not glibc)


def _malloc_trim():
    if not _TRIM:
        fn = None
        try:
            import ctypes
            fn = ctypes.CDLL("libc.so.6").malloc_trim
            fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
        except (OSError, AttributeError):
            fn = None
        _TRIM.append(fn)
    return _TRIM[0]


def trim():
    """Returns the C heap's free pages to the system (glibc's malloc_trim); False when this libc
    cannot. Changes no value: only where freed memory lives."""
    fn = _malloc_trim()
    if fn is None:
        return False
    fn(0)
    return True


def release():
    """Collects unreachable cycles, then trims the C heap (at a phase boundary)."""
    gc.collect()
    return trim()
