import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskError, FileStore, openDataDir } from './file-store.js';
import { VolatileStore } from '../framework/memory-store.js';
import { AssertionError } from '../core/assert.js';

function freshDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'ironfleet-store-')), 'data');
}

function open(dir: string): FileStore {
  const store = FileStore.open(dir);
  if (!store.ok) throw new Error(store.error.detail);
  return store.value;
}

const text = (r: ReturnType<FileStore['read']>): string | null =>
  r.ok ? (r.value === null ? null : Buffer.from(r.value).toString()) : `error ${r.error.kind}`;

describe('FileStore', () => {
  it('round-trips blobs across reopening, reading its own unsynced writes meanwhile', () => {
    const dir = freshDir();
    const store = open(dir);
    expect(text(store.read('state'))).toBe(null);
    const data = Buffer.from('epoch 1');
    expect(store.write('state', data).ok).toBe(true);
    data.write('XXXXX'); // the store copied what it was given
    expect(text(store.read('state'))).toBe('epoch 1');
    expect(text(open(dir).read('state'))).toBe(null); // not durable before sync
    expect(store.sync().ok).toBe(true);
    expect(store.pendingWrites).toBe(0);
    store.write('state', Buffer.from('epoch 2'));
    store.write('log', new Uint8Array(0));
    expect(store.sync().ok).toBe(true);
    const again = open(dir);
    expect(text(again.read('state'))).toBe('epoch 2');
    expect(text(again.read('log'))).toBe('');
    expect(readdirSync(dir).sort()).toEqual(['log', 'state']); // no temporary files left behind
  });

  it('reports an unwritable directory as a DiskError value, keeping the writes pending', () => {
    const parent = mkdtempSync(join(tmpdir(), 'ironfleet-store-'));
    const notADir = join(parent, 'file');
    writeFileSync(notADir, 'x');
    const opened = FileStore.open(join(notADir, 'data'));
    expect(opened.ok ? 'opened' : opened.error.kind).toBe('io');
    expect(opened.ok ? '' : opened.error.detail).toMatch(/^cannot create .*ENOTDIR/);

    // A store whose directory is replaced by a file after opening: sync fails, nothing throws,
    // and the write stays pending until a sync succeeds.
    const dir = freshDir();
    const store = open(dir);
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory');
    expect(store.write('state', Buffer.from('v')).ok).toBe(true);
    const synced = store.sync();
    expect(synced.ok ? 'synced' : synced.error.kind).toBe('io');
    expect(synced.ok ? '' : synced.error.detail).toMatch(/^cannot write state: ENOTDIR/);
    expect(store.pendingWrites).toBe(1);
    expect(text(store.read('state'))).toBe('v');
    const unreadable = store.read('other');
    expect(unreadable.ok ? 'read' : unreadable.error.kind).toBe('io');
    rmSync(dir);
    mkdirSync(dir);
    expect(store.sync().ok).toBe(true);
    expect(text(open(dir).read('state'))).toBe('v');
  });

  it('classifies a full disk as full', () => {
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    expect(diskError(full, 'cannot write state')).toEqual({ kind: 'full', detail: 'cannot write state: ENOSPC: no space left on device' });
    expect(diskError(Object.assign(new Error('i/o'), { code: 'EIO' }), 'x').kind).toBe('io');
  });

  it('refuses blob names that are not plain file names (a programmer error)', () => {
    const store = open(freshDir());
    expect(() => store.write('../escape', Buffer.from('x'))).toThrow(AssertionError);
    expect(() => store.read('.hidden')).toThrow(AssertionError);
  });
});

describe('openDataDir', () => {
  it('opens a FileStore in the directory, says what is lost without one, and refuses an unusable one', () => {
    let warned = 0;
    const dir = freshDir();
    const opened = openDataDir(dir, () => warned++);
    expect(opened.ok && opened.value instanceof FileStore).toBe(true);
    expect(warned).toBe(0);
    const memory = openDataDir(undefined, () => warned++);
    expect(memory.ok && memory.value instanceof VolatileStore).toBe(true);
    expect(warned).toBe(1);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const refused = openDataDir(file, () => warned++);
    expect(refused.ok ? '' : refused.error).toContain(`data directory ${file}`);
    rmSync(dir, { recursive: true, force: true });
  });
});
