import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

describe('FileStore appends', () => {
  const parents: string[] = [];
  afterEach(() => {
    for (const parent of parents.splice(0)) rmSync(parent, { recursive: true, force: true });
  });
  /** A store in a fresh directory, removed after the test. */
  function fresh(): { store: FileStore; dir: string } {
    const parent = mkdtempSync(join(tmpdir(), 'ironfleet-append-'));
    parents.push(parent);
    const dir = join(parent, 'data');
    return { store: open(dir), dir };
  }
  const onDisk = (dir: string, name: string): string => readFileSync(join(dir, name)).toString();

  it('syncs appends off the thread: what was appended before the call is on disk when it settles, later appends wait', async () => {
    const { store, dir } = fresh();
    store.append('log', Buffer.from('a1;'));
    store.write('state', Buffer.from('whole'));
    const first = store.syncAsync();
    store.append('log', Buffer.from('a2;'));
    expect((await first).ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('a1;');
    expect(onDisk(dir, 'state')).toBe('whole');
    expect(text(store.read('log'))).toBe('a1;a2;');
    // A replacing write while a sync of the blob's descriptor is in flight: the old descriptor closes after it.
    const second = store.syncAsync();
    store.write('log', Buffer.from('new;'));
    const third = store.syncAsync();
    expect((await second).ok && (await third).ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('new;');
    store.append('log', Buffer.from('b;'));
    expect((await store.syncAsync()).ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('new;b;');
    store.close();
    expect(store.appendFilesOpen).toBe(0);
  });

  it('creates the file at the first append, and several appends with one sync put their concatenation on disk', () => {
    const { store, dir } = fresh();
    expect(store.append('log', new Uint8Array(0)).ok).toBe(true);
    expect(existsSync(join(dir, 'log'))).toBe(false); // buffered until sync
    expect(store.sync().ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('');
    const chunk = Buffer.from('a1;');
    store.append('log', chunk);
    chunk.write('XX'); // the store copied what it was given
    store.append('log', Buffer.from('a2;'));
    store.append('log', Buffer.from('a3;'));
    expect(store.sync().ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('a1;a2;a3;');
    expect(store.appendFilesOpen).toBe(1); // kept open for the next sync
    store.append('log', Buffer.from('a4;'));
    expect(store.sync().ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('a1;a2;a3;a4;');
    expect(readdirSync(dir)).toEqual(['log']);
    store.close();
    store.close(); // idempotent
    expect(store.appendFilesOpen).toBe(0);
    expect(text(open(dir).read('log'))).toBe('a1;a2;a3;a4;');
  });

  it('reads the file plus pending appends before a sync', () => {
    const { store } = fresh();
    store.append('log', Buffer.from('x'));
    expect(text(store.read('log'))).toBe('x');
    store.sync();
    store.append('log', Buffer.from('y'));
    store.append('log', Buffer.from('z'));
    expect(text(store.read('log'))).toBe('xyz');
    expect(store.pendingWrites).toBe(1);
    store.close();
  });

  it('replaces the blob with a write and the appends after it in one sync window', () => {
    const { store, dir } = fresh();
    store.append('log', Buffer.from('old;'));
    store.sync();
    store.append('log', Buffer.from('lost;')); // a write replaces appends before it
    store.write('log', Buffer.from('w;'));
    store.append('log', Buffer.from('b;'));
    expect(text(store.read('log'))).toBe('w;b;');
    expect(store.sync().ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('w;b;');
    expect(store.appendFilesOpen).toBe(0); // the rename made a new file: the old descriptor is closed
    expect(readdirSync(dir)).toEqual(['log']);
  });

  it('appends after a write across syncs, to the renamed file', () => {
    const { store, dir } = fresh();
    store.write('log', Buffer.from('w;'));
    expect(store.sync().ok).toBe(true);
    store.append('log', Buffer.from('a;'));
    expect(store.sync().ok).toBe(true);
    store.write('log', Buffer.from('v;'));
    expect(store.sync().ok).toBe(true);
    store.append('log', Buffer.from('b;'));
    expect(store.sync().ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('v;b;');
    store.close();
  });

  it('reports an append to a removed directory as an io DiskError and keeps it pending, since nothing was written', () => {
    const { store, dir } = fresh();
    rmSync(dir, { recursive: true });
    expect(store.append('log', Buffer.from('a;')).ok).toBe(true);
    const synced = store.sync();
    expect(synced.ok ? 'synced' : synced.error.kind).toBe('io');
    expect(synced.ok ? '' : synced.error.detail).toMatch(/^cannot open log to append: ENOENT/);
    expect(store.pendingWrites).toBe(1);
    mkdirSync(dir);
    expect(store.sync().ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('a;');
    store.close();
  });

  it('after a failed append write, fails every operation on the blob and every sync until reopened', () => {
    const { store, dir } = fresh();
    // Writes to /dev/full fail with ENOSPC, as root too.
    symlinkSync('/dev/full', join(dir, 'log'));
    store.write('other', Buffer.from('o'));
    store.append('log', Buffer.from('a;'));
    const synced = store.sync();
    expect(synced.ok ? 'synced' : synced.error).toMatchObject({ kind: 'full', detail: expect.stringMatching(/^cannot append to log: ENOSPC/) });
    expect(store.appendFilesOpen).toBe(0);
    for (const r of [store.read('log'), store.append('log', Buffer.from('b')), store.write('log', Buffer.from('c')), store.sync()]) {
      expect(r.ok ? 'ok' : r.error.kind).toBe('io');
      expect(r.ok ? '' : r.error.detail).toMatch(/^log: an append failed \(cannot append to log: ENOSPC.*reopen the store$/);
    }
    expect(text(store.read('other'))).toBe('o'); // other blobs still read
    rmSync(join(dir, 'log'));
    const reopened = open(dir);
    expect(text(reopened.read('log'))).toBe(null);
    expect(reopened.append('log', Buffer.from('a;')).ok && reopened.sync().ok).toBe(true);
    expect(onDisk(dir, 'log')).toBe('a;');
    reopened.close();
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
