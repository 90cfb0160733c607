/** Checks a CSV before any sandbox starts, so a person gets a clear message at once. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';

/** Throws InputError for a missing, unreadable, empty or binary file. Encoding and CSV shape are checked by the toolkit. */
export function checkInputFile(file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new InputError(`${file} is not a file.`);
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`Cannot read ${file}: it does not exist or is not readable.`, { cause: err });
  }
  if (size === 0) throw new InputError(`${file} is empty (0 bytes): there is nothing to clean.`);
  const head = Buffer.alloc(Math.min(size, 64 * 1024));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  if (!utf16 && head.includes(0)) {
    throw new InputError(`${file} looks like a binary file (it contains NUL bytes), not a CSV. Export it as CSV (UTF-8) and try again.`);
  }
  if (utf16) throw new InputError(`${file} is UTF-16 encoded. Save it as UTF-8 CSV and try again.`);
}

/** Throws InputError for a data dictionary that is missing, not a file or unreadable (checked before any sandbox starts). */
export function checkDictionaryFile(file: string): void {
  try {
    if (!statSync(file).isFile()) throw new InputError(`The data dictionary ${file} is not a file.`);
    closeSync(openSync(file, 'r'));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`The data dictionary ${file} does not exist or is not readable. Check the path (--dictionary, or datasets.<name>.dictionary in the config).`, { cause: err });
  }
}
