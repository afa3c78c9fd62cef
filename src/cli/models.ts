import type { FlagSpec, ParsedArgs } from './args.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { SomeModel } from '../check/model.js';
import { someModel } from '../check/model.js';
import type { LockBug } from '../lock/model.js';
import { lockBugs, lockModel, lockOutsiderPacketsMax } from '../lock/model.js';
import type { RslBug } from '../rsl/testing.js';
import { rslBugs, rslRestartBugs } from '../rsl/testing.js';
import { rslClientsMax, rslModel } from '../rsl/model.js';
import type { KvBug } from '../kv/testing.js';
import { kvBugs, kvModel, kvModelMax } from '../kv/model.js';
import type { RingBug } from '../check/models/ring.js';
import { ringBugs, ringModel } from '../check/models/ring.js';
import type { TwoPhaseBug } from '../check/models/twophase.js';
import { twoPhaseBugs, twoPhaseModel, twoPhaseRmsMax } from '../check/models/twophase.js';

/**
 * The models `ironfleet check MODEL` knows: each declares its command-line options (parsed by
 * src/cli/args.ts together with the checker's own) and builds the model from them.
 */

/** One registered model. */
export interface ModelEntry {
  /** One line for the model list. */
  readonly summary: string;
  /** The model's own options. */
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Builds the model from the parsed options; an error sentence when they do not fit together. */
  build(args: ParsedArgs): Result<SomeModel, string>;
}

/** The `bug` option of a model's options, from `--bug` (none when not given), to spread into them. */
function pickBug<B extends string>(bugs: Readonly<Record<B, string>>, name: string | undefined): Result<{ readonly bug?: B }, string> {
  if (name === undefined) return ok({});
  if (Object.hasOwn(bugs, name)) return ok({ bug: name as B });
  return err(`unknown bug '${name}' (known: ${Object.keys(bugs).join(', ')})`);
}

function bugHelp(bugs: Readonly<Record<string, string>>): string {
  return `inject a known bug: ${Object.entries(bugs).map(([k, v]) => `${k} (${v})`).join('; ')}`;
}

/** `{ [name]: value }` when the value was given, to spread into a model's options. */
function optionalNumber<K extends string>(name: K, value: number | undefined): { readonly [k in K]?: number } {
  return (value !== undefined ? { [name]: value } : {}) as { readonly [k in K]?: number };
}

/** The most heartbeats per replica `check rsl` takes. */
const rslHeartbeatsMax = 4;

/** Every model, by name. */
export const models: Readonly<Record<string, ModelEntry>> = {
  twophase: {
    summary: "Lamport's TwoPhase commit: a TM and N resource managers (refines TCommit)",
    flags: {
      rms: { type: 'number', value: 'N', help: 'number of resource managers (default 3)', integer: true, min: 1, max: twoPhaseRmsMax },
      liveness: { type: 'boolean', help: 'also check liveness: <>AllDecided and PreparedLeadsToDecided under weak fairness' },
      'no-refinement': { type: 'boolean', help: 'skip the refinement check against TCommit' },
      bug: { type: 'string', value: 'NAME', help: bugHelp(twoPhaseBugs) },
    },
    build: (args) => {
      const bug = pickBug<TwoPhaseBug>(twoPhaseBugs, args.strings.get('bug'));
      if (!bug.ok) return bug;
      return ok(someModel(twoPhaseModel({
        rms: args.numbers.get('rms') ?? 3,
        liveness: args.booleans.has('liveness'),
        refinement: !args.booleans.has('no-refinement'),
        ...bug.value,
      })));
    },
  },
  lock: {
    summary: 'IronLock: the real lock protocol, hosts in a ring (invariants, refinement to the history spec, liveness)',
    flags: {
      hosts: { type: 'number', value: 'N', help: 'number of hosts (default 3)', integer: true, min: 1, max: 8 },
      'max-epoch': { type: 'number', value: 'E', help: 'do not explore past epoch E (default 8)', integer: true, min: 1, max: 10_000 },
      'no-liveness': { type: 'boolean', help: 'skip liveness (every host holds the lock again and again, under fair delivery)' },
      outsiders: {
        type: 'number', value: 'N', integer: true, min: 0, max: lockOutsiderPacketsMax,
        help: 'let outsider x0, a host outside the ring, have up to N packets in the network, any Transfer or Locked to any host ' +
          '(default 1 on IronFleet\'s network, 0 on lossy links, where it multiplies the states by about 40)',
      },
      network: {
        type: 'string', value: 'KIND',
        help: "ironfleet (default: every packet ever sent stays deliverable) or lossy (packets in flight, consumed on receipt, lost at any time; receiving is strongly fair)",
      },
      bug: { type: 'string', value: 'NAME', help: bugHelp(lockBugs) },
    },
    build: (args) => {
      const bug = pickBug<LockBug>(lockBugs, args.strings.get('bug'));
      if (!bug.ok) return bug;
      const network = args.strings.get('network') ?? 'ironfleet';
      if (network !== 'ironfleet' && network !== 'lossy') return err(`unknown network '${network}' (known: ironfleet, lossy)`);
      return ok(someModel(lockModel({
        hosts: args.numbers.get('hosts') ?? 3,
        maxEpoch: args.numbers.get('max-epoch') ?? 8,
        liveness: !args.booleans.has('no-liveness'),
        outsiders: args.numbers.get('outsiders') ?? (network === 'lossy' ? 0 : 1),
        network,
        ...bug.value,
      })));
    },
  },
  rsl: {
    summary: 'IronRSL: the real replica protocol, a stable leader (invariants, refinement to the spec, liveness); view changes with --view-tests',
    flags: {
      replicas: { type: 'number', value: 'N', help: 'number of replicas (default 3)', integer: true, min: 1, max: 5 },
      requests: { type: 'number', value: 'N', help: 'requests per client (default 1)', integer: true, min: 1, max: 4 },
      clients: { type: 'number', value: 'N', help: `number of clients (default 1)`, integer: true, min: 1, max: rslClientsMax },
      ballots: { type: 'number', value: 'S', help: 'do not explore ballots with seqno above S (default 1)', integer: true, min: 1, max: 4 },
      opns: {
        type: 'number', value: 'N', integer: true, min: 1, max: 8,
        help: 'do not propose slots at or above N, and keep N slots of log (default: requests of all clients + 1, at least 2; ' +
          'a request heard before phase 1 may take two slots)',
      },
      heartbeats: {
        type: 'string', value: 'N[,N...]',
        help: `heartbeats per replica, one bound for all or one per replica, e.g. 1,0 (default 0; each from 0 to ${rslHeartbeatsMax})`,
      },
      'view-tests': {
        type: 'number', value: 'N', integer: true, min: 0, max: 4,
        help: 'view tests per replica (default 0: a stable leader; 2 lets a view change happen, and turns liveness off)',
      },
      'client-to': { type: 'string', value: 'WHO', help: "leader (default: clients send to the first view's leader) or all" },
      network: {
        type: 'string', value: 'KIND',
        help: "ironfleet (default: every packet ever sent stays deliverable; invariants, refinement, liveness) or lossy " +
          '(packets in flight, consumed on receipt, lost at any time; receiving strongly fair, clients resend; liveness only)',
      },
      lose: {
        type: 'string', value: 'WHICH',
        help: 'on lossy links: all (default) or clients (only requests and replies are lost; no replica sends a 1a, 1b, 2a or 2b again under a stable leader)',
      },
      'no-liveness': { type: 'boolean', help: 'skip liveness (every request is eventually executed and answered)' },
      crashes: {
        type: 'boolean',
        help: 'replicas crash and restart, any one or all at once, keeping what docs/rsl.md §7 says survives (replicaRestart); safety only, so liveness is off',
      },
      bug: { type: 'string', value: 'NAME', help: bugHelp(rslBugs) },
    },
    build: (args) => {
      const bug = pickBug<RslBug>(rslBugs, args.strings.get('bug'));
      if (!bug.ok) return bug;
      const network = args.strings.get('network') ?? 'ironfleet';
      if (network !== 'ironfleet' && network !== 'lossy') return err(`unknown network '${network}' (known: ironfleet, lossy)`);
      const clientTo = args.strings.get('client-to') ?? 'leader';
      if (clientTo !== 'leader' && clientTo !== 'all') return err(`unknown --client-to '${clientTo}' (known: leader, all)`);
      const viewTests = args.numbers.get('view-tests') ?? 0;
      const crashes = args.booleans.has('crashes') || (bug.value.bug !== undefined && rslRestartBugs.has(bug.value.bug));
      const liveness = !args.booleans.has('no-liveness') && viewTests === 0 && !crashes;
      if (network === 'lossy' && crashes) return err('--crashes checks safety, in the ironfleet network: it cannot go with --network lossy');
      if (network === 'lossy' && !liveness) return err('--network lossy checks liveness only: it needs liveness on and no view tests');
      const lose = args.strings.get('lose') ?? 'all';
      if (lose !== 'all' && lose !== 'clients') return err(`unknown --lose '${lose}' (known: all, clients)`);
      const heartbeats = (args.strings.get('heartbeats') ?? '0').split(',').map(Number);
      if (!heartbeats.every((h) => Number.isInteger(h) && h >= 0 && h <= rslHeartbeatsMax)) {
        return err(`--heartbeats takes whole numbers from 0 to ${rslHeartbeatsMax}, separated by commas`);
      }
      const requests = args.numbers.get('requests') ?? 1;
      const clients = args.numbers.get('clients') ?? 1;
      const opns = args.numbers.get('opns') ?? Math.max(2, requests * clients + 1);
      return ok(someModel(rslModel({
        replicas: args.numbers.get('replicas') ?? 3,
        requests,
        clients,
        ballotSeqnoMax: args.numbers.get('ballots') ?? 1,
        opnMax: opns,
        params: { logLengthMax: opns },
        heartbeatsMax: heartbeats.length === 1 ? heartbeats[0] ?? 0 : heartbeats,
        viewTestsMax: viewTests,
        clientTo,
        network,
        lose,
        liveness,
        crashes,
        ...bug.value,
      })));
    },
  },
  kv: {
    summary: 'IronKV: the real sharded hash-table protocol with live moves (ownership invariants, refinement to the service spec, liveness)',
    flags: {
      hosts: { type: 'number', value: 'N', help: 'number of hosts (default 2)', integer: true, min: 1, max: kvModelMax.hosts },
      keys: { type: 'number', value: 'N', help: 'keys the clients use, a, b, c (default 2)', integer: true, min: 1, max: kvModelMax.keys },
      clients: { type: 'number', value: 'N', help: 'clients c0.. (default 1)', integer: true, min: 0, max: kvModelMax.clients },
      requests: {
        type: 'number', value: 'N', integer: true, min: 0, max: kvModelMax.requests,
        help: 'table operations per client: a set, a get, a delete in turn (default 3; 2 on lossy links)',
      },
      moves: {
        type: 'number', value: 'N', integer: true, min: 0, max: kvModelMax.moves,
        help: "moves the mover m0 asks for: every key but the last to the next host in turn (default 2; 1 on lossy links)",
      },
      'chunk-keys': { type: 'number', value: 'N', help: 'keys per delegate message (default 1)', integer: true, min: 1, max: 64 },
      'outsider-packets': {
        type: 'number', value: 'N', integer: true, min: 0, max: 32,
        help: 'packets clients and the mover may have in the network (default: every operation once plus one redirect; on lossy links 1 in flight)',
      },
      network: {
        type: 'string', value: 'KIND',
        help: 'ironfleet (default: every packet ever sent stays deliverable; refinement to the service spec) or lossy ' +
          '(packets in flight, consumed on receipt, lost at any time; receiving strongly fair, resending weakly fair; refinement to the table spec)',
      },
      'no-liveness': { type: 'boolean', help: 'skip liveness (every delegate message delivered and acknowledged, every request answered)' },
      bug: { type: 'string', value: 'NAME', help: bugHelp(kvBugs) },
    },
    build: (args) => {
      const bug = pickBug<KvBug>(kvBugs, args.strings.get('bug'));
      if (!bug.ok) return bug;
      const network = args.strings.get('network') ?? 'ironfleet';
      if (network !== 'ironfleet' && network !== 'lossy') return err(`unknown network '${network}' (known: ironfleet, lossy)`);
      const packets = args.numbers.get('outsider-packets');
      return ok(someModel(kvModel({
        hosts: args.numbers.get('hosts') ?? 2,
        keys: args.numbers.get('keys') ?? 2,
        clients: args.numbers.get('clients') ?? 1,
        ...optionalNumber('requests', args.numbers.get('requests')),
        ...optionalNumber('moves', args.numbers.get('moves')),
        chunkKeys: args.numbers.get('chunk-keys') ?? 1,
        ...(packets !== undefined ? { outsiderPackets: packets } : {}),
        network,
        liveness: !args.booleans.has('no-liveness'),
        ...bug.value,
      })));
    },
  },
  ring: {
    summary: 'a token ring built with the distributed-system adapter (hosts + network of every packet sent)',
    flags: {
      hosts: { type: 'number', value: 'N', help: 'number of hosts (default 3)', integer: true, min: 1, max: 8 },
      'max-round': { type: 'number', value: 'R', help: 'do not explore past token round R (default 6)', integer: true, min: 0, max: 1000 },
      liveness: { type: 'boolean', help: 'also check liveness: the last host eventually holds the token' },
      bug: { type: 'string', value: 'NAME', help: bugHelp(ringBugs) },
    },
    build: (args) => {
      const bug = pickBug<RingBug>(ringBugs, args.strings.get('bug'));
      if (!bug.ok) return bug;
      return ok(someModel(ringModel({
        hosts: args.numbers.get('hosts') ?? 3,
        maxRound: args.numbers.get('max-round') ?? 6,
        liveness: args.booleans.has('liveness'),
        ...bug.value,
      })));
    },
  },
};
