/**
 * The local sandbox's seccomp filter, for bwrap's `--seccomp FD` (a raw array of classic BPF
 * `struct sock_filter`, 8 bytes each, as libseccomp's `seccomp_export_bpf` writes it).
 *
 * One job: the kernel may not create a user namespace. In one it would hold every capability
 * (mount, network and UTS namespaces of its own, a much larger kernel attack surface), and when
 * the host runs as root bwrap cannot use `--disable-userns` (that needs `--unshare-user`, which
 * would map the kernel to root). So:
 * - `unshare` and `clone` with CLONE_NEWUSER in their flags (first argument) fail with EPERM;
 * - `clone3` fails with ENOSYS: its flags sit in memory a filter cannot read, and glibc then
 *   falls back to `clone` (threads, fork and subprocesses keep working);
 * - a syscall from another ABI (i386 `int 0x80`, x32) kills the process, so the numbers below
 *   cannot be dodged.
 * Everything else is allowed. Written by hand (a dozen instructions) rather than generated, so
 * the host needs no extra package; tests/security/sandbox-userns.test.ts proves it.
 */

/** `struct seccomp_data` offsets: syscall number, AUDIT_ARCH, low 32 bits of the first argument (little-endian). */
const OFFSET = { nr: 0, arch: 4, arg0Low: 16 } as const;
/** Classic BPF opcodes (linux/filter.h): BPF_LD|BPF_W|BPF_ABS, BPF_JMP|{JEQ,JGE,JSET}|BPF_K, BPF_RET|BPF_K. */
const OP = { ldAbs: 0x20, jeq: 0x15, jge: 0x35, jset: 0x45, ret: 0x06 } as const;
/** Return values (linux/seccomp.h). */
const RET = { allow: 0x7fff0000, errno: 0x00050000, killProcess: 0x80000000 } as const;
const EPERM = 1;
const ENOSYS = 38;
const CLONE_NEWUSER = 0x10000000;
/** x32 syscalls on x86_64 carry this bit; no other ABI uses numbers that high. */
const X32_SYSCALL_BIT = 0x40000000;

/** Per architecture: AUDIT_ARCH value and syscall numbers (asm/unistd.h). */
const ARCHES: Record<string, { audit: number; unshare: number; clone: number; clone3: number }> = {
  x64: { audit: 0xc000003e, unshare: 272, clone: 56, clone3: 435 },
  arm64: { audit: 0xc00000b7, unshare: 97, clone: 220, clone3: 435 },
};

type Insn = [code: number, jt: number, jf: number, k: number];

/** The filter for `arch` (Node's `process.arch`); undefined when this file does not know it. */
export function noUserNamespacesFilter(arch: string = process.arch): Buffer | undefined {
  const a = ARCHES[arch];
  if (!a) return undefined;
  // A jump's jt/jf count the instructions skipped after it (target = index + 1 + jt).
  const program: Insn[] = [
    /* 0 */ [OP.ldAbs, 0, 0, OFFSET.arch],
    /* 1 */ [OP.jeq, 1, 0, a.audit], // → 3
    /* 2 */ [OP.ret, 0, 0, RET.killProcess], // another ABI (i386 on x86_64)
    /* 3 */ [OP.ldAbs, 0, 0, OFFSET.nr],
    /* 4 */ [OP.jge, 9, 0, X32_SYSCALL_BIT], // → 14 kill
    /* 5 */ [OP.jeq, 7, 0, a.clone3], // → 13 ENOSYS
    /* 6 */ [OP.jeq, 2, 0, a.unshare], // → 9
    /* 7 */ [OP.jeq, 1, 0, a.clone], // → 9
    /* 8 */ [OP.ret, 0, 0, RET.allow],
    /* 9 */ [OP.ldAbs, 0, 0, OFFSET.arg0Low], // unshare(flags) / clone(flags, …)
    /* 10 */ [OP.jset, 1, 0, CLONE_NEWUSER], // → 12 EPERM
    /* 11 */ [OP.ret, 0, 0, RET.allow],
    /* 12 */ [OP.ret, 0, 0, RET.errno | EPERM],
    /* 13 */ [OP.ret, 0, 0, RET.errno | ENOSYS],
    /* 14 */ [OP.ret, 0, 0, RET.killProcess],
  ];
  const buf = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], i) => {
    buf.writeUInt16LE(code, i * 8);
    buf.writeUInt8(jt, i * 8 + 2);
    buf.writeUInt8(jf, i * 8 + 3);
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buf;
}
