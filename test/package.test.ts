import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a user gets it: this repository is built and packed (`npm pack`), the tarball is
 * installed into a new project outside the repository, and that project type-checks and runs a
 * program importing every entry point, and runs the `ironfleet` command it installed on models of
 * its own. The model files and the commands come from the examples in docs/check.md and
 * docs/lin.md (the fenced blocks after a `<!-- package-test: ... -->` marker), so the examples
 * there are the ones that work.
 *
 * Nothing is fetched: the package has no dependencies, npm runs offline with a cache of its own,
 * and the type-check uses this repository's TypeScript and Node types.
 */

const repo = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'ironfleet-package-'));
const stage = join(work, 'stage');
const project = join(work, 'project');
const installed = join(project, 'node_modules', 'ironfleet');

/** Every entry point of the package, as users import it, with its declaration file. */
const entryPoints: Readonly<Record<string, string>> = {
  'ironfleet': 'dist/index.d.ts',
  'ironfleet/check': 'dist/check/index.d.ts',
  'ironfleet/sim': 'dist/sim/index.d.ts',
  'ironfleet/lin': 'dist/lin/index.d.ts',
  'ironfleet/marshal': 'dist/marshal/index.d.ts',
  'ironfleet/net': 'dist/net/index.d.ts',
  'ironfleet/lock': 'dist/lock/index.d.ts',
  'ironfleet/rsl': 'dist/rsl/index.d.ts',
  'ironfleet/kv': 'dist/kv/index.d.ts',
  'ironfleet/apps': 'dist/apps/index.d.ts',
};

// Child processes find this `node` first, and npm never goes to the network or the user's cache.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`,
  npm_config_cache: join(work, 'npm-cache'),
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

interface Ran { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function run(command: string, args: readonly string[], cwd: string): Ran {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a setup step that must succeed; its output is the failure message otherwise. */
function must(command: string, args: readonly string[], cwd: string): string {
  const r = run(command, args, cwd);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** One `$ npx ironfleet ...` line of a docs example, the exit code it shows and its first output line. */
interface DocCommand { readonly args: readonly string[]; readonly exit: number; readonly firstLine: string | null }

/** The files and commands of the marked examples in a docs page. */
function docExamples(page: string): { files: Map<string, string>; commands: DocCommand[] } {
  const text = readFileSync(join(repo, 'docs', page), 'utf8');
  const files = new Map<string, string>();
  for (const m of text.matchAll(/<!-- package-test: file (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)) {
    files.set(m[1] ?? '', m[2] ?? '');
  }
  const commands: { args: readonly string[]; exit: number; firstLine: string | null }[] = [];
  for (const m of text.matchAll(/<!-- package-test: run -->\n```\n([\s\S]*?)```\n/g)) {
    const lines = (m[1] ?? '').split('\n');
    lines.forEach((line, i) => {
      const next = lines[i + 1];
      if (line.startsWith('$ npx ironfleet ')) {
        commands.push({
          args: line.slice('$ npx ironfleet '.length).split(' '),
          exit: 0,
          firstLine: next === undefined || next.startsWith('$ ') ? null : next,
        });
      } else if (line === '$ echo $?') {
        const last = commands[commands.length - 1];
        if (last !== undefined) last.exit = Number(next);
      }
    });
  }
  return { files, commands };
}

/** A line with its numbers blanked, since figures such as milliseconds vary from run to run. */
const shape = (line: string): string => line.replace(/\d[\d,.]*/g, '#');

const checkDoc = docExamples('check.md');
const linDoc = docExamples('lin.md');

/** Uses every entry point; prints one line per result, which the test compares. */
const program = `
import { readFileSync } from 'node:fs';
import { err, MemoryStore, ok, type Result } from 'ironfleet';
import { check, type Model } from 'ironfleet/check';
import { simulate } from 'ironfleet/sim';
import { checkHistoryText, registerModel } from 'ironfleet/lin';
import { compileCodec, record, u32, utf8 } from 'ironfleet/marshal';
import { generateIdentity, hostIdOfPublicKey } from 'ironfleet/net';
import { lockCodec, lockModel, lockSystem } from 'ironfleet/lock';
import { kvModel } from 'ironfleet/kv';
import { checkDeterministic, rslSpec, rslSpecInit, rslSystem, serviceAppSpec, type ServiceFactory, type ServiceState } from 'ironfleet/rsl';
import { kvService, kvSet, parseKvReply } from 'ironfleet/apps';
import mutex, { buggy } from './mutex.js';
import casRegister from './cas-register.js';

const half = (n: number): Result<number, string> => (n % 2 === 0 ? ok(n / 2) : err(\`\${n} is odd\`));
console.log('result', JSON.stringify([half(4), half(3)]));
const store = new MemoryStore();
store.write('a', new Uint8Array([1]));
console.log('store', store.read('a').ok);

// A model written here, in its least form.
const countdown: Model<number> = {
  name: 'countdown',
  actions: ['tick'],
  initial: (emit) => emit(3),
  successors: (s, emit) => { if (s > 0) emit(0, s - 1); },
  invariants: [{ name: 'NonNegative', holds: (s) => s >= 0 }],
};
function report<S>(model: Model<S>): void {
  const r = check(model);
  if (!r.ok) throw new Error(String(r.error));
  const v = r.value.violation;
  console.log('check', model.name, r.value.distinctStates, v === null ? 'holds' : \`violates \${v.property}\`);
}
report(countdown);
report(mutex);
report(buggy);
const lock = check(lockModel({ hosts: 2, maxEpoch: 3 }));
console.log('check lock', lock.ok && lock.value.violation === null ? 'holds' : 'fails');
const sharded = check(kvModel({ requests: 1, moves: 1, bug: 'serve-after-delegate' }));
console.log('check kv', sharded.ok && sharded.value.violation !== null ? sharded.value.violation.property : 'fails');

const history = readFileSync('history.jsonl', 'utf8');
console.log('lin docs', checkHistoryText(history, casRegister).kind);
const fixed = history.replace('"output":{"ok":true},"time":3', '"output":{"ok":false},"time":3').replace('"value":2', '"value":1');
console.log('lin fixed', checkHistoryText(fixed, casRegister).kind);
console.log('lin register', checkHistoryText('{"type":"call","id":1,"client":1,"op":{"kind":"read"}}\\n{"type":"return","id":1,"output":{"value":null}}\\n', registerModel).kind);

const sim = simulate(lockSystem(), { seed: 7, durationMs: 300, quietMs: 500 });
console.log('sim', sim.system, sim.ok);

const point = compileCodec(record({ x: u32(), label: utf8(16) }), 'Point');
const decoded = point.decode(point.encode({ x: 7, label: 'seven' }));
console.log('marshal', decoded.ok ? JSON.stringify(decoded.value) : 'fails');
const locked = lockCodec.decode(lockCodec.encode({ type: 'locked', epoch: 5 }));
console.log('wire', locked.ok ? locked.value.type : 'fails');

const identity = generateIdentity();
console.log('net', hostIdOfPublicKey(identity.publicKeyDer) === identity.id);

// A service of one's own: an append-only log whose reply is its new length.
class Log implements ServiceState {
  constructor(private text: string) {}
  handleRequest(request: Uint8Array): Uint8Array {
    this.text += new TextDecoder().decode(request);
    return Uint8Array.of(this.text.length);
  }
  serialize(): Uint8Array { return new TextEncoder().encode(this.text); }
}
const logService: ServiceFactory<Log> = {
  name: 'log',
  initialize: () => new Log(''),
  deserialize: (bytes) => ok(new Log(new TextDecoder().decode(bytes))),
};
const sample = ['a', 'bc', 'd'].map((t) => new TextEncoder().encode(t));
console.log('rsl deterministic', checkDeterministic(logService, sample).ok);
const logSpec = rslSpec(serviceAppSpec(logService));
console.log('rsl spec', logSpec.init(rslSpecInit(serviceAppSpec(logService))));
const set = kvSet('k', Uint8Array.of(1));
const kv = kvService.initialize();
console.log('apps', set.ok ? parseKvReply(kv.handleRequest(set.value)).ok : 'fails');
const rslRun = simulate(rslSystem({ app: 'kv' }), { seed: 3, durationMs: 300, quietMs: 1500 });
console.log('sim rsl', rslRun.ok);
`;

beforeAll(() => {
  // Build into a copy of the package's files, as `npm run build` would, and pack that: the test
  // does not depend on (or touch) this repository's dist/.
  mkdirSync(stage);
  for (const name of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src', 'docs']) {
    cpSync(join(repo, name), join(stage, name), { recursive: true });
  }
  symlinkSync(join(repo, 'node_modules'), join(stage, 'node_modules'), 'dir');
  // Type errors are the type-check's business; the build emits whatever it can.
  run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], stage);
  const packed = JSON.parse(must('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], stage)) as { filename: string }[];
  const tarball = join(work, packed[0]?.filename ?? '');

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ironfleet-user', private: true, type: 'module' }));
  for (const [name, text] of [...checkDoc.files, ...linDoc.files]) writeFileSync(join(project, name), text);
  writeFileSync(join(project, 'program.ts'), program);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext',
      strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
      allowJs: true, checkJs: true, noEmit: true,
      // Checking every declaration file (Node's types too) would triple the time; the package's own
      // declarations are checked where the program uses them, and their imports are checked below.
      skipLibCheck: true,
      types: ['node'], typeRoots: [join(repo, 'node_modules/@types')],
    },
    include: ['*.ts', '*.js'],
  }));
  must('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the ironfleet package', () => {
  it('ships declarations for every entry point, no tests, and imports nothing but node: modules', () => {
    const shipped = listFiles(installed);
    for (const declarations of Object.values(entryPoints)) expect(shipped).toContain(declarations);
    expect(shipped).toContain('bin/ironfleet.js');
    expect(shipped.filter((f) => /\.test\.|\.testkit\.|arbitrary\.|tsbuildinfo/.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies?: unknown; exports: Record<string, unknown> };
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.exports).filter((k) => k !== './package.json').map((k) => `ironfleet${k.slice(1)}`).sort())
      .toEqual(Object.keys(entryPoints).sort());
    const bare: string[] = [];
    let nodeImports = 0;
    for (const file of shipped.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
      const text = readFileSync(join(installed, file), 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
        const specifier = m[1] ?? '';
        if (specifier.startsWith('node:')) nodeImports++;
        else if (!specifier.startsWith('.')) bare.push(`${file}: ${specifier}`);
      }
    }
    expect(bare).toEqual([]);
    expect(nodeImports).toBeGreaterThan(10); // the scan does see imports
  });

  it('type-checks a program importing every entry point, and the models from the docs', () => {
    expect(checkDoc.files.has('mutex.js')).toBe(true);
    expect(linDoc.files.has('cas-register.js')).toBe(true);
    expect(linDoc.files.has('history.jsonl')).toBe(true);
    for (const entry of Object.keys(entryPoints)) expect(program).toContain(`from '${entry}'`);
    const r = run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', '.'], project);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 120_000);

  it('runs that program: a user model checked, a violation found, histories checked, each entry point used', () => {
    const js = ts.transpileModule(program, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    writeFileSync(join(project, 'program.js'), js);
    const r = run(process.execPath, ['program.js'], project);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'result [{"ok":true,"value":2},{"ok":false,"error":"3 is odd"}]',
      'store true',
      'check countdown 4 holds',
      expect.stringMatching(/^check mutex \d+ holds$/),
      expect.stringMatching(/^check mutex-bug \d+ violates MutualExclusion$/),
      'check lock holds',
      'check kv EveryKeyOwnedOnce',
      'lin docs notLinearizable',
      'lin fixed linearizable',
      'lin register linearizable',
      'sim lock true',
      'marshal {"x":7,"label":"seven"}',
      'wire locked',
      'net true',
      'rsl deterministic true',
      'rsl spec true',
      'apps true',
      'sim rsl true',
    ]);
  }, 120_000);

  it('runs the installed ironfleet command on the models of the docs, as the docs show', () => {
    const commands = [...checkDoc.commands, ...linDoc.commands];
    expect(commands.map((c) => c.args.slice(0, 2).join(' '))).toEqual([
      'check ./mutex.js', 'check ./mutex.js', 'lin history.jsonl',
    ]);
    for (const c of commands) {
      const r = run(join(project, 'node_modules', '.bin', 'ironfleet'), c.args, project);
      const what = `ironfleet ${c.args.join(' ')}\n${r.stdout}\n${r.stderr}`;
      expect(r.code, what).toBe(c.exit);
      expect(c.firstLine, what).not.toBeNull();
      expect(shape(r.stdout.split('\n')[0] ?? ''), what).toBe(shape(c.firstLine ?? ''));
    }
    const missing = run(join(project, 'node_modules', '.bin', 'ironfleet'), ['check', './no-such-model.js'], project);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot find ./no-such-model.js');
  }, 120_000);
});

/** Every file under `dir`, as paths relative to it with `/` separators. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}
