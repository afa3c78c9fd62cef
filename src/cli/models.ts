import type { FlagSpec, ParsedArgs } from './args.js';
import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';
import type { SomeModel } from '../check/model.js';
import { someModel } from '../check/model.js';
import type { LockBug } from '../lock/model.js';
import { lockBugs, lockModel, lockOutsiderPacketsMax } from '../lock/model.js';
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
