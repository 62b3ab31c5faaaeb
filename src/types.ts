/**
 * Shapes of the REST API under /jupyter-mlops/api/v1 (see jupyter_mlops/server/handlers.py).
 */

export type Severity = 'error' | 'warning' | 'info';

export interface IEdit {
  cell: number;
  line: number;
  column: number;
  end_line: number;
  end_column: number;
  content: string;
}

export interface IFix {
  message: string;
  applicability: 'safe' | 'unsafe';
  edits: IEdit[];
}

export interface IFinding {
  rule: string;
  code: string;
  severity: Severity;
  message: string;
  cell: number | null;
  cell_id: string | null;
  line: number | null;
  column: number | null;
  end_line: number | null;
  end_column: number | null;
  fix: IFix | null;
  category: string;
  hint: string | null;
}

export interface ISummary {
  total: number;
  score: number;
  grade: string;
  by_severity: Record<Severity, number>;
  by_category: Record<string, number>;
  fixable: number;
}

export interface ILintResult {
  path: string;
  error: string | null;
  cells: number;
  findings: IFinding[];
  summary: ISummary;
  duration_ms: number;
}

export interface IFixResult {
  path: string;
  changes: { cell: number; cell_id: string | null; source: string }[];
  applied: IFinding[];
  remaining: number;
}

export interface IRuleInfo {
  code: string;
  name: string;
  category: string;
  severity: Severity;
  summary: string;
  fix: string | null;
  url: string;
  markdown: string;
}

export interface IJob {
  id: string;
  kind: string;
  target: string;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  fraction: number;
  message: string;
  log: string[];
  result: { [key: string]: any } | null;
  error: string | null;
  elapsed: number;
  cancel_requested: boolean;
}

export interface IVersion {
  name: string;
  version: string;
  api_version: number;
  productionise: boolean;
}
