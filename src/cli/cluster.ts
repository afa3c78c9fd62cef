import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Local clusters of real `ironfleet` server processes on loopback, for the demo and the process
 * tests: spawning, reading each process's lines, and stopping.
 */

/** The `ironfleet` launcher script of this checkout. */
export const ironfleetBin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'ironfleet.js');

/** A running `ironfleet` process and every line it has printed. */
export class ServerProcess {
  readonly lines: string[] = [];
  readonly errLines: string[] = [];
  private readonly waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly label: string, readonly child: ChildProcess, onLine?: (label: string, line: string) => void) {
    if (child.stdout !== null) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        this.lines.push(line);
        onLine?.(label, line);
        for (let i = this.waiters.length - 1; i >= 0; i--) {
          const w = this.waiters[i];
          if (w !== undefined && w.match(line)) {
            this.waiters.splice(i, 1);
            w.resolve(line);
          }
        }
      });
    }
    if (child.stderr !== null) createInterface({ input: child.stderr }).on('line', (line) => this.errLines.push(line));
    // 'close' comes after the output pipes are drained, so every printed line has been read.
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  /** Resolves with the first line (already printed or still to come) that `match` accepts. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no matching line within ${timeoutMs} ms; ` +
        `stderr: ${this.errLines.slice(-5).join(' | ')}`)), timeoutMs);
      this.waiters.push({ match, resolve: (line) => { clearTimeout(timer); resolve(line); } });
    });
  }

  /** Asks the process to stop (SIGTERM), then kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 3000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Starts `node bin/ironfleet.js ...args` as a child process. */
export function spawnIronfleet(label: string, args: readonly string[], onLine?: (label: string, line: string) => void): ServerProcess {
  const child = spawn(process.execPath, [ironfleetBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new ServerProcess(label, child, onLine);
}
