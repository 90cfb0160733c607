/**
 * Accepts a file attached to a trigger as a run's input: CSV/text only, within
 * `config.admin.maxUploadMb`, not empty, not binary. Saved under `<dataDir>/uploads/`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { IncomingFile } from './types.js';

const TEXT_EXTENSIONS = ['.csv', '.tsv', '.txt'];

export interface SavedUpload {
  /** Host path of the saved copy. */
  path: string;
  /** The name the user gave it. */
  originalName: string;
  bytes: number;
}

export interface UploadOptions {
  /** `<dataDir>/uploads`. */
  dir: string;
  /** Largest accepted size, MiB. */
  maxMb: number;
  /** Prefix of the saved file name (the run id). */
  key: string;
}

function looksLikeText(file: IncomingFile): boolean {
  const ext = path.extname(file.name).toLowerCase();
  if (TEXT_EXTENSIONS.includes(ext)) return true;
  const ct = (file.contentType ?? '').toLowerCase();
  return ct.startsWith('text/') || ct === 'application/csv';
}

/** Downloads, checks and saves the file; throws InputError with a message for the user. */
export async function acceptUpload(file: IncomingFile, options: UploadOptions): Promise<SavedUpload> {
  const maxBytes = Math.floor(options.maxMb * 1024 * 1024);
  const name = file.name || 'upload.csv';
  if (!looksLikeText(file))
    throw new InputError(`I can only clean CSV or text files; "${name}" looks like ${file.contentType || 'something else'}. Export it as .csv and try again.`);
  if (file.size > maxBytes)
    throw new InputError(`"${name}" is ${(file.size / 1024 / 1024).toFixed(1)} MiB; the limit is ${options.maxMb} MiB (admin.maxUploadMb).`);
  let content: Buffer;
  try {
    content = await file.download();
  } catch (err) {
    throw new InputError(`I could not download "${name}": ${(err as Error).message}`, { cause: err });
  }
  if (content.length === 0) throw new InputError(`"${name}" is empty (0 bytes); nothing to clean.`);
  if (content.length > maxBytes)
    throw new InputError(`"${name}" is ${(content.length / 1024 / 1024).toFixed(1)} MiB; the limit is ${options.maxMb} MiB (admin.maxUploadMb).`);
  if (content.includes(0)) throw new InputError(`"${name}" is a binary file (it contains NUL bytes), not a CSV.`);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch (err) {
    throw new InputError(`"${name}" is not valid UTF-8 text. Save it as UTF-8 CSV and try again.`, { cause: err });
  }
  await mkdir(options.dir, { recursive: true });
  const safe = path.basename(name).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'upload.csv';
  const dest = path.join(options.dir, `${options.key}-${safe}`);
  await writeFile(dest, content);
  return { path: dest, originalName: name, bytes: content.length };
}
