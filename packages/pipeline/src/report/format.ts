/** HTML text escaping and the one number formatter of the report, its TRIPOD text and the CLI. */

export const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/**
 * Three decimals, or `n/a` for a missing or non-finite value: the same in report.html, report.json's
 * TRIPOD text and the CLI's lines.
 */
export const f3 = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(3);
