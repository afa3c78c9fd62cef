import type { DurableStore, HostEnvironment, ImplHost, StepReport } from '../../framework/host.js';
import type { HostId } from '../../framework/types.js';
import type { SafetyCheck, SafetyView, SimSystem } from '../system.js';
import { everyHostEmitsWithin } from '../liveness.js';
import { DurableRecord } from '../../framework/durable-record.js';
import { getU32, putU32 } from '../../core/bytes.js';
import { RingCodec } from './ring-codec.js';
import type { RingMsg } from './ring-codec.js';

/**
 * A toy token ring for testing the simulator: a token with an epoch passes around the hosts. The
 * holder keeps it for `holdMs`, then hands it to the next host, retransmitting until acknowledged;
 * a host accepts a transfer only for an epoch above any it has seen. Every change is synced to the
 * disk before a packet that depends on it is sent, so crashes neither lose nor duplicate the token;
 * only the end of a transfer (the acknowledgement) is written without a sync, which may be lost.
 *
 * Two deliberately buggy variants let tests check that the simulator finds bugs: 'unsafe' accepts
 * a transfer whose epoch equals its own (a duplicated or retransmitted transfer is accepted twice),
 * and 'stuck' sends each transfer once and never retransmits (a lost packet loses the token).
 */

/** Which ring: the correct one or a deliberately buggy one. */
export type RingVariant = 'correct' | 'unsafe' | 'stuck';

/** The configuration every host of the ring shares. */
export interface RingConfig {
  readonly hosts: readonly HostId[];
  /** How long a holder keeps the token before passing it on, in ms. */
  readonly holdMs: number;
  /** How often an unacknowledged transfer is sent again, in ms. */
  readonly retransmitMs: number;
  readonly variant: RingVariant;
}

/** A ring host's abstract state. */
export interface RingState {
  readonly epoch: number;
  readonly holding: boolean;
  /** Sent the token at epoch + 1 to the next host and waits for its acknowledgement. */
  readonly transferring: boolean;
  /** Still reading its disk after a start. */
  readonly recovering: boolean;
}

/** Step reports, shared: a step returns one of these rather than allocating its own. */
const idleStep: StepReport = { action: null };
const acceptStep: StepReport = { action: 'accept' };
const ackStaleStep: StepReport = { action: 'ackStale' };
const acknowledgedStep: StepReport = { action: 'acknowledged' };
const releaseStep: StepReport = { action: 'release' };
const retransmitStep: StepReport = { action: 'retransmit' };

/** How often a host that could not read its disk tries again, in ms. */
const recoverRetryMs = 5;

/** One host of the toy ring. */
export class RingHost implements ImplHost<RingState, RingMsg> {
  private epoch = 0;
  private holding = false;
  private transferring = false;
  private recovering = true;
  /** Local clock when the current hold began (null: not yet read since it began). */
  private heldSinceMs: number | null = null;
  /** Local clock at which to send the transfer again (null: send at the next step). */
  private resendAtMs: number | null = null;
  private readonly store: DurableRecord;
  private readonly next: HostId;

  constructor(private readonly me: HostId, disk: DurableStore, private readonly config: RingConfig) {
    this.store = new DurableRecord(disk, 'ring');
    const i = config.hosts.indexOf(me);
    this.next = config.hosts[(i + 1) % config.hosts.length] ?? me;
    this.recover();
  }

  step(env: HostEnvironment<RingMsg>): StepReport {
    if (this.recovering && !this.recover()) {
      env.now();
      return idleStep;
    }
    const packet = env.receive();
    const nowMs = env.now();
    if (packet !== null) {
      const m = packet.msg;
      switch (m.type) {
        case 'transfer':
          return this.onTransfer(env, packet.src, m.epoch, nowMs);
        case 'ack':
          if (this.transferring && m.epoch === this.epoch + 1) {
            this.transferring = false;
            this.resendAtMs = null;
            // Not synced: if a crash loses this, the host only retransmits a transfer once more.
            this.store.saveUnsynced(encodeState(this.epoch, false, false));
            return acknowledgedStep;
          }
          return idleStep;
        default: {
          const never: never = m;
          throw new Error(`unknown ring message ${JSON.stringify(never)}`);
        }
      }
    }
    if (this.holding) {
      if (this.heldSinceMs === null) this.heldSinceMs = nowMs;
      if (nowMs - this.heldSinceMs < this.config.holdMs) return idleStep;
      if (!this.store.save(encodeState(this.epoch, false, true)).ok) return idleStep;
      this.holding = false;
      this.heldSinceMs = null;
      this.transferring = true;
      this.resendAtMs = nowMs + this.config.retransmitMs;
      env.send(this.next, { type: 'transfer', epoch: this.epoch + 1 });
      return releaseStep;
    }
    if (this.transferring && this.config.variant !== 'stuck' && (this.resendAtMs === null || nowMs >= this.resendAtMs)) {
      this.resendAtMs = nowMs + this.config.retransmitMs;
      env.send(this.next, { type: 'transfer', epoch: this.epoch + 1 });
      return retransmitStep;
    }
    return idleStep;
  }

  private onTransfer(env: HostEnvironment<RingMsg>, src: HostId, epoch: number, nowMs: number): StepReport {
    const fresh = this.config.variant === 'unsafe' ? epoch >= this.epoch : epoch > this.epoch;
    if (!fresh) {
      // Already have it (or later): the sender only needs to hear so.
      env.send(src, { type: 'ack', epoch });
      return ackStaleStep;
    }
    if (!this.store.save(encodeState(epoch, true, false)).ok) return idleStep;
    this.epoch = epoch;
    this.holding = true;
    this.transferring = false;
    this.heldSinceMs = nowMs;
    this.resendAtMs = null;
    env.emit(`accept ${epoch}`);
    env.send(src, { type: 'ack', epoch });
    return acceptStep;
  }

  abstract(): RingState {
    return { epoch: this.epoch, holding: this.holding, transferring: this.transferring, recovering: this.recovering };
  }

  wakeAfterMs(nowMs: number): number | null {
    if (this.recovering) return recoverRetryMs;
    if (this.holding) return this.heldSinceMs === null ? 0 : Math.max(0, this.heldSinceMs + this.config.holdMs - nowMs);
    if (this.transferring && this.config.variant !== 'stuck') {
      return this.resendAtMs === null ? 0 : Math.max(0, this.resendAtMs - nowMs);
    }
    return null;
  }

  /** Reads the last synced state; false when the disk could not be read (try again later). */
  private recover(): boolean {
    const r = this.store.recover();
    if (!r.ok) return false;
    if (r.value === null) {
      // Nothing was ever synced: the first host starts with the token.
      this.epoch = this.me === this.config.hosts[0] ? 1 : 0;
      this.holding = this.me === this.config.hosts[0];
    } else {
      const s = decodeState(r.value);
      this.epoch = s.epoch;
      this.holding = s.holding;
      this.transferring = s.transferring;
    }
    this.recovering = false;
    return true;
  }
}

function encodeState(epoch: number, holding: boolean, transferring: boolean): Uint8Array {
  const out = new Uint8Array(5);
  putU32(out, 0, epoch);
  out[4] = (holding ? 1 : 0) | (transferring ? 2 : 0);
  return out;
}

function decodeState(b: Uint8Array): { epoch: number; holding: boolean; transferring: boolean } {
  const flags = b[4] ?? 0;
  return { epoch: getU32(b, 0), holding: (flags & 1) !== 0, transferring: (flags & 2) !== 0 };
}

/**
 * The ring's safety: at most one host holds the token, and accepted epochs only go up (so no
 * epoch is accepted twice). They may skip: a host whose sync failed may still find the new state
 * on its disk after a crash, and hold the token without having announced it.
 */
export class RingSafety implements SafetyCheck<RingState> {
  private lastAccepted = 1;

  afterStep(view: SafetyView<RingState>): string | null {
    for (const e of view.emitted) {
      if (!e.startsWith('accept ')) continue;
      const epoch = Number(e.slice('accept '.length));
      if (!(epoch > this.lastAccepted)) {
        return `${view.stepped} accepted epoch ${epoch} after epoch ${this.lastAccepted} was accepted`;
      }
      this.lastAccepted = epoch;
    }
    let holder: HostId | null = null;
    for (const id of view.hostIds) {
      if (view.state(id)?.holding !== true) continue;
      if (holder !== null) return `${holder} and ${id} both hold the token`;
      holder = id;
    }
    return null;
  }
}

/** Options of the toy ring binding. */
export interface RingOptions {
  readonly hosts?: number;
  readonly holdMs?: number;
  readonly retransmitMs?: number;
  readonly variant?: RingVariant;
}

/** The toy ring as a simulator binding. */
export function ringSystem(options: RingOptions = {}): SimSystem<RingState, RingMsg, RingConfig> {
  const n = options.hosts ?? 3;
  const config: RingConfig = {
    hosts: Array.from({ length: n }, (_, i) => `h${i}`),
    holdMs: options.holdMs ?? 2,
    retransmitMs: options.retransmitMs ?? 20,
    variant: options.variant ?? 'correct',
  };
  // After faults stop the token may wait for one retransmission, then goes once around the ring.
  const withinMs = 200 + n * (config.holdMs + 40) + config.retransmitMs;
  return {
    name: config.variant === 'correct' ? 'ring' : `ring-${config.variant}`,
    hostIds: config.hosts,
    config,
    createHost: (id, disk, c) => new RingHost(id, disk, c),
    codec: new RingCodec(),
    createSafetyCheck: () => new RingSafety(),
    liveness: everyHostEmitsWithin('accept ', withinMs),
    showMsg: (m) => `${m.type}(${m.epoch})`,
    defaultDurationMs: 2_000,
    defaultQuietMs: Math.max(1_000, 2 * withinMs),
  };
}
