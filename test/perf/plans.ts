import type { Logger, QueryRunner } from 'typeorm';

/**
 * Helpers for the EXPLAIN tests: run the routes' own query functions on a real connection
 * (as the application role, app.current_user_id set) while recording every statement they
 * send, then EXPLAIN those exact statements with the same parameters.
 */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** A TypeORM logger that records every statement sent while `statements` is set. */
export class StatementRecorder implements Logger {
  statements: Statement[] | undefined;

  logQuery(sql: string, params?: unknown[]): void {
    this.statements?.push({ sql, params: params ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  logGeneral(): void {}
  log(): void {}
}

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

/** EXPLAIN (as JSON) of one recorded statement; ANALYZE runs it (use for reads only). */
export async function explain(runner: QueryRunner, statement: Statement, analyze: boolean): Promise<PlanNode> {
  const options = analyze ? 'ANALYZE, BUFFERS, FORMAT JSON' : 'FORMAT JSON';
  const rows = await runner.query(`EXPLAIN (${options}) ${statement.sql}`, statement.params);
  return rows[0]['QUERY PLAN'][0].Plan as PlanNode;
}

export function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The scans of a table: seq, index, index-only and bitmap heap scans. */
export function scansOf(plan: PlanNode, table: string): PlanNode[] {
  return nodes(plan).filter((n) => n['Relation Name'] === table && /Scan/.test(n['Node Type']));
}

export function seqScans(plan: PlanNode, tables: string[]): string[] {
  return nodes(plan)
    .filter((n) => n['Node Type'] === 'Seq Scan' && tables.includes(n['Relation Name'] ?? ''))
    .map((n) => n['Relation Name']!);
}

/** Rows the scans of `table` read in total (index matches, plus rows a filter then removed). */
export function rowsRead(plan: PlanNode, table: string): number {
  return scansOf(plan, table).reduce(
    (sum, n) => sum + ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1), 0,
  );
}

/** One line per node, for failure messages. */
export function render(plan: PlanNode, depth = 0): string {
  const what = [plan['Node Type'], plan['Index Name'] ? `using ${plan['Index Name']}` : '', plan['Relation Name'] ? `on ${plan['Relation Name']}` : '']
    .filter(Boolean).join(' ');
  const rows = plan['Actual Rows'] === undefined ? '' : ` (rows=${plan['Actual Rows']} loops=${plan['Actual Loops']}` +
    `${plan['Rows Removed by Filter'] ? ` removed=${plan['Rows Removed by Filter']}` : ''})`;
  const cond = plan['Index Cond'] ? ` [${plan['Index Cond']}]` : '';
  return [`${'  '.repeat(depth)}${what}${cond}${rows}`, ...(plan.Plans ?? []).map((p) => render(p, depth + 1))].join('\n');
}
