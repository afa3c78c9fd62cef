import type { SimSystemEntry, SystemOptionSpec } from '../sim/entry.js';
import { anySystem, numberOption } from '../sim/entry.js';
import { ringSystem } from '../sim/testing/ring.js';
import type { RingVariant } from '../sim/testing/ring.js';
import { counterSystem } from '../sim/testing/counter.js';
import type { CounterVariant } from '../sim/testing/counter.js';
import { lockSystem, type LockSimVariant } from '../lock/sim.js';
import { rslSystem, type RslSimApp, type RslSimVariant } from '../rsl/sim.js';

/**
 * The systems `ironfleet sim` can run, by name. The toy systems of src/sim/testing come with
 * deliberately buggy variants, so anyone can watch the simulator find a bug and replay it.
 */

export type { AnySimSystem, SimSystemEntry, SystemOptionSpec, SystemOptionValues } from '../sim/entry.js';

const ringOptions: Readonly<Record<string, SystemOptionSpec>> = {
  hosts: { type: 'number', value: 'N', help: 'hosts in the ring (default 3)', min: 2, max: 64, integer: true },
  'hold-ms': { type: 'number', value: 'MS', help: 'how long a host holds the token (default 2)', min: 0, max: 10_000 },
  'retransmit-ms': { type: 'number', value: 'MS', help: 'transfer retransmission interval (default 20)', min: 1, max: 10_000 },
};

function ringEntry(variant: RingVariant, summary: string): SimSystemEntry {
  return {
    summary,
    ...(variant !== 'correct' ? { deliberatelyBuggy: true } : {}),
    options: ringOptions,
    build: (values) => {
      const hosts = numberOption(values, 'hosts');
      const holdMs = numberOption(values, 'hold-ms');
      const retransmitMs = numberOption(values, 'retransmit-ms');
      return anySystem(ringSystem({
        variant,
        ...(hosts !== undefined ? { hosts } : {}),
        ...(holdMs !== undefined ? { holdMs } : {}),
        ...(retransmitMs !== undefined ? { retransmitMs } : {}),
      }));
    },
  };
}

const counterOptions: Readonly<Record<string, SystemOptionSpec>> = {
  clients: { type: 'number', value: 'N', help: 'clients issuing increments (default 3)', min: 1, max: 64, integer: true },
  'retransmit-ms': { type: 'number', value: 'MS', help: 'client retransmission interval (default 20)', min: 1, max: 10_000 },
};

function counterEntry(variant: CounterVariant, summary: string): SimSystemEntry {
  return {
    summary,
    ...(variant !== 'correct' ? { deliberatelyBuggy: true } : {}),
    options: counterOptions,
    build: (values) => {
      const clients = numberOption(values, 'clients');
      const retransmitMs = numberOption(values, 'retransmit-ms');
      return anySystem(counterSystem({
        variant,
        ...(clients !== undefined ? { clients } : {}),
        ...(retransmitMs !== undefined ? { retransmitMs } : {}),
      }));
    },
  };
}

const lockOptions: Readonly<Record<string, SystemOptionSpec>> = {
  hosts: { type: 'number', value: 'N', help: 'hosts in the ring (default 3)', min: 2, max: 64, integer: true },
  'hold-ms': { type: 'number', value: 'MS', help: 'how long a host holds the lock (default 2)', min: 0, max: 10_000 },
  'retransmit-ms': { type: 'number', value: 'MS', help: 'grant retransmission interval (default 20)', min: 1, max: 10_000 },
};

function lockEntry(variant: LockSimVariant, summary: string): SimSystemEntry {
  return {
    summary,
    ...(variant !== 'correct' ? { deliberatelyBuggy: true } : {}),
    options: lockOptions,
    build: (values) => {
      const hosts = numberOption(values, 'hosts');
      return anySystem(lockSystem({
        variant,
        ...(hosts !== undefined ? { hosts } : {}),
        timing: { holdMs: numberOption(values, 'hold-ms') ?? 2, retransmitIntervalMs: numberOption(values, 'retransmit-ms') ?? 20 },
      }));
    },
  };
}

const rslOptions: Readonly<Record<string, SystemOptionSpec>> = {
  replicas: { type: 'number', value: 'N', help: 'replicas (default 3)', min: 1, max: 9, integer: true },
  clients: { type: 'number', value: 'N', help: 'clients, each with one request outstanding (default 3)', min: 1, max: 64, integer: true },
  app: { type: 'string', value: 'kv|counter', help: 'the replicated service (default kv)' },
};

function rslEntry(variant: RslSimVariant, summary: string): SimSystemEntry {
  return {
    summary,
    ...(variant !== 'correct' ? { deliberatelyBuggy: true } : {}),
    options: rslOptions,
    build: (values) => {
      const replicas = numberOption(values, 'replicas');
      const clients = numberOption(values, 'clients');
      const app = values.get('app');
      return anySystem(rslSystem({
        variant,
        ...(replicas !== undefined ? { replicas } : {}),
        ...(clients !== undefined ? { clients } : {}),
        ...(app === 'kv' || app === 'counter' ? { app: app satisfies RslSimApp } : {}),
        ...(variant === 'execute-twice' && app === undefined ? { app: 'counter' as const } : {}),
      }));
    },
  };
}

/** Every system the simulator can run, by name. */
export const simSystems: Readonly<Record<string, SimSystemEntry>> = {
  lock: lockEntry('correct', 'IronLock: the real hosts under the refinement monitor, with durable state'),
  'lock-accept-stale': lockEntry('accept-stale', 'IronLock, deliberately broken: accepts a transfer whose epoch is not above its own'),
  'lock-wrong-locked': lockEntry('wrong-locked', 'IronLock, deliberately broken: announces Locked with the previous epoch (spec check)'),
  'lock-accept-outsider': lockEntry('accept-outsider', 'IronLock, deliberately broken: takes a transfer from a host outside the ring (outsiders)'),
  'lock-grant-unsynced': lockEntry('grant-unsynced', 'IronLock, deliberately broken: sends its grant before its state is on disk'),
  rsl: rslEntry('correct', 'IronRSL: three real replicas of the kv store (or counter) under the refinement monitor, clients checked for linearizability'),
  'rsl-execute-twice': rslEntry('execute-twice', 'IronRSL, deliberately broken: the executor runs a resent request again (spec check)'),
  'rsl-accept-below-promise-impl': rslEntry('accept-below-promise-impl', 'IronRSL, deliberately broken: an acceptor takes a 2a below its promise (refinement monitor)'),
  'rsl-accept-below-promise': rslEntry('accept-below-promise', 'IronRSL, deliberately broken: implementation and protocol take a 2a below the promise (spec check, linearizability)'),
  'rsl-ack-before-sync': rslEntry('ack-before-sync', 'IronRSL, deliberately broken: sends its 1b or 2b before the promise or vote is synced (spec check, with --crash-all-rate)'),
  ring: ringEntry('correct', 'toy token ring with a persisted epoch (tests the simulator)'),
  'ring-unsafe': ringEntry('unsafe', 'toy ring, deliberately buggy: accepts a repeated transfer (safety)'),
  'ring-stuck': ringEntry('stuck', 'toy ring, deliberately buggy: never retransmits (liveness)'),
  counter: counterEntry('correct', 'toy counter server with clients and a history check'),
  'counter-dupinc': counterEntry('dupinc', 'toy counter, deliberately buggy: applies retransmitted requests again'),
};
