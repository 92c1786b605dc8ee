import { DefaultPayloadConverter } from '@temporalio/common';
import { workerEnvSchema, loadConfig, ConfigError } from '../config/env';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, newPayloadKey, parsePayloadKeys } from '../lib/codec';

const converter = new DefaultPayloadConverter();
const ring = (spec: string, activeKeyId: string) => new AesGcmPayloadCodec({ keys: parsePayloadKeys(spec), activeKeyId });
const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? new Uint8Array()).toString('latin1');

describe('The payload codec (AES-256-GCM, key ids for rotation)', () => {
  const oldKey = newPayloadKey('k1');
  const newKey = newPayloadKey('k2');
  const secret = { name: 'Wendy Worker', address: '3 Mill Lane, York' };

  it('When a payload is encoded, then its bytes hide the content and name the key; decoding gives it back', async () => {
    const codec = ring(oldKey, 'k1');
    const [encoded] = await codec.encode([converter.toPayload(secret)]);
    expect(text(encoded.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded.metadata!['encryption-key-id'])).toBe('k1');
    expect(text(encoded.data)).not.toContain('Wendy');
    const [decoded] = await codec.decode([encoded]);
    expect(converter.fromPayload(decoded)).toEqual(secret);
    // A fresh IV each time: the same value never encrypts the same way twice.
    const [again] = await codec.encode([converter.toPayload(secret)]);
    expect(text(again.data)).not.toBe(text(encoded.data));
  });

  it('When the key rotates, then payloads written under the old key still decode and new ones use the new key', async () => {
    const [before] = await ring(oldKey, 'k1').encode([converter.toPayload(secret)]);
    const rotated = ring(`${oldKey},${newKey}`, 'k2');
    expect(converter.fromPayload((await rotated.decode([before]))[0])).toEqual(secret);
    const [after] = await rotated.encode([converter.toPayload(secret)]);
    expect(text(after.metadata!['encryption-key-id'])).toBe('k2');
    await expect(ring(newKey, 'k2').decode([before])).rejects.toThrow('payload encrypted with key "k1", which is not configured');
  });

  it('When a payload was recorded before encryption, then it passes through unchanged', async () => {
    const plain = converter.toPayload({ recorded: 'before encryption' });
    expect(await ring(oldKey, 'k1').decode([plain])).toEqual([plain]);
  });

  it('When an encrypted payload is tampered with, then decoding fails instead of returning altered data', async () => {
    const [encoded] = await ring(oldKey, 'k1').encode([converter.toPayload(secret)]);
    encoded.data![20] ^= 0xff;
    await expect(ring(oldKey, 'k1').decode([encoded])).rejects.toThrow();
  });

  it('When the keys are misconfigured, then the configuration error names the variable', () => {
    const base = { DATABASE_URL: 'postgresql://u:p@localhost/db', SMTP_URL: 'smtp://localhost:25', LINK_SIGNING_SECRET: 'x'.repeat(32) };
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(workerEnvSchema, { ...base, ...env });
        return '';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
    };
    expect(message({ PAYLOAD_KEYS: 'k1:c2hvcnQ=', PAYLOAD_ACTIVE_KEY_ID: 'k1' })).toContain('PAYLOAD_KEYS: key "k1" must be 32 bytes in base64 (it is 5)');
    expect(message({ PAYLOAD_KEYS: oldKey, PAYLOAD_ACTIVE_KEY_ID: 'k9' })).toContain('PAYLOAD_ACTIVE_KEY_ID: must name one of the keys in PAYLOAD_KEYS (k1)');
    expect(message({ PAYLOAD_KEYS: `${oldKey},${oldKey}`, PAYLOAD_ACTIVE_KEY_ID: 'k1' })).toContain('key id "k1" appears twice');
    expect(message({ PAYLOAD_KEYS: `${oldKey},${newKey}`, PAYLOAD_ACTIVE_KEY_ID: 'k2' })).toBe('');
  });
});
