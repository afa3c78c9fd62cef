import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash, X509Certificate } from 'node:crypto';
import { derLength, derOid, derSmallInteger, derUnsignedInteger } from './der.js';
import { selfSignedCertificateDer } from './certificate.js';
import {
  generateIdentity, hostIdOfPublicKey, identityOfPrivateKey, parseEd25519PrivateKey, parseEd25519PublicKey, pkcs8DerOf,
} from './identity.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('DER encoder', () => {
  it('encodes lengths in short form below 128 and minimal long form above', () => {
    expect(hex(derLength(0))).toBe('00');
    expect(hex(derLength(127))).toBe('7f');
    expect(hex(derLength(128))).toBe('8180');
    expect(hex(derLength(255))).toBe('81ff');
    expect(hex(derLength(256))).toBe('820100');
    expect(hex(derLength(65536))).toBe('83010000');
  });

  it('encodes integers minimally and never negative', () => {
    expect(hex(derSmallInteger(0))).toBe('020100');
    expect(hex(derSmallInteger(2))).toBe('020102');
    expect(hex(derSmallInteger(128))).toBe('02020080');
    expect(hex(derUnsignedInteger(Uint8Array.of(0, 0, 0x7f)))).toBe('02017f');
    expect(hex(derUnsignedInteger(Uint8Array.of(0xff)))).toBe('020200ff');
  });

  it('encodes OIDs with base-128 arcs', () => {
    expect(hex(derOid('1.3.101.112'))).toBe('06032b6570'); // Ed25519
    expect(hex(derOid('2.5.29.19'))).toBe('0603551d13'); // basicConstraints
    expect(hex(derOid('1.2.840.113549'))).toBe('06062a864886f70d');
  });

  it('agrees with a reference decoding of the length for any size', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
      const bytes = derLength(n);
      const first = bytes[0] ?? 0;
      if (n < 128) {
        expect(bytes).toEqual(Uint8Array.of(n));
        return;
      }
      const count = first & 0x7f;
      expect(bytes.length).toBe(1 + count);
      expect(bytes[1]).not.toBe(0);
      let value = 0;
      for (let i = 1; i <= count; i++) value = value * 256 + (bytes[i] ?? 0);
      expect(value).toBe(n);
    }));
  });
});

describe('identity', () => {
  it('is the SHA-256 of the SubjectPublicKeyInfo DER, as 64 hex digits', () => {
    const me = generateIdentity();
    expect(me.id).toMatch(/^[0-9a-f]{64}$/);
    expect(me.id).toBe(createHash('sha256').update(me.publicKeyDer).digest('hex'));
    expect(hostIdOfPublicKey(me.publicKeyDer)).toBe(me.id);
    expect(generateIdentity().id).not.toBe(me.id);
  });

  it('round-trips through PKCS#8 and refuses keys that are not Ed25519', () => {
    const me = generateIdentity();
    const parsed = parseEd25519PrivateKey(pkcs8DerOf(me.privateKey));
    expect(parsed.ok && identityOfPrivateKey(parsed.value).id).toBe(me.id);
    expect(parseEd25519PrivateKey(Buffer.from('not a key')).ok).toBe(false);
    expect(parseEd25519PublicKey(me.publicKeyDer).ok).toBe(true);
    const bad = parseEd25519PublicKey(me.publicKeyDer.subarray(0, 20));
    expect(bad.ok ? 'parsed' : bad.error).toMatch(/not a SubjectPublicKeyInfo/);
  });
});

describe('self-signed certificate', () => {
  it('is a valid X.509 v3 certificate for the key, signed by it', () => {
    const me = generateIdentity();
    const cert = new X509Certificate(me.certificatePem);
    expect(cert.publicKey.export({ format: 'der', type: 'spki' })).toEqual(me.publicKeyDer);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(me.privateKey)).toBe(true);
    expect(cert.subject).toBe(`CN=ironfleet ${me.id.slice(0, 32)}`);
    // Compared as numbers: how many leading zero digits the serial is printed with depends on the
    // id's first bytes (DER drops zero bytes and adds one before a high bit), and ids are random.
    expect(BigInt(`0x${cert.serialNumber}`)).toBe(BigInt(`0x${me.id.slice(0, 32)}`));
    expect(cert.ca).toBe(false);
    expect(new Date(cert.validTo).getUTCFullYear()).toBe(9999);
  });

  it('is deterministic for a given key and differs between keys', () => {
    const me = generateIdentity();
    const again = selfSignedCertificateDer(me.privateKey, me.publicKeyDer, me.id);
    expect(hex(again)).toBe(hex(selfSignedCertificateDer(me.privateKey, me.publicKeyDer, me.id)));
    expect(identityOfPrivateKey(me.privateKey).certificatePem).toBe(me.certificatePem);
    expect(generateIdentity().certificatePem).not.toBe(me.certificatePem);
  });
});
