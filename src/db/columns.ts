import type { EntityMetadata } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Select lists derived from an entity's metadata, for the few hand-written statements
 * (docs/database.md): the entity stays the one definition of a row, and the rows come back
 * keyed by property name, ready for `repository.create(row)`.
 */
const quoted = (column: ColumnMetadata, alias: string) => `${alias}.${column.databaseName}`;

// Columns marked `select: false` (users.password_hash) are never read: the application role may not.
const readable = (metadata: EntityMetadata) => metadata.columns.filter((column) => column.isSelect);

// Built once per entity and alias: the hot routes ask for them on every request.
const built = new WeakMap<EntityMetadata, Map<string, string>>();
function once(metadata: EntityMetadata, key: string, build: () => string): string {
  let lists = built.get(metadata);
  if (!lists) built.set(metadata, (lists = new Map()));
  let list = lists.get(key);
  if (list === undefined) lists.set(key, (list = build()));
  return list;
}

/** `t.workspace_id AS "workspaceId", ...`: every readable column of the entity, named as the entity names it. */
export function selectList(metadata: EntityMetadata, alias: string): string {
  return once(metadata, `select ${alias}`, () =>
    readable(metadata).map((column) => `${quoted(column, alias)} AS "${column.propertyName}"`).join(', '));
}

// A time as Date.toISOString() writes it (milliseconds, truncated as node-postgres truncates them).
const isoTime = (expression: string) => `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * selectList() with times as ISO-8601 text: the row as the API's JSON renders it, for
 * `row_to_json()` over it (decision 0006). The entity's serializer writes the same shape.
 */
export function jsonSelectList(metadata: EntityMetadata, alias: string): string {
  return once(metadata, `json ${alias}`, () => readable(metadata).map((column) => {
    const value = column.type === 'timestamptz' ? isoTime(quoted(column, alias)) : quoted(column, alias);
    return `${value} AS "${column.propertyName}"`;
  }).join(', '));
}

/** A time as text to the microsecond, for keyset cursors: a JS Date would round it to milliseconds and skip rows. */
export const cursorTime = (expression: string): string =>
  `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
