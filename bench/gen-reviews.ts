/** Generates a Turtle-reviews-like CSV with injected errors, streaming (any size, constant memory). */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Deterministic PRNG (mulberry32) so every run generates the same file. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDUCATION = ['graduate', 'postgraduate', 'PhD', 'diploma', 'Basic'];
const WORDS = 'great game fun family dice cards board kids love quality box rules play fast slow price gift broken perfect'.split(' ');

export async function generateReviews(file: string, rows: number, seed = 42): Promise<void> {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const out = createWriteStream(file);
  out.write('gender,age,remuneration (k£),spending_score (1-100),loyalty_points,education,language,platform,product,review,summary\n');
  let buf = '';
  let prev = '';
  for (let i = 0; i < rows; i++) {
    let line: string;
    if (prev && r() < 0.003) {
      line = prev; // an exact duplicate row
    } else {
      let gender = r() < 0.5 ? 'Male' : 'Female';
      if (r() < 0.02) gender = r() < 0.5 ? gender.toLowerCase() : ` ${gender} `;
      let age = String(17 + Math.floor(r() * 55));
      if (r() < 0.01) age = pick(['N/A', '', '-', 'unknown']);
      else if (r() < 0.01) age = `${age}.0`;
      let pay = (12 + r() * 100).toFixed(2);
      if (r() < 0.01) pay = `${pay} k£`;
      let score = String(1 + Math.floor(r() * 100));
      if (r() < 0.003) score = String(150 + Math.floor(r() * 500)); // out of the 1-100 range
      let loyalty = String(Math.floor(25 + r() * 6800));
      if (r() < 0.001) loyalty = String(90_000 + Math.floor(r() * 10_000)); // outlier
      let edu = pick(EDUCATION);
      if (r() < 0.02) edu = edu.toUpperCase();
      const product = String(100 + Math.floor(r() * 9000));
      const review = Array.from({ length: 6 + Math.floor(r() * 20) }, () => pick(WORDS)).join(' ');
      const summary = review.split(' ').slice(0, 4).join(' ');
      line = [gender, age, pay, score, loyalty, edu, 'EN', 'Web', product, review, summary].join(',');
    }
    prev = line;
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.write(buf);
  out.end();
  await once(out, 'finish');
}
