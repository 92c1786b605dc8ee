import { temporal } from '@temporalio/proto';
import { ConfigError } from '../config/env';
import { searchAttributeCliTypes, searchAttributeKeys } from '../config/search-attributes';

type IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const { IndexedValueType } = temporal.api.enums.v1;

/** Either connection kind (client or worker) reaches the operator service. */
export interface OperatorConnection {
  operatorService: Pick<temporal.api.operatorservice.v1.OperatorService, 'listSearchAttributes'>;
}

export interface MissingSearchAttribute {
  name: string;
  /** The type the workflows write, as the CLI spells it. */
  type: string;
  /** Registered under another type: the server would reject the workflows' upserts all the same. */
  registeredAs?: string;
}

/** `INDEXED_VALUE_TYPE_KEYWORD_LIST` as the CLI spells it: `KeywordList`. */
const cliTypeOf = (type: IndexedValueType) =>
  (IndexedValueType[type] ?? String(type))
    .replace('INDEXED_VALUE_TYPE_', '')
    .split('_')
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join('');

/**
 * Refusing to start beats running without the attributes: a workflow that upserts an
 * unregistered one fails its workflow task and stalls, with the visit's timers stopped.
 */
export class SearchAttributesMissing extends ConfigError {
  constructor(
    readonly missing: MissingSearchAttribute[],
    namespace: string,
    address: string,
  ) {
    super(missing.map((m) => `${m.name} (${m.type})${m.registeredAs ? ` is registered as ${m.registeredAs}` : ' is not registered'}`));
    this.name = 'SearchAttributesMissing';
    this.message = [
      `Temporal namespace "${namespace}" at ${address} lacks search attributes CareWatch writes: ${missing.map((m) => `${m.name} (${m.type}${m.registeredAs ? `, registered as ${m.registeredAs}` : ''})`).join(', ')}.`,
      'Without them every visit and plan would stall at its first step. Register them once, then start again:',
      ...missing.map((m) => `  temporal operator search-attribute create --address ${address} --namespace ${namespace} --name ${m.name} --type ${m.type}`),
      '(`npm start` registers them on the dev server it runs itself; a wrongly typed one must be removed first.)',
    ].join('\n');
  }
}

/** The search attributes the workflows write that the namespace does not have, or has with another type. */
export async function missingSearchAttributes(connection: OperatorConnection, namespace: string): Promise<MissingSearchAttribute[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const registered = customAttributes ?? {};
  const wanted = searchAttributeCliTypes();
  return searchAttributeKeys.flatMap((key) => {
    const type = wanted[key.name];
    const actual = registered[key.name];
    if (actual === undefined) return [{ name: key.name, type }];
    return actual === IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`] ? [] : [{ name: key.name, type, registeredAs: cliTypeOf(actual) }];
  });
}

/** Throws SearchAttributesMissing (exit code 78 through runMain) unless every attribute is registered. */
export async function requireSearchAttributes(connection: OperatorConnection, namespace: string, address: string): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length) throw new SearchAttributesMissing(missing, namespace, address);
}
