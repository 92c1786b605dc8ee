import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Search attributes every workflow keeps up to date so operators can list and count in the
 * Web UI, the CLI and the API. Never names, addresses or free text: only categories and times.
 */
export const SA = {
  kind: defineSearchAttributeKey('CareKind', 'KEYWORD'),
  status: defineSearchAttributeKey('CareStatus', 'KEYWORD'),
  team: defineSearchAttributeKey('CareTeam', 'KEYWORD'),
  nextDeadline: defineSearchAttributeKey('CareNextDeadline', 'DATETIME'),
  escalationLevel: defineSearchAttributeKey('CareEscalationLevel', 'INT'),
} as const;

export const searchAttributeKeys = Object.values(SA);

/** `name=Type` pairs for `temporal server start-dev --search-attribute`. */
export function searchAttributeCliTypes(): Record<string, string> {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime', INT: 'Int', TEXT: 'Text', BOOL: 'Bool', DOUBLE: 'Double' };
  return Object.fromEntries(searchAttributeKeys.map((k) => [k.name, cliType[k.type]]));
}
