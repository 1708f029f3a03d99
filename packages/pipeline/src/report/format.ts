/** HTML text escaping and the one number formatter of the report, its TRIPOD text and the CLI. */

export const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/**
 * Three decimals, or `missing` for a missing or non-finite value: an en dash in report.html,
 * `n/a` in report.json's TRIPOD text and the CLI's lines.
 */
export const f3 = (v: number | null | undefined, missing = '–') =>
  v === null || v === undefined || !Number.isFinite(v) ? missing : v.toFixed(3);
