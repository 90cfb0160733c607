/**
 * Issue 12 item 5: inside the local sandbox, no user namespace can be created (in one the kernel
 * would hold every capability), and /tmp is writable but small. Both ways the host can run:
 * as root (the kernel drops to a random uid) and as an unprivileged user (bwrap makes the user
 * namespace itself; covered by running bwrap as `nobody` when the test runs as root).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxSchema } from '../../src/config/schema.js';
import { LocalSandbox, type LocalSandboxOptions } from '../../src/sandbox/local.js';

const isRoot = process.getuid?.() === 0;

/** Tries every way to a new user namespace, then checks ordinary threads, forks and processes still work. */
const PROBE = String.raw`
import ctypes, errno, json, os, platform, struct, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
CLONE_NEWUSER, CLONE_NEWUTS, SIGCHLD = 0x10000000, 0x04000000, 17
NR = {"x86_64": {"clone": 56, "clone3": 435}, "aarch64": {"clone": 220, "clone3": 435}}[platform.machine()]
def outcome(rc):
    return "ok" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
def reap(pid):
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    return pid
res = {}
res["clone"] = outcome(reap(libc.syscall(NR["clone"], CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)))
args = ctypes.create_string_buffer(struct.pack("QQQQQQQQ", CLONE_NEWUSER, 0, 0, 0, SIGCHLD, 0, 0, 0))
res["clone3"] = outcome(reap(libc.syscall(NR["clone3"], args, 64)))
res["unshare_cmd"] = subprocess.run(["/usr/bin/unshare", "--user", "--map-root-user", "/usr/bin/true"], capture_output=True).returncode
t = threading.Thread(target=lambda: res.setdefault("thread", "ok"))
t.start()
t.join()
res["fork"] = "ok" if reap(os.fork()) > 0 else "?"
res["subprocess"] = subprocess.run(["/usr/bin/echo", "hi"], capture_output=True, text=True).stdout.strip()
rc = libc.unshare(CLONE_NEWUSER)
res["unshare"] = outcome(rc)
if rc == 0:  # what the namespace gives: every capability, e.g. its own hostname
    res["sethostname"] = outcome(libc.unshare(CLONE_NEWUTS) or libc.sethostname(b"pwned", 5))
print(json.dumps(res))
`;

const hosts: { name: string; options: LocalSandboxOptions; run: boolean }[] = [
  { name: 'host as root (kernel on a random uid)', options: {}, run: isRoot },
  { name: 'unprivileged host (bwrap run as nobody)', options: { spawnAs: { uid: 65534, gid: 65534 } }, run: isRoot },
  { name: 'unprivileged host (this user)', options: {}, run: !isRoot },
];

describe.each(hosts.filter((h) => h.run))('local sandbox, $name', ({ options }) => {
  let tmp: string;
  let sb: LocalSandbox;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dsbot-sec-userns-'));
    await chmod(tmp, 0o711); // an unprivileged bwrap must reach the work dir inside
    sb = new LocalSandbox(sandboxSchema.parse({ cellTimeoutMs: 30_000, local: { tmpMb: 8 } }), options);
    await sb.start({ workDir: path.join(tmp, 'work') });
  });
  afterAll(async () => {
    await sb?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('refuses every way to a user namespace (unshare, clone, clone3, unshare(1)); threads, forks and processes still work', async () => {
    const r = await sb.exec(PROBE);
    expect(r.error).toBeUndefined();
    const res = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(res.unshare).toBe('EPERM');
    expect(res.sethostname).toBeUndefined();
    expect(res.clone).toBe('EPERM');
    expect(['EPERM', 'ENOSYS']).toContain(res.clone3);
    expect(res.unshare_cmd).not.toBe(0);
    expect(res.thread).toBe('ok');
    expect(res.fork).toBe('ok');
    expect(res.subprocess).toBe('hi');
  });

  it('gives the kernel a writable /tmp capped at sandbox.local.tmpMb', async () => {
    const r = await sb.exec(
      [
        'import errno, os',
        'st = os.statvfs("/tmp")',
        'print(st.f_blocks * st.f_frsize // 2**20)',
        'open("/tmp/small.txt", "w").write("ok")',
        'print(open("/tmp/small.txt").read())',
        'try:',
        '    with open("/tmp/big.bin", "wb") as f:',
        '        for _ in range(16):',
        '            f.write(b"x" * 2**20)',
        '    print("wrote 16 MiB")',
        'except OSError as e:',
        '    print(errno.errorcode[e.errno])',
        'os.remove("/tmp/big.bin")',
      ].join('\n'),
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe('8\nok\nENOSPC\n');
  });
});
