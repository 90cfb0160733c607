/** Audit log: one JSON line per trigger, refusal, stop, resume, button click and plan decision, in `<dataDir>/audit.log`. */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { logger } from '../observability/logger.js';

export interface AuditEntry {
  /** What happened. */
  action: 'trigger' | 'refusal' | 'stop' | 'resume' | 'duplicate' | 'click' | 'approve' | 'cancel' | 'change';
  /** `slack`, `discord` or `console`. */
  platform: string;
  /** Who did it (platform user id). */
  userId: string;
  /** Where (`slack:T:C`…). */
  channelRef: string;
  /** The thread of the message. */
  threadRef: string;
  /** The run concerned, when there is one. */
  runId?: string;
  /** For refusals: the guard's reason or the validation failure. */
  reason?: string;
  /** The text that caused it (truncated). */
  text?: string;
  /** For clicks: the button (`stop`, `resume`, `approve`, `cancel`). */
  button?: string;
}

export interface AuditLog {
  /** Appends an entry (with `at`, ISO time). */
  write(entry: AuditEntry): Promise<void>;
  /** The log file. */
  readonly path: string;
}

export function createAuditLog(dataDir: string): AuditLog {
  const file = path.join(dataDir, 'audit.log');
  let ready: Promise<unknown> | undefined;
  let chain: Promise<void> = Promise.resolve();
  return {
    path: file,
    write(entry) {
      ready ??= mkdir(dataDir, { recursive: true });
      const line = JSON.stringify({ at: new Date().toISOString(), ...entry, text: entry.text?.slice(0, 500) }) + '\n';
      // A failed write (disk full, permissions) is reported and never poisons later writes or
      // fails the user's action that is being audited.
      chain = chain
        .then(async () => {
          await ready;
          await appendFile(file, line, 'utf8');
        })
        .catch((err: Error) => {
          ready = undefined;
          logger.error(`dsbot: could not write the audit log ${file}: ${err.message}`);
        });
      return chain;
    },
  };
}
