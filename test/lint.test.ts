import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// The layer rule (spec and protocol code is pure) is only worth something if lint really applies
// it to the right files; these tests lint fixtures that break it and expect each break reported.

/** ESLint for text linted at paths that do not exist: the rules that want type information off. */
function untypedEslint(): ESLint {
  return new ESLint({
    ignore: false,
    overrideConfig: [{
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
        '@typescript-eslint/switch-exhaustiveness-check': 'off',
      },
    }],
  });
}

describe('lint rules', () => {
  it('rejects node:* imports, Date, timers and Math.random in protocol and spec code', async () => {
    const eslint = untypedEslint();
    const code = readFileSync('test/fixtures/impure-protocol.ts', 'utf8');
    for (const filePath of ['src/lock/protocol/probe.ts', 'src/lock/spec.ts', 'src/lock/impl/probe.ts']) {
      const [result] = await eslint.lintText(code, { filePath });
      const rules = (result?.messages ?? []).map((m) => m.ruleId);
      expect(rules).toContain('no-restricted-imports');
      expect(rules.filter((r) => r === 'no-restricted-globals').length).toBe(2);
      expect(rules).toContain('no-restricted-properties');
    }
    // The same code outside the pure layers is allowed these effects.
    const [outside] = await eslint.lintText(code, { filePath: 'src/net/probe.ts' });
    expect((outside?.messages ?? []).map((m) => m.ruleId)).not.toContain('no-restricted-globals');
  });

  it('rejects imports of a system, of the command or of the benchmarks from the toolkit', async () => {
    const eslint = untypedEslint();
    const code = readFileSync('test/fixtures/toolkit-imports-system.ts', 'utf8');
    for (const dir of ['core', 'framework', 'marshal', 'net', 'check', 'sim', 'lin', 'sim/testing']) {
      const [result] = await eslint.lintText(code, { filePath: `src/${dir}/probe.ts` });
      const restricted = (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports');
      expect(restricted.length, dir).toBe(4);
    }
    // A system may import the toolkit and itself; the command may import systems.
    for (const filePath of ['src/lock/probe.ts', 'src/cli/probe.ts']) {
      const [result] = await eslint.lintText(code, { filePath });
      expect((result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports'), filePath).toEqual([]);
    }
  });

  it('rejects floating promises everywhere', async () => {
    const eslint = new ESLint({ ignore: false });
    const [result] = await eslint.lintFiles(['test/fixtures/floating-promise.ts']);
    expect((result?.messages ?? []).map((m) => m.ruleId)).toContain('@typescript-eslint/no-floating-promises');
  });
});
