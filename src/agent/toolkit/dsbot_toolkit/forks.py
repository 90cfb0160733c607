"""What a forked helper of the kernel needs: it dies with the kernel, sends its report through a
pipe, and is killed and reaped on every path (a stopped run leaves no process behind)."""
import os
import signal


def die_with_parent(parent):
    """In the child: killed when the kernel (pid `parent`) dies (a stop, a timeout, the OOM killer)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    if os.getppid() != parent:  # the kernel died before prctl took effect
        os._exit(1)


def write_all(fd, data):
    """In the child: writes `data` to the pipe and closes it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


def collect(pid, rfd):
    """Reads the child's report to EOF, then reaps it: (exit code, bytes read). The caller closes `rfd`."""
    chunks = []
    while True:
        b = os.read(rfd, 1 << 16)
        if not b:
            break
        chunks.append(b)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks)


def kill(pid):
    """Kills and reaps a child."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
