/**
 * Self-signed X.509 v3 certificates for Ed25519 keys. node:tls only speaks certificates, but
 * ironfleet trusts keys, not certificate authorities: the certificate is just the envelope that
 * carries a host's public key through the TLS 1.3 handshake, where CertificateVerify proves the
 * peer holds the matching private key. Peers then compare the key with the service file.
 *
 * The certificate is deterministic for a given key: fixed validity, a serial number and subject
 * derived from the key's id, and an Ed25519 signature (which is itself deterministic).
 */
import { sign, type KeyObject } from 'node:crypto';
import {
  derBitString, derBoolean, derExplicit, derGeneralizedTime, derOctetString, derOid, derSequence,
  derSet, derSmallInteger, derUnsignedInteger, derUtcTime, derUtf8String,
} from './der.js';

const oidEd25519 = '1.3.101.112';
const oidCommonName = '2.5.4.3';
const oidBasicConstraints = '2.5.29.19';
const oidKeyUsage = '2.5.29.15';

/** Validity: from 2000-01-01 to RFC 5280's "no well-defined expiration" date. */
const notBefore = '000101000000Z';
const notAfter = '99991231235959Z';

/**
 * The DER of a self-signed X.509 v3 certificate for an Ed25519 key pair: subject and issuer are
 * `CN=ironfleet <id>`, the serial is the first 16 bytes of the id, and the extensions say the key
 * signs (digitalSignature) and is no certificate authority.
 */
export function selfSignedCertificateDer(privateKey: KeyObject, publicKeyDer: Uint8Array, id: string): Uint8Array {
  const algorithm = derSequence(derOid(oidEd25519));
  const name = derSequence(derSet(derSequence(derOid(oidCommonName), derUtf8String(`ironfleet ${id.slice(0, 32)}`))));
  // Serial: positive and at most 20 bytes (RFC 5280); derUnsignedInteger keeps it non-negative.
  const serial = derUnsignedInteger(Buffer.from(id.slice(0, 32).padEnd(32, '0'), 'hex'));
  const extensions = derExplicit(3, derSequence(
    derSequence(derOid(oidBasicConstraints), derBoolean(true), derOctetString(derSequence())),
    // keyUsage: digitalSignature is bit 0, so one byte 0x80 with 7 unused bits.
    derSequence(derOid(oidKeyUsage), derBoolean(true), derOctetString(derBitString(Uint8Array.of(0x80), 7))),
  ));
  const tbs = derSequence(
    derExplicit(0, derSmallInteger(2)), // version 3
    serial,
    algorithm,
    name,
    derSequence(derUtcTime(notBefore), derGeneralizedTime(notAfter)),
    name,
    publicKeyDer,
    extensions,
  );
  const signature = sign(null, tbs, privateKey);
  return derSequence(tbs, algorithm, derBitString(signature));
}

/** The same certificate as PEM text, as node:tls takes it. */
export function selfSignedCertificatePem(privateKey: KeyObject, publicKeyDer: Uint8Array, id: string): string {
  const b64 = Buffer.from(selfSignedCertificateDer(privateKey, publicKeyDer, id)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
