import { hash } from 'node:crypto';
import { parse } from 'uuid';

/**
 * Name-based UUIDs, version 5 (RFC 9562 §5.5: SHA-1 of the namespace's 16 bytes followed by
 * the name's UTF-8 bytes): the same output as the `uuid` package's v5, which stays the
 * reference in the tests. Every recorded event gets one (its id derives from its command),
 * and there the package cost ~9 µs per id on the request loop: it re-parses and re-validates
 * the namespace, copies the name byte by byte into an array and hashes through a Hash
 * object. Here the namespace is parsed once and the hash is one call.
 */
export function nameBasedUuid(namespace: string): (name: string) => string {
  const namespaceBytes = Buffer.from(parse(namespace));
  return (name) => {
    const hex = hash('sha1', Buffer.concat([namespaceBytes, Buffer.from(name, 'utf8')]), 'hex');
    // Version 5 in the high nibble of byte 6; the RFC variant (10xx) in the high bits of byte 8.
    const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
}
