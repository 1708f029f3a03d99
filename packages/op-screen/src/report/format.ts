/** HTML text escaping and number formatting shared by the report's HTML modules. */

export const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** Three decimals, or an en dash for a missing or non-finite value. */
export const f3 = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
