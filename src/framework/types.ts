/**
 * The vocabulary shared by every layer: hosts and packets.
 */

/**
 * A host's identity. On the wire it is the SHA-256 of the host's public key, as 64 hex digits
 * (see src/net/identity.ts); in models and simulations any distinct strings will do.
 */
export type HostId = string;

/** A message in flight from `src` to `dst`. Protocol packets carry typed messages, not bytes. */
export interface Packet<M> {
  readonly src: HostId;
  readonly dst: HostId;
  readonly msg: M;
}
