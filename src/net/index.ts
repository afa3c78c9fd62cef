/**
 * The network layer, exported as `ironfleet/net`: host identities and the service and private
 * key files that name them, the TLS transport with pinned keys, the host event loop that runs an
 * implementation host on it, and the file-backed durable store. See docs/net.md. The helpers in
 * `./testkit.js` (loopback ports, a string codec) are for this project's tests and demos and are
 * not part of the public API.
 */
export type { LocalIdentity } from './identity.js';
export {
  generateIdentity, hostIdOfPublicKey, identityOfPrivateKey, parseEd25519PrivateKey, parseEd25519PublicKey,
  pkcs8DerOf, shortId, spkiDerOf,
} from './identity.js';
export type { FileError, ServerEntry, ServerIdentity, ServiceConfig } from './service-file.js';
export {
  configFileBytesMax, describeFileError, generateService, loadServerIdentity, loadServiceFile, makeServiceConfig,
  parsePrivateFile, parseServiceFile, privateFileKind, privateFileName, renderPrivateFile, renderServiceFile,
  serversMax, serviceFileKind, serviceFileName,
} from './service-file.js';
export type {
  ClientTransportOptions, PacketReceiver, ServerTransport, ServerTransportOptions, Transport, TransportCommonOptions,
} from './transport.js';
export { startClientTransport, startServerTransport } from './transport.js';
export type { TransportLimits } from './limits.js';
export { defaultTransportLimits, transportLimits } from './limits.js';
export type { DropReason, TransportStats } from './stats.js';
export type { Logger } from './log.js';
export { stderrLogger } from './log.js';
export { frameBytesLimit, frameHeaderBytes } from './frame.js';
export type { HostEventLoopOptions, StepRecord, StopReason } from './event-loop.js';
export { defaultReceiveQueueLengthMax, defaultStepsPerTurnMax, HostEventLoop, monotonicClockMs } from './event-loop.js';
export { FileStore } from './file-store.js';
