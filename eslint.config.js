// Lint rules. Besides the usual checks, this file enforces the layers' rule from DESIGN.md:
// spec and protocol code is pure, and implementation code reaches the world only through its
// HostEnvironment. Time, randomness and IO arrive as inputs, which is what makes model checking,
// simulation and the refinement monitor mean something.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const effectfulGlobals = [
  'Date', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval',
  'clearImmediate', 'queueMicrotask', 'performance', 'process', 'fetch', 'crypto', 'require',
].map((name) => ({ name, message: `${name} is an effect: pass it in as an input (pure layer).` }));

const pureLayerRules = {
  'no-restricted-imports': ['error', {
    patterns: [
      { group: ['node:*'], message: 'node:* modules are effects: this layer is pure.' },
      {
        group: ['fs', 'fs/*', 'net', 'tls', 'dgram', 'child_process', 'crypto', 'os', 'worker_threads',
          'timers', 'timers/*', 'http', 'https', 'process', 'perf_hooks', 'readline'],
        message: 'Node built-ins are effects: this layer is pure.',
      },
      { group: ['**/net/*', '**/net'], message: 'The transport is reached through HostEnvironment.' },
    ],
  }],
  'no-restricted-globals': ['error', ...effectfulGlobals],
  'no-restricted-properties': ['error',
    { object: 'Math', property: 'random', message: 'Math.random is an effect: use a seeded Prng passed in.' },
  ],
};

// The toolkit and the framework serve every system and know none: dependencies point down
// (DESIGN.md), and each system's bindings, and the registries that list them, live elsewhere.
const systemDirs = ['lock', 'rsl', 'kv', 'apps', 'cli', 'bench'];
const toolkitRules = {
  'no-restricted-imports': ['error', {
    patterns: [{
      group: systemDirs.flatMap((d) => [`**/${d}/*`, `**/${d}`]),
      message: 'The toolkit knows no system: a system binds itself to the toolkit (src/<system>/model.ts, sim.ts), and src/cli lists them.',
    }],
  }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'dist-typecheck/**', 'node_modules/**', 'bench-report/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/*/spec.ts', 'src/*/protocol/**/*.ts', 'src/*/impl/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: pureLayerRules,
  },
  {
    files: ['src/{core,framework,marshal,net,check,sim,lin}/**/*.ts'],
    rules: toolkitRules,
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
);
