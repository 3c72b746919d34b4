// Branch conditions are checked by the server's compiler as the admin types (POST /api/v1/flows/expressions/check).

export interface ExpressionError {
  /** What to fix, in the language the request asked for (the UI's), without the column. */
  message: string;
  /** Stable code of the fault (definition.expr.…), the same a saved flow's problem at the edge's `when` has. */
  code: string;
  /** 1-based column; 0 when the compiler names none. */
  position: number;
}

export interface ExpressionResult {
  ok: boolean;
  errors: ExpressionError[];
}

/** Splits the expression around the 1-based column an error points at, to underline it. Out of range: undefined. */
export function splitAt(expr: string, position: number): { before: string; at: string; after: string } | undefined {
  const chars = Array.from(expr);
  if (!Number.isInteger(position) || position < 1 || position > chars.length + 1) return undefined;
  const i = position - 1;
  return { before: chars.slice(0, i).join(''), at: chars[i] ?? ' ', after: chars.slice(i + 1).join('') };
}

/** What to check: nothing for an empty condition (it is optional), else the trimmed text. */
export function expressionToCheck(expr: string | undefined): string | undefined {
  const v = (expr ?? '').trim();
  return v ? expr : undefined;
}
