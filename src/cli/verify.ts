import { performance } from 'node:perf_hooks';
import type { CommandIo, CommandSpec } from './args.js';
import { runCommand } from './args.js';
import type { Model } from '../check/model.js';
import { check } from '../check/check.js';
import type { CheckOptions } from '../check/check.js';
import { twoPhaseModel } from '../check/models/twophase.js';
import { kvModel } from '../kv/model.js';
import { lockModel } from '../lock/model.js';
import { rslModel } from '../rsl/model.js';
import { runCampaign, seedRange } from '../sim/campaign.js';
import { simSystems } from '../cli/systems.js';
import { errorText } from '../core/errors.js';
import { rslKillLoop } from './kill-loop.js';

/** How long the kill loop of `ironfleet verify` runs, in ms. */
const killLoopMs = 60_000;

/**
 * `ironfleet verify`: the long checking campaigns that `npm test` keeps short — bigger model
 * checking bounds and thousands of simulation seeds — printing what each covered. Exit 1 if any
 * campaign finds a violation.
 */

const spec: CommandSpec = {
  name: 'ironfleet verify',
  summary: 'Runs the long campaigns: model checking with bigger bounds (TwoPhase, IronLock, IronRSL) and thousands of ' +
    'simulation seeds of every correct system, with all faults on. Prints what each covered; exits 1 on any violation.',
  positionals: [],
  flags: {
    seeds: { type: 'number', value: 'N', help: 'simulation seeds per system (default 2000)', integer: true, min: 1, max: 10_000_000 },
    quick: { type: 'boolean', help: 'small bounds and 50 seeds, to try the campaigns out' },
  },
};

interface Campaign {
  readonly name: string;
  run(): { ok: boolean; covered: string } | Promise<{ ok: boolean; covered: string }>;
}

function checkCampaign<S>(name: string, model: Model<S>, options: CheckOptions = {}): Campaign {
  return {
    name,
    run: () => {
      const r = check(model, options);
      if (!r.ok) return { ok: false, covered: r.error };
      const v = r.value;
      const props = v.properties.map((p) => `${p.name} ${p.status}`).join(', ');
      return {
        ok: v.violation === null,
        covered: `model-checked up to ${v.bounds}${options.maxDepth !== undefined ? `, every state within ${options.maxDepth} steps` : ''}${options.symmetry === true ? ', under symmetry' : ''}: ${v.distinctStates.toLocaleString('en-US')} distinct states, depth ${v.depth}; ${props}` +
          (v.violation !== null ? `; VIOLATION: ${v.violation.message}` : ''),
      };
    },
  };
}

/** `ironfleet verify`. */
export function run(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const quick = args.booleans.has('quick');
    const seeds = args.numbers.get('seeds') ?? (quick ? 50 : 2000);
    const campaigns: Campaign[] = [
      checkCampaign('twophase', twoPhaseModel({ rms: quick ? 4 : 7, liveness: true })),
      checkCampaign('lock', lockModel({ hosts: quick ? 3 : 4, maxEpoch: quick ? 8 : 40, liveness: true })),
      checkCampaign('lock', lockModel({ hosts: quick ? 5 : 7, maxEpoch: quick ? 7 : 30, liveness: true })),
      // With a host outside the ring sending any lock message, and on lossy links.
      checkCampaign('lock', lockModel({ hosts: quick ? 3 : 4, maxEpoch: quick ? 6 : 16, outsiders: 1, liveness: true })),
      checkCampaign('lock', lockModel({ hosts: 3, maxEpoch: quick ? 5 : 8, network: 'lossy', liveness: true })),
      // IronRSL with a stable leader (learners take 2bs at once, see src/rsl/model.ts), a view
      // change on 2 replicas, and lossy links between the clients and the service.
      checkCampaign('rsl', rslModel({ replicas: quick ? 2 : 3, requests: 2, heartbeatsMax: 0, opnMax: 3, params: { logLengthMax: 3 }, liveness: true })),
      checkCampaign('rsl', rslModel({ replicas: 2, clients: 2, heartbeatsMax: 0, opnMax: 3, params: { logLengthMax: 3 }, liveness: true })),
      // Two clients on 3 replicas, safety under symmetry (clients, and the followers of the stable
      // leader), every state within a depth: the whole graph (about 65 steps deep) has more than
      // 8.7 million states up to clients swapped, past what one campaign explores.
      checkCampaign('rsl', rslModel({ replicas: 3, clients: 2, heartbeatsMax: 0, opnMax: 3, params: { logLengthMax: 3 } }), { symmetry: true, liveness: false, maxDepth: quick ? 24 : 34 }),
      // Two clients on 3 replicas with two slots of log, the whole graph: invariants, refinement
      // and liveness (about 1.9 million states and 10 minutes; `--quick` checks safety under
      // symmetry to a depth instead).
      checkCampaign('rsl', rslModel({ replicas: 3, clients: 2, heartbeatsMax: 0, opnMax: 2, params: { logLengthMax: 2 }, liveness: !quick }),
        quick ? { symmetry: true, liveness: false, maxDepth: 24 } : {}),
      checkCampaign('rsl', rslModel({ replicas: 2, viewTestsMax: 2, clientTo: 'all', heartbeatsMax: quick ? [1, 0] : 1, opnMax: 1 })),
      checkCampaign('rsl', rslModel({ replicas: quick ? 2 : 3, heartbeatsMax: 0, network: 'lossy', lose: 'clients', liveness: true })),
      // IronKV: moves back and forth between hosts under a client's reads and writes, and on lossy links.
      checkCampaign('kv', kvModel({ hosts: quick ? 2 : 3, liveness: true })),
      checkCampaign('kv', kvModel({ clients: 2, requests: 2, liveness: !quick })),
      checkCampaign('kv', kvModel({ network: 'lossy', liveness: true })),
    ];
    for (const [name, entry] of Object.entries(simSystems)) {
      if (entry.deliberatelyBuggy === true) continue;
      campaigns.push({
        name: `sim ${name}`,
        run: () => {
          const s = runCampaign(entry.build(new Map()), seedRange(1, seeds), {});
          return {
            ok: s.failures === 0,
            covered: `simulated with seeds 1..${seeds}: ${s.hostSteps.toLocaleString('en-US')} host steps, ` +
              `${(s.simulatedMs / 1000).toFixed(0)} s simulated, ${s.faults.lost} packets lost, ${s.faults.crashes} crashes, ` +
              `${s.faults.partitions} partitions; ${s.failures === 0 ? 'no failures' : `FAILED seeds ${s.failedSeeds.slice(0, 10).join(', ')}`}`,
          };
        },
      });
    }
    // Real processes: SIGKILL a replica (often the leader) every few seconds under a write load.
    campaigns.push({
      name: 'rsl kill loop',
      run: async () => {
        const durationMs = quick ? 15_000 : killLoopMs;
        const seed = Date.now() % 1_000_000;
        const r = await rslKillLoop({
          durationMs, killEveryMs: 3_000, threads: 8, keys: 32, checked: true, waitMs: 120_000, seed, say: (l) => io.err(`  ${l}`),
        });
        return {
          ok: r.problems.length === 0,
          covered: `three --data-dir replicas (checked) over TLS for ${durationMs / 1000} s (seed ${seed}): ${r.kills} SIGKILLs ` +
            `(${r.leaderKills} of the leader), each restarted from its data directory; ${r.summary.ops.toLocaleString('en-US')} requests, ` +
            `${r.finalReads} keys read back, history ${r.verdict.kind}` + (r.problems.length > 0 ? `; PROBLEMS: ${r.problems.join('; ')}` : ''),
        };
      },
    });
    let failed = 0;
    for (const c of campaigns) {
      io.err(`verify: ${c.name} ...`);
      const t0 = performance.now();
      let r: { ok: boolean; covered: string };
      try {
        r = await c.run();
      } catch (e) {
        r = { ok: false, covered: errorText(e) };
      }
      if (!r.ok) failed++;
      io.out(`${r.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(12)} ${r.covered} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    io.out(failed === 0 ? `verify: all ${campaigns.length} campaigns passed` : `verify: ${failed} of ${campaigns.length} campaigns FAILED`);
    return failed === 0 ? 0 : 1;
  });
}
