import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, parsePayloadKeys } from './codec';

/** The payload-key settings every Temporal client and worker of the service is given. */
export interface PayloadKeyConfig {
  PAYLOAD_KEYS: string;
  PAYLOAD_ACTIVE_KEY_ID: string;
}

export function payloadCodec(config: PayloadKeyConfig): AesGcmPayloadCodec {
  return new AesGcmPayloadCodec({ keys: parsePayloadKeys(config.PAYLOAD_KEYS), activeKeyId: config.PAYLOAD_ACTIVE_KEY_ID });
}

/**
 * The one data converter: workers, the API's client, scripts and tests all build theirs
 * here, so nothing reaches the Temporal server unencrypted.
 */
export function dataConverter(config: PayloadKeyConfig): DataConverter {
  return { payloadCodecs: [payloadCodec(config)] };
}
