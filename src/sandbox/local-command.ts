/**
 * The command line that starts the kernel in the local sandbox: bubblewrap around
 * (setpriv when the host runs as root, then) prlimit around Python. Pure: easy to read and test.
 */

/** What the command needs. */
export interface LocalCommandSpec {
  /** bwrap executable. */
  bwrap: string;
  /** Python with pandas (e.g. /usr/bin/python3). */
  python: string;
  /** Kernel program on the host. */
  kernelPath: string;
  /** Host work dir (becomes /sandbox, the only writable place). */
  workDir: string;
  /** Read-only inputs: host path → name under /data. */
  inputs: { hostPath: string; name: string }[];
  /** Python packages: host dir → name under /app/lib. */
  pythonPackages: { hostDir: string; name: string }[];
  /** Resource limits applied with prlimit, and the size of /tmp (MiB, default TMP_SIZE_MB). */
  limits: { cpuSeconds: number; memoryMb: number; maxProcesses: number; maxFileMb: number; tmpMb?: number };
  /** When the host runs as root: the unprivileged uid/gid the kernel runs as (root ignores RLIMIT_NPROC). */
  runAs?: { uid: number; gid: number };
  /** The fd (in bwrap) from which bwrap reads the seccomp filter (seccomp.ts); none: no filter. */
  seccompFd?: number;
}

/** Paths inside the isolated sandbox. */
export const SANDBOX_PATHS = { work: '/sandbox', data: '/data', lib: '/app/lib', kernel: '/app/kernel.py' } as const;

/** Default size of the sandbox's private /tmp (tmpfs), MiB (`sandbox.local.tmpMb`). */
export const TMP_SIZE_MB = 256;

/** Environment of the kernel (everything else is cleared). */
export function kernelEnv(home: string): Record<string, string> {
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    MPLBACKEND: 'Agg',
    MPLCONFIGDIR: '/tmp/matplotlib',
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
  };
}

/** prlimit arguments (bytes for address space and file size). */
export function prlimitArgs(limits: LocalCommandSpec['limits']): string[] {
  const mib = 1024 * 1024;
  return [
    `--cpu=${limits.cpuSeconds}`,
    `--as=${limits.memoryMb * mib}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileMb * mib}`,
  ];
}

/** argv of the isolated kernel: bwrap [namespaces, mounts, env] [setpriv] prlimit python -I /app/kernel.py. */
export function bwrapArgv(spec: LocalCommandSpec): string[] {
  const a: string[] = [spec.bwrap];
  if (spec.runAs) {
    // As root, stay in the initial user namespace (so bwrap can read any bind source) and let
    // setpriv drop to an unprivileged uid with no capabilities at all before Python starts.
    // No user namespace here, so no --disable-userns: the seccomp filter keeps the kernel out of new ones.
    a.push('--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try');
  } else {
    // bwrap makes the user namespace; --disable-userns forbids nested ones (so does the seccomp filter).
    a.push('--unshare-all', '--unshare-user', '--disable-userns');
  }
  if (spec.seccompFd !== undefined) a.push('--seccomp', String(spec.seccompFd));
  // fd 3 receives {"child-pid": N}: the host kills that PID-namespace init so the outer bwrap
  // reaps it (killing the outer one first would orphan the inner one as a zombie of PID 1).
  a.push('--die-with-parent', '--new-session', '--info-fd', '3');
  a.push('--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin');
  // Directories bwrap creates implicitly are 0700: create them explicitly (the kernel may run as another uid).
  a.push('--dir', '/etc', '--ro-bind-try', '/etc/alternatives', '/etc/alternatives');
  // Debian's matplotlib keeps its matplotlibrc in /etc (mpl-data links to it).
  a.push('--ro-bind-try', '/etc/matplotlibrc', '/etc/matplotlibrc');
  // /tmp is RAM: cap it (a cell filling it with many small files would otherwise eat host memory).
  // World-writable and sticky: the kernel may run as another uid than the one that mounts it.
  const tmpBytes = (spec.limits.tmpMb ?? TMP_SIZE_MB) * 1024 * 1024;
  a.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--size', String(tmpBytes), '--tmpfs', '/tmp');
  a.push('--bind', spec.workDir, SANDBOX_PATHS.work);
  a.push('--dir', SANDBOX_PATHS.data);
  for (const f of spec.inputs) a.push('--ro-bind', f.hostPath, `${SANDBOX_PATHS.data}/${f.name}`);
  a.push('--dir', '/app', '--ro-bind', spec.kernelPath, SANDBOX_PATHS.kernel);
  a.push('--dir', SANDBOX_PATHS.lib);
  for (const p of spec.pythonPackages) a.push('--ro-bind', p.hostDir, `${SANDBOX_PATHS.lib}/${p.name}`);
  a.push('--chdir', SANDBOX_PATHS.work, '--clearenv');
  for (const [k, v] of Object.entries(kernelEnv(SANDBOX_PATHS.work))) a.push('--setenv', k, v);
  if (spec.runAs) {
    a.push('--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP');
    a.push('/usr/bin/setpriv', `--reuid=${spec.runAs.uid}`, `--regid=${spec.runAs.gid}`, '--clear-groups');
    a.push('--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', '--');
  } else {
    a.push('--cap-drop', 'ALL');
  }
  a.push('/usr/bin/prlimit', ...prlimitArgs(spec.limits), '--', spec.python, '-I', SANDBOX_PATHS.kernel);
  return a;
}

/** argv of the unisolated kernel (no bwrap): limits only. */
export function unisolatedArgv(spec: Pick<LocalCommandSpec, 'python' | 'kernelPath' | 'limits'>): string[] {
  return ['prlimit', ...prlimitArgs(spec.limits), '--', spec.python, '-I', spec.kernelPath];
}
