/**
 * Host identity, as in IronFleet: a host is the SHA-256 of its public key. Keys are Ed25519; the
 * public key is held as its SubjectPublicKeyInfo DER (the bytes that are hashed), the private key
 * as a node:crypto KeyObject.
 */
import { errorText } from '../core/errors.js';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { HostId } from '../framework/types.js';
import { selfSignedCertificatePem } from './certificate.js';

import type { Result } from '../core/result.js';
import { err, ok } from '../core/result.js';

/** A host's identity: the SHA-256 of `SPKI DER`, as 64 lowercase hex digits. */
export function hostIdOfPublicKey(spkiDer: Uint8Array): HostId {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/** The first 8 hex digits of a host id, for log lines. */
export function shortId(id: HostId): string {
  return id.length > 8 ? `${id.slice(0, 8)}..` : id;
}

/** The SubjectPublicKeyInfo DER of a public (or private) key. */
export function spkiDerOf(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ format: 'der', type: 'spki' });
}

/**
 * A host's own key material, ready for TLS: its id, public key bytes, private key, and the
 * self-signed certificate that carries the public key in the handshake.
 */
export interface LocalIdentity {
  readonly id: HostId;
  /** SubjectPublicKeyInfo DER of the public key. */
  readonly publicKeyDer: Buffer;
  readonly privateKey: KeyObject;
  /** PEM of the private key (PKCS#8), as node:tls takes it. */
  readonly privateKeyPem: string;
  /** PEM of a self-signed X.509 certificate for the public key (deterministic for a key). */
  readonly certificatePem: string;
}

/** A fresh Ed25519 identity: used by `ironfleet certs` for servers and by clients as an ephemeral key. */
export function generateIdentity(): LocalIdentity {
  const { privateKey } = generateKeyPairSync('ed25519');
  return identityOfPrivateKey(privateKey);
}

/** The identity that a private key determines. */
export function identityOfPrivateKey(privateKey: KeyObject): LocalIdentity {
  const publicKeyDer = spkiDerOf(privateKey);
  const id = hostIdOfPublicKey(publicKeyDer);
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { id, publicKeyDer, privateKey, privateKeyPem, certificatePem: selfSignedCertificatePem(privateKey, publicKeyDer, id) };
}

/** The PKCS#8 DER of a private key (what the private key file stores, base64-encoded). */
export function pkcs8DerOf(privateKey: KeyObject): Buffer {
  return privateKey.export({ format: 'der', type: 'pkcs8' });
}

/** Parses PKCS#8 DER as an Ed25519 private key; a sentence saying what is wrong otherwise. */
export function parseEd25519PrivateKey(der: Uint8Array): Result<KeyObject, string> {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (e) {
    return err(`not a PKCS#8 private key (${errorText(e)})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') return err(`expected an ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return ok(key);
}

/** Parses SubjectPublicKeyInfo DER as an Ed25519 public key; a sentence saying what is wrong otherwise. */
export function parseEd25519PublicKey(der: Uint8Array): Result<KeyObject, string> {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (e) {
    return err(`not a SubjectPublicKeyInfo public key (${errorText(e)})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') return err(`expected an ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  // A key that parses but whose canonical encoding differs would hash to another id.
  if (!spkiDerOf(key).equals(Buffer.from(der))) return err('public key is not in canonical DER form');
  return ok(key);
}
