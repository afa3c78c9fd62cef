import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every non-test source file under src/sim. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the simulator', () => {
  it('uses no real time, real randomness, timers or IO (lint does not enforce it here)', () => {
    const forbidden = [
      /\bDate\s*[.(]/, /\bnew Date\b/, /Math\.random/, /\bperformance\./, /\bprocess\./, /\bsetTimeout\b/, /\bsetInterval\b/,
      /\bsetImmediate\b/, /\bqueueMicrotask\b/, /from 'node:/, /\bhrtime\b/, /\bcrypto\./,
    ];
    const files = sources(join(import.meta.dirname, '.'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      // Comments may mention what the code must not do.
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const pattern of forbidden) expect(pattern.test(code), `${file} matches ${String(pattern)}`).toBe(false);
    }
  });
});
