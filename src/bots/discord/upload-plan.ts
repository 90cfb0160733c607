/**
 * Fits outgoing files into Discord's upload limit: files within it go as they are; a larger
 * file is gzipped next to the original and sent compressed if that fits; otherwise the post
 * says so and where the file is kept. Files are grouped into messages of at most 10
 * attachments whose total stays within the limit.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { OutgoingFile } from '../types.js';

/** Discord allows 10 attachments per message. */
export const MAX_FILES_PER_MESSAGE = 10;

/** One file ready to attach. */
export interface PlannedFile {
  /** Name shown in Discord. */
  name: string;
  /** Host path read for the upload. */
  path: string;
  bytes: number;
}

/** What to send. */
export interface UploadPlan {
  /** Messages to post, each a batch of files. */
  batches: PlannedFile[][];
  /** Lines to add to the first message (compressed files, files too large). */
  notes: string[];
}

/** MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function gzipFile(src: string): Promise<{ path: string; bytes: number }> {
  const dest = `${src}.gz`;
  await pipeline(createReadStream(src), createGzip({ level: 9 }), createWriteStream(dest));
  return { path: dest, bytes: (await stat(dest)).size };
}

/** Plans the upload of `files` under `limitBytes`. */
export async function planUpload(files: OutgoingFile[], limitBytes: number): Promise<UploadPlan> {
  const ready: PlannedFile[] = [];
  const notes: string[] = [];
  for (const f of files) {
    const bytes = (await stat(f.path).catch(() => null))?.size ?? f.bytes;
    if (bytes <= limitBytes) {
      ready.push({ name: f.name, path: f.path, bytes });
      continue;
    }
    const gz = await gzipFile(f.path);
    if (gz.bytes <= limitBytes) {
      ready.push({ name: `${f.name}.gz`, path: gz.path, bytes: gz.bytes });
      notes.push(`\`${f.name}\` is ${mib(bytes)}, over the ${mib(limitBytes)} upload limit: attached gzipped as \`${f.name}.gz\` (${mib(gz.bytes)}).`);
    } else {
      notes.push(
        `\`${f.name}\` is ${mib(bytes)} (${mib(gz.bytes)} gzipped), over the ${mib(limitBytes)} upload limit even compressed: not attached. It is kept on the worker at \`${f.path}\` (gzipped: \`${gz.path}\`).`,
      );
    }
  }
  const batches: PlannedFile[][] = [];
  let cur: PlannedFile[] = [];
  let total = 0;
  for (const f of ready) {
    if (cur.length > 0 && (cur.length >= MAX_FILES_PER_MESSAGE || total + f.bytes > limitBytes)) {
      batches.push(cur);
      cur = [];
      total = 0;
    }
    cur.push(f);
    total += f.bytes;
  }
  if (cur.length) batches.push(cur);
  return { batches, notes };
}
